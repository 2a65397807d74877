"""Stream pipes: OpenAI SSE in, Anthropic SSE out; pass-through bytes untouched."""

from __future__ import annotations

import pytest

from ccrouter.dispatch.pipes import (
    PassthroughPipe,
    TranslatingPipe,
    UpstreamSummary,
    billing_of,
)
from ccrouter.errors import UpstreamError
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from ccrouter.transformers.base import Transformer
from ccrouter.transformers.context import TranslationContext

CTX = TranslationContext(requested_model="claude-x", upstream_model="m", provider="p")
OPENAI = (
    b": OPENROUTER PROCESSING\n\n"
    b'data: {"id":"gen-1","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}\n\n'
    b'data: {"id":"gen-1","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n'
    b'data: {"id":"gen-1","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}\n\n'
    b"data: [DONE]\n\n"
)


def test_translating_pipe_in_pieces() -> None:
    pipe = TranslatingPipe(CTX, ())
    out = b"".join(pipe.feed(OPENAI[i : i + 5]) for i in range(0, len(OPENAI), 5)) + pipe.finish()
    events = assert_valid_anthropic_stream(out)
    assert (
        "".join(e[1]["delta"]["text"] for e in events if e[0] == "content_block_delta") == "Hello"
    )
    assert pipe.started_content
    summary = pipe.summary()
    assert (summary.generation_id, summary.stop_reason) == ("gen-1", "end_turn")
    assert summary.usage is not None and summary.usage["output_tokens"] == 2


def test_summary_of_a_message_keeps_only_well_typed_facts() -> None:
    message = {"stop_reason": "end_turn", "usage": {"input_tokens": 3, "output_tokens": 1}}
    summary = UpstreamSummary.of_message(
        message, *billing_of({"id": "gen-9", "usage": {"cost": 2}})
    )
    assert summary == UpstreamSummary(2.0, "gen-9", "end_turn", message["usage"])
    odd = {"stop_reason": 5, "usage": "lots"}
    assert UpstreamSummary.of_message(odd, *billing_of({"id": 7, "usage": {"cost": "1"}})) == (
        UpstreamSummary()
    )
    assert billing_of(["not", "a", "completion"]) == (None, None)


def test_malformed_chunk_is_an_upstream_error() -> None:
    pipe = TranslatingPipe(CTX, ())
    with pytest.raises(UpstreamError, match="malformed JSON"):
        pipe.feed(b"data: {nope\n\n")


def test_chunks_go_through_the_chain_in_reverse() -> None:
    seen: list[str] = []

    class Mark(Transformer):
        def transform_chunk(self, chunk, ctx):  # type: ignore[no-untyped-def]
            seen.append(self.options["tag"])
            return [chunk]

    pipe = TranslatingPipe(CTX, (Mark({"tag": "first"}), Mark({"tag": "second"})))
    pipe.feed(OPENAI)
    assert seen[:2] == ["second", "first"]


ANTHROPIC = (
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"x","usage":{"input_tokens":1,"output_tokens":1}}}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n'
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\n'
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
)


def test_passthrough_forwards_bytes_untouched() -> None:
    pipe = PassthroughPipe(CTX)
    assert pipe.feed(ANTHROPIC) == ANTHROPIC
    assert pipe.started_content and pipe.finish() == b""
    assert pipe.summary() == UpstreamSummary(stop_reason="end_turn", usage={"output_tokens": 1})


def test_passthrough_error_before_content_falls_back_and_cut_is_detected() -> None:
    with pytest.raises(UpstreamError, match="Overloaded"):
        PassthroughPipe(CTX).feed(
            b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
        )
    pipe = PassthroughPipe(CTX)
    pipe.feed(ANTHROPIC[:300])
    with pytest.raises(UpstreamError, match="before message_stop"):
        pipe.finish()
