from __future__ import annotations

import orjson
import pytest

from ccrouter.testing.fake.chat import CHAT, DONE
from ccrouter.testing.fake.render import KEEPALIVE, Context, render, usage_for
from ccrouter.testing.fake.script import (
    BadJSON,
    Cut,
    HttpError,
    MidStreamError,
    Refuse,
    Text,
    ToolCall,
    ToolCalls,
    Usage,
)

CTX = Context("vendor/model", prompt_tokens=40, created=1700000000, token="abc")


def test_context_new_estimates_prompt_tokens_and_mints_ids() -> None:
    first, second = Context.new("m", 400), Context.new(None, 0)
    assert (first.model, first.prompt_tokens) == ("m", 100)
    assert (second.model, second.prompt_tokens) == ("unknown", 1)
    assert first.generation_id.startswith("gen-") and first.token != second.token


def test_a_complete_stream_is_keepalives_chunks_then_done() -> None:
    reply = render(Text("hello", keepalives=2, chunk_delay=0.5), CTX, True, CHAT)
    assert reply.status == 200 and reply.ending == "complete"
    assert reply.pieces[:2] == (KEEPALIVE, KEEPALIVE)
    assert reply.pieces[-1] == DONE
    assert reply.chunk_delay == 0.5
    assert dict(reply.headers)["content-type"] == "text/event-stream"
    assert dict(reply.headers)["x-generation-id"] == "gen-1700000000-abc"


def test_a_complete_answer_without_stream_is_one_json_piece() -> None:
    reply = render(Text("hello", first_byte_delay=0.25), CTX, False, CHAT)
    assert len(reply.pieces) == 1
    assert orjson.loads(reply.pieces[0])["choices"][0]["message"]["content"] == "hello"
    assert reply.first_byte_delay == 0.25
    assert dict(reply.headers)["content-type"] == "application/json"


@pytest.mark.parametrize("after", [0, 1, 3])
def test_wrappers_keep_the_comments_and_the_first_data_chunks(after: int) -> None:
    full = render(Text("0123456789", chunk_chars=2), CTX, True, CHAT).pieces
    data = [piece for piece in full if piece.startswith(b"data: {")]
    base = Text("0123456789", chunk_chars=2)
    mid = render(MidStreamError(base, after_chunks=after), CTX, True, CHAT)
    assert mid.pieces[: 1 + after] == (KEEPALIVE, *data[:after])
    assert b'"finish_reason":"error"' in mid.pieces[-1] and len(mid.pieces) == 2 + after
    cut = render(Cut(base, after_chunks=after), CTX, True, CHAT)
    assert cut.pieces == (KEEPALIVE, *data[:after]) and cut.ending == "cut"
    bad = render(BadJSON(base, after_chunks=after), CTX, True, CHAT)
    assert bad.pieces == (KEEPALIVE, *data[:after], b"data: {this is not json\n\n")
    assert bad.ending == "complete"


def test_wrappers_take_timing_from_their_base() -> None:
    reply = render(Cut(Text("x", first_byte_delay=1.5, chunk_delay=0.1)), CTX, True, CHAT)
    assert (reply.first_byte_delay, reply.chunk_delay) == (1.5, 0.1)


def test_wrappers_without_stream() -> None:
    cut = render(Cut(Text("some text")), CTX, False, CHAT)
    whole = render(Text("some text"), CTX, False, CHAT).pieces[0]
    assert cut.ending == "cut" and whole.startswith(cut.pieces[0])
    assert len(cut.pieces[0]) < len(whole)
    assert render(BadJSON(), CTX, False, CHAT).pieces == (b"{this is not json",)
    failed = orjson.loads(render(MidStreamError(), CTX, False, CHAT).pieces[0])
    assert failed["choices"][0]["finish_reason"] == "error"


def test_http_error_reply() -> None:
    spec = HttpError(429, "slow", retry_after=2, headers={"X-RateLimit-Remaining": "0"})
    reply = render(spec, CTX, True, CHAT)
    headers = dict(reply.headers)
    assert reply.status == 429 and reply.ending == "complete"
    assert headers["retry-after"] == "2" and headers["X-RateLimit-Remaining"] == "0"
    assert orjson.loads(reply.pieces[0]) == {"error": {"code": 429, "message": "slow"}}
    assert (
        dict(render(HttpError(503, retry_after=0.5), CTX, False, CHAT).headers)["retry-after"]
        == "0.5"
    )


def test_refuse_reply() -> None:
    reply = render(Refuse(first_byte_delay=0.2), CTX, True, CHAT)
    assert (reply.ending, reply.pieces, reply.first_byte_delay) == ("refuse", (), 0.2)


def test_usage_is_taken_from_the_spec_or_derived_from_sizes() -> None:
    given = Usage(1, 2, 3, 4, 5, 6.0)
    assert usage_for(Text("x", usage=given), CTX) is given
    derived = usage_for(Text("x" * 40, reasoning="r" * 8), CTX)
    assert (derived.prompt_tokens, derived.completion_tokens, derived.reasoning_tokens) == (
        40,
        12,
        2,
    )
    tools = usage_for(ToolCalls([ToolCall("abcd", "x" * 12)]), CTX)
    assert tools.completion_tokens == 4 and tools.cost > 0
