"""OpenAIStreamTranslator: recorded OpenRouter streams (golden) and one test per checklist item."""

from __future__ import annotations

from typing import Any

import anthropic
import orjson
import pytest
from anthropic.types import Message

from ccrouter.errors import UpstreamError
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from ccrouter.transformers.chat import reasoning_codec
from ccrouter.transformers.chat.stream import OpenAIStreamTranslator, StreamStateError
from ccrouter.transformers.chat.tool_names import upstream_tool_id
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import Event
from tests.transformers.sse_replay import (
    FIXTURES,
    SIZES,
    fixture,
    replay,
    sdk_final_message,
    shape,
)

TOOL_NAMES = {"mcp__github__create_pull_request_5c0ffee1": "mcp__github__create_pull_request"}


def ctx_for(raw: bytes) -> TranslationContext:
    """A context whose upstream model is the one the recording came from."""
    first = next(line for line in raw.splitlines() if line.startswith(b"data: {"))
    return TranslationContext(
        requested_model="claude-sonnet-4-5",
        upstream_model=orjson.loads(first[6:])["model"],
        message_id="msg_golden",
        input_estimate=42,
        tool_names=dict(TOOL_NAMES),
    )


# --- golden: recorded streams at every chunk size ------------------------------------------

END, TOOL = "message_delta:end_turn", "message_delta:tool_use"
STOP = "message_stop"
GOLDEN: dict[str, list[str]] = {
    "text_plain.sse": ["message_start", "ping", "ping", "text[", "text*3", "]", END, STOP],
    "text_content_with_finish.sse": ["message_start", "text[", "text*3", "]", END, STOP],
    "reasoning_anthropic.sse": [
        "message_start", "ping",
        "thinking[", "thinking*2", "signature", "]",
        "text[", "text*2", "]", END, STOP,
    ],
    "reasoning_redacted_anthropic.sse": [
        "message_start", "redacted_thinking[", "]",
        "thinking[", "thinking", "signature", "]",
        "text[", "text", "]", END, STOP,
    ],
    "reasoning_gemini_tool.sse": [
        "message_start", "ping",
        "thinking[", "thinking*2", "signature", "]",
        "tool_use[", "json", "]", TOOL, STOP,
    ],
    "reasoning_gemini_signature_only.sse": [
        "message_start", "redacted_thinking[", "]", "tool_use[", "json", "]", TOOL, STOP,
    ],
    "reasoning_openai_summary.sse": [
        "message_start", "thinking[", "thinking*2", "signature", "]",
        "text[", "text", "]", END, STOP,
    ],
    "reasoning_whitespace_only.sse": ["message_start", "text[", "text", "]", END, STOP],
    "tool_openai_style.sse": [
        "message_start", "text[", "text", "]", "tool_use[", "json*6", "]", TOOL, STOP,
    ],
    "tool_id_every_chunk.sse": ["message_start", "tool_use[", "json*3", "]", TOOL, STOP],
    "tool_whole_call.sse": ["message_start", "tool_use[", "json", "]", TOOL, STOP],
    "tool_name_fragments.sse": ["message_start", "tool_use[", "json*2", "]", TOOL, STOP],
    "tool_parallel_same_index.sse": [
        "message_start", "tool_use[", "json*2", "]", "tool_use[", "json", "]", TOOL, STOP,
    ],
    "tool_parallel_indexed.sse": [
        "message_start", "tool_use[", "json", "]", "tool_use[", "json", "]", TOOL, STOP,
    ],
    "tool_odd_ids.sse": [
        "message_start",
        "tool_use[", "json", "]", "tool_use[", "json", "]", "tool_use[", "json", "]",
        TOOL, STOP,
    ],
    "text_tool_text.sse": [
        "message_start", "text[", "text", "]", "tool_use[", "json", "]",
        "text[", "text", "]", TOOL, STOP,
    ],
    "tool_no_arguments.sse": ["message_start", "tool_use[", "]", TOOL, STOP],
    "tool_args_single_quotes.sse": ["message_start", "tool_use[", "json", "]", TOOL, STOP],
    "tool_args_truncated.sse": [
        "message_start", "tool_use[", "json*3", "]", "message_delta:max_tokens", STOP,
    ],
    "keepalive_comments.sse": [
        "message_start", "ping", "text[", "text", "ping", "ping", "text", "]", "ping", END, STOP,
    ],
    "usage_only_final_chunk.sse": ["message_start", "text[", "text", "]", "ping", END, STOP],
    "error_mid_stream.sse": ["message_start", "text[", "text", "error:api_error"],
    "error_before_content.sse": ["message_start", "ping", "error:rate_limit_error"],
    "stream_cut.sse": ["message_start", "text[", "text*2", "error:api_error"],
}  # fmt: skip


def test_every_fixture_has_a_golden_sequence() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.sse")) == sorted(GOLDEN)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_recorded_stream_translates_to_the_golden_sequence(name: str, size: str) -> None:
    raw = fixture(name)
    events = replay(raw, ctx_for(raw), size)  # replay() also runs assert_valid_anthropic_stream
    assert shape(events) == GOLDEN[name]


def summary(message: Message) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for block in message.content:
        if block.type == "text":
            out.append(("text", block.text))
        elif block.type == "thinking":
            signature = block.signature
            if signature.startswith(reasoning_codec.PREFIX):
                signature = signature.split(".")[0] + "." + signature.split(".")[1]
            out.append(("thinking", block.thinking, signature))
        elif block.type == "redacted_thinking":
            out.append(("redacted_thinking", block.data.split(".")[:2]))
        elif block.type == "tool_use":
            out.append(("tool_use", block.name, block.input))
    return out


# (content summary, stop_reason, (input, output, cache_read, cache_creation))
SDK_RESULTS: dict[str, tuple[list[tuple[Any, ...]], str, tuple[int, int, int, int]]] = {
    "text_plain.sse": ([("text", "Hello there, how can I help?")], "end_turn", (12, 9, 0, 0)),
    "text_content_with_finish.sse": (
        [("text", "The capital of France is Paris.")],
        "end_turn",
        (20, 7, 0, 0),
    ),
    "reasoning_anthropic.sse": (
        [
            ("thinking", "The user asks 2+2. That is 4.", "EqQBCkYIBxgCKkDrmZ9sig0nature+/=="),
            ("text", "2 + 2 = 4."),
        ],
        "end_turn",
        (200, 60, 4000, 1000),
    ),
    "reasoning_redacted_anthropic.sse": (
        [
            ("redacted_thinking", ["EmwKAhgBEgyRedactedPayload=="]),
            ("thinking", "Continuing the plan.", "ErUBCkYIBRgCsecondSig=="),
            ("text", "Done."),
        ],
        "end_turn",
        (800, 40, 0, 0),
    ),
    "reasoning_gemini_tool.sse": (
        [
            (
                "thinking",
                "**Listing files**\n\nI should run ls. Then read the README.",
                "ccr1.google",
            ),
            ("tool_use", "Bash", {"command": "ls -la", "description": "List files"}),
        ],
        "tool_use",
        (3100, 210, 0, 0),
    ),
    "reasoning_gemini_signature_only.sse": (
        [
            ("redacted_thinking", ["ccr1", "google"]),
            ("tool_use", "Read", {"file_path": "/tmp/a.txt"}),
        ],
        "tool_use",
        (900, 30, 0, 0),
    ),
    "reasoning_openai_summary.sse": (
        [
            ("thinking", "**Checking the math**\n\nSimple addition.", "ccr1.openai"),
            ("text", "It is 4."),
        ],
        "end_turn",
        (400, 90, 0, 0),
    ),
    "reasoning_whitespace_only.sse": ([("text", "Sure.")], "end_turn", (50, 6, 0, 0)),
    "tool_openai_style.sse": (
        [("text", "I'll list the files."), ("tool_use", "Bash", {"command": "ls -la"})],
        "tool_use",
        (1500, 25, 0, 0),
    ),
    "tool_id_every_chunk.sse": (
        [("tool_use", "Read", {"file_path": "/etc/hosts"})],
        "tool_use",
        (700, 20, 0, 0),
    ),
    "tool_whole_call.sse": (
        [("tool_use", "Glob", {"pattern": "**/*.py"})],
        "tool_use",
        (200, 40, 1800, 0),
    ),
    "tool_name_fragments.sse": (
        [("tool_use", "mcp__github__create_pull_request", {"title": "Fix bug", "draft": True})],
        "tool_use",
        (600, 30, 0, 0),
    ),
    "tool_parallel_same_index.sse": (
        [("tool_use", "Read", {"file_path": "a.py"}), ("tool_use", "Read", {"file_path": "b.py"})],
        "tool_use",
        (900, 44, 0, 0),
    ),
    "tool_parallel_indexed.sse": (
        [("tool_use", "Grep", {"pattern": "TODO"}), ("tool_use", "Glob", {"pattern": "*.md"})],
        "tool_use",
        (1000, 50, 0, 0),
    ),
    "tool_odd_ids.sse": (
        [
            ("tool_use", "Bash", {"command": "pwd"}),
            ("tool_use", "Bash", {"command": "whoami"}),
            ("tool_use", "Bash", {"command": "date"}),
        ],
        "tool_use",
        (1200, 45, 0, 0),
    ),
    "text_tool_text.sse": (
        [
            ("text", "Let me check."),
            ("tool_use", "Bash", {"command": "git status"}),
            ("text", "Running it now."),
        ],
        "tool_use",
        (800, 33, 0, 0),
    ),
    "tool_no_arguments.sse": ([("tool_use", "TodoRead", {})], "tool_use", (300, 10, 0, 0)),
    "tool_args_single_quotes.sse": (
        [("tool_use", "Write", {"file_path": "a.txt", "content": "hi", "append": True})],
        "tool_use",
        (400, 22, 0, 0),
    ),
    "tool_args_truncated.sse": (
        [("tool_use", "Write", {"file_path": "x.md", "content": "# Title\n"})],
        "max_tokens",
        (400, 64, 0, 0),
    ),
    "keepalive_comments.sse": ([("text", "One two")], "end_turn", (30, 2, 0, 0)),
    "usage_only_final_chunk.sse": (
        [("text", "According to the docs, yes.")],
        "end_turn",
        (1000, 80, 9000, 0),
    ),
}


@pytest.mark.parametrize("name", sorted(SDK_RESULTS))
async def test_official_sdk_accumulates_the_expected_message(name: str) -> None:
    raw = fixture(name)
    message = await sdk_final_message(replay(raw, ctx_for(raw), "7-byte"))
    content, stop, (inp, out, read, created) = SDK_RESULTS[name]
    assert summary(message) == content
    assert message.stop_reason == stop
    assert message.stop_sequence is None
    assert message.id == "msg_golden"
    assert message.model == "claude-sonnet-4-5"
    usage = message.usage
    assert (usage.input_tokens, usage.output_tokens) == (inp, out)
    assert (usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (read, created)


@pytest.mark.parametrize(
    ("name", "error_class", "words"),
    [
        ("error_mid_stream.sse", anthropic.APIStatusError, "upstream connect error"),
        ("error_before_content.sse", anthropic.APIStatusError, "rate_limit_error"),
        ("stream_cut.sse", anthropic.APIStatusError, "ended before it finished"),
    ],
)
async def test_official_sdk_raises_on_the_error_event(
    name: str, error_class: type[Exception], words: str
) -> None:
    raw = fixture(name)
    with pytest.raises(error_class, match=words):
        await sdk_final_message(replay(raw, ctx_for(raw), "line"))


async def test_web_search_count_reaches_the_sdk_usage() -> None:
    raw = fixture("usage_only_final_chunk.sse")
    message = await sdk_final_message(replay(raw, ctx_for(raw)))
    assert message.usage.server_tool_use is not None
    assert message.usage.server_tool_use.web_search_requests == 2


# --- unit: hand-built chunks -----------------------------------------------------------------


def make_ctx(**overrides: Any) -> TranslationContext:
    values: dict[str, Any] = {
        "requested_model": "claude-opus-4-1",
        "upstream_model": "openai/gpt-4.1",
        "message_id": "msg_test",
        "input_estimate": 77,
    }
    values.update(overrides)
    return TranslationContext(**values)


def chunk(
    content: Any = None,
    *,
    reasoning: str | None = None,
    details: list[dict[str, Any]] | None = None,
    tools: list[dict[str, Any]] | None = None,
    finish: str | None = None,
    **top: Any,
) -> dict[str, Any]:
    delta: dict[str, Any] = {"role": "assistant", "content": content, "reasoning": reasoning}
    if details is not None:
        delta["reasoning_details"] = details
    if tools is not None:
        delta["tool_calls"] = tools
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "gen-unit", "choices": [choice], **top}


def usage_chunk(**usage: Any) -> dict[str, Any]:
    return {"id": "gen-unit", "choices": [], "usage": usage}


def call(
    index: int | None = 0, id: Any = None, name: str | None = None, args: Any = None
) -> dict[str, Any]:
    fragment: dict[str, Any] = {"function": {}}
    if index is not None:
        fragment["index"] = index
    if id is not None:
        fragment["id"] = id
    if name is not None:
        fragment["function"]["name"] = name
    if args is not None:
        fragment["function"]["arguments"] = args
    return fragment


def text_detail(text: str, fmt: str, index: int = 0, **extra: Any) -> dict[str, Any]:
    return {"type": "reasoning.text", "text": text, "format": fmt, "index": index, **extra}


def run(*chunks: dict[str, Any], ctx: TranslationContext | None = None) -> list[Event]:
    """Feed the chunks, finish, and validate the stream."""
    translator = OpenAIStreamTranslator(ctx or make_ctx())
    events: list[Event] = []
    for item in chunks:
        events += translator.feed(item)
    events += translator.finish()
    return assert_valid_anthropic_stream(events)


def deltas(events: list[Event], kind: str) -> list[Any]:
    field = {
        "text_delta": "text",
        "thinking_delta": "thinking",
        "signature_delta": "signature",
        "input_json_delta": "partial_json",
    }[kind]
    return [
        d["delta"][field]
        for n, d in events
        if n == "content_block_delta" and d["delta"]["type"] == kind
    ]


def blocks(events: list[Event]) -> list[dict[str, Any]]:
    return [d["content_block"] for n, d in events if n == "content_block_start"]


# message start, keep-alives, ending


def test_message_start_echoes_requested_model_and_input_estimate() -> None:
    events = run(chunk("hi"), chunk(finish="stop"))
    name, data = events[0]
    assert name == "message_start"
    assert data["message"] == {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-1",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 77,
            "output_tokens": 1,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def test_keepalive_before_the_first_chunk_starts_the_message_then_pings() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    assert [n for n, _ in translator.keepalive()] == ["message_start", "ping"]
    assert translator.keepalive() == [("ping", {"type": "ping"})]
    assert [n for n, _ in translator.feed(chunk("a"))] == [
        "content_block_start",
        "content_block_delta",
    ]


def test_keepalive_after_the_stream_ended_is_silent() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk("a", finish="stop"))
    translator.finish()
    assert translator.keepalive() == []


def test_nothing_follows_message_stop() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk("a", finish="stop"))
    assert [n for n, _ in translator.finish()] == ["message_delta", "message_stop"]
    with pytest.raises(StreamStateError):
        translator.feed(chunk("late"))
    with pytest.raises(StreamStateError):
        translator.finish()


def test_started_content_turns_true_with_the_first_block() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.keepalive()
    translator.feed(chunk(""))
    translator.feed(chunk("\n"))  # whitespace alone does not open a block yet
    assert not translator.started_content
    translator.feed(chunk("x"))
    assert translator.started_content


# block discipline


def test_first_delta_of_a_new_block_is_not_dropped() -> None:
    events = run(
        chunk(reasoning="think", details=[text_detail("think", "unknown")]),
        chunk("first"),
        chunk(tools=[call(0, "call_1", "Bash", '{"command":"ls"}')]),
        chunk("after"),
        chunk(finish="stop"),
    )
    assert deltas(events, "thinking_delta") == ["think"]
    assert deltas(events, "text_delta") == ["first", "after"]
    assert deltas(events, "input_json_delta") == ['{"command":"ls"}']
    assert [b["type"] for b in blocks(events)] == ["thinking", "text", "tool_use", "text"]


def test_combined_chunk_is_split_reasoning_then_text_then_tools_then_finish() -> None:
    combined = chunk(
        "Answer.",
        reasoning="Plan.",
        details=[text_detail("Plan.", "unknown")],
        tools=[call(0, "call_1", "Read", '{"file_path":"a"}')],
        finish="tool_calls",
    )
    events = run(combined)
    assert shape(events) == [
        "message_start",
        "thinking[", "thinking", "signature", "]",
        "text[", "text", "]",
        "tool_use[", "json", "]",
        "message_delta:tool_use", "message_stop",
    ]  # fmt: skip


def test_blocks_are_sequential_and_indexed_from_zero() -> None:
    events = run(
        chunk("a"),
        chunk(tools=[call(0, "c1", "A", "{}")]),
        chunk(tools=[call(1, "c2", "B", "{}")]),
        chunk("b", finish="stop"),
    )
    starts = [d["index"] for n, d in events if n == "content_block_start"]
    stops = [d["index"] for n, d in events if n == "content_block_stop"]
    assert starts == stops == [0, 1, 2, 3]


def test_empty_content_never_opens_a_text_block() -> None:
    events = run(chunk(""), chunk(None), chunk("", finish="stop"))
    assert blocks(events) == []


def test_whitespace_only_text_before_a_tool_call_is_dropped() -> None:
    events = run(
        chunk("\n\n"),
        chunk(tools=[call(0, "call_1", "Bash", '{"command":"ls"}')], finish="tool_calls"),
    )
    assert [b["type"] for b in blocks(events)] == ["tool_use"]


def test_leading_whitespace_is_kept_once_text_follows() -> None:
    events = run(chunk("\n"), chunk(" "), chunk("Hi"), chunk(finish="stop"))
    assert deltas(events, "text_delta") == ["\n Hi"]


def test_content_given_as_a_list_of_parts_becomes_text() -> None:
    events = run(
        chunk([{"type": "text", "text": "par"}, {"type": "text", "text": "ts"}]),
        chunk(finish="stop"),
    )
    assert deltas(events, "text_delta") == ["parts"]


# reasoning


def test_reasoning_details_win_over_the_duplicate_reasoning_text() -> None:
    events = run(
        chunk(reasoning="same", details=[text_detail("same", "unknown")]),
        chunk(reasoning="", details=[text_detail("", "unknown", signature=None)]),
        chunk("ok", finish="stop"),
    )
    assert deltas(events, "thinking_delta") == ["same"]


def test_plain_reasoning_is_used_without_details() -> None:
    translator_events = run(
        chunk(reasoning="plain "), chunk(reasoning="text"), chunk("ok", finish="stop")
    )
    assert deltas(translator_events, "thinking_delta") == ["plain ", "text"]
    signature = deltas(translator_events, "signature_delta")[0]
    assert reasoning_codec.unpack(signature) == ("openai", [])


def test_reasoning_content_field_is_read_for_openai_compatible_servers() -> None:
    item = {"id": "x", "choices": [{"delta": {"reasoning_content": "deep"}}]}
    events = run(item, chunk("ok", finish="stop"), ctx=make_ctx(upstream_model="deepseek-reasoner"))
    assert deltas(events, "thinking_delta") == ["deep"]


def test_plain_reasoning_is_used_when_details_carry_no_text() -> None:
    encrypted = {"type": "reasoning.encrypted", "data": "opaque", "format": "openai-responses-v1"}
    events = run(chunk(reasoning="summary", details=[encrypted]), chunk("ok", finish="stop"))
    assert deltas(events, "thinking_delta") == ["summary"]


def test_reasoning_never_lands_in_a_text_block() -> None:
    events = run(
        chunk("text first"),
        chunk(reasoning="late thought", details=[text_detail("late thought", "unknown")]),
        chunk(finish="stop"),
    )
    assert [b["type"] for b in blocks(events)] == ["text", "thinking"]
    assert deltas(events, "text_delta") == ["text first"]


def test_thinking_block_gets_exactly_one_signature() -> None:
    fmt = "anthropic-claude-v1"
    events = run(
        chunk(details=[text_detail("a", fmt)]),
        chunk(details=[text_detail("", fmt, signature="sig-1")]),
        chunk(details=[text_detail("b", fmt)]),  # text after the signature, same index
        chunk("x", finish="stop"),
        ctx=make_ctx(upstream_model="anthropic/claude-sonnet-4.5"),  # Claude's own signature
    )
    assert deltas(events, "signature_delta") == ["sig-1"]
    names = [n for n, _ in events]
    stop_at = names.index("content_block_stop")
    assert events[stop_at - 1][1]["delta"]["type"] == "signature_delta"


def test_anthropic_signature_is_passed_through_verbatim() -> None:
    fmt = "anthropic-claude-v1"
    events = run(
        chunk(reasoning="r", details=[text_detail("r", fmt)]),
        chunk(reasoning="", details=[text_detail("", fmt, signature="EqQBCkYIBx+/==")]),
        chunk("x", finish="stop"),
        ctx=make_ctx(upstream_model="anthropic/claude-sonnet-4.5"),
    )
    assert deltas(events, "signature_delta") == ["EqQBCkYIBx+/=="]


def test_non_anthropic_reasoning_is_packed_into_the_signature() -> None:
    fmt = "google-gemini-v1"
    encrypted = {
        "type": "reasoning.encrypted",
        "data": "sig==",
        "id": "tool_1",
        "format": fmt,
        "index": 0,
    }
    events = run(
        chunk(reasoning="a", details=[text_detail("a", fmt)]),
        chunk(reasoning="b", details=[text_detail("b", fmt)]),
        chunk(details=[encrypted], tools=[call(0, "tool_1", "Bash", "{}")], finish="tool_calls"),
        ctx=make_ctx(upstream_model="google/gemini-3-pro-preview"),
    )
    signature = deltas(events, "signature_delta")[0]
    assert reasoning_codec.unpack(signature) == (
        "google",
        [{"type": "reasoning.text", "text": "ab", "format": fmt, "index": 0}, encrypted],
    )


def test_reasoning_fragments_are_merged_by_index_keeping_the_latest_signature_and_id() -> None:
    fmt = "xai-responses-v1"
    events = run(
        chunk(details=[text_detail("one ", fmt, 0, id=None)]),
        chunk(details=[text_detail("two", fmt, 0, id="rs_1", signature="s1")]),
        chunk(details=[text_detail("other", fmt, 1)]),
        chunk("x", finish="stop"),
        ctx=make_ctx(upstream_model="x-ai/grok-4"),
    )
    _, details = reasoning_codec.unpack(deltas(events, "signature_delta")[0]) or ("", [])
    assert details == [
        {
            "type": "reasoning.text",
            "text": "one two",
            "format": fmt,
            "index": 0,
            "id": "rs_1",
            "signature": "s1",
        },
        {"type": "reasoning.text", "text": "other", "format": fmt, "index": 1},
    ]


def test_whitespace_only_thinking_is_not_emitted() -> None:
    events = run(chunk(reasoning="\n\n"), chunk(reasoning=" "), chunk("answer", finish="stop"))
    assert [b["type"] for b in blocks(events)] == ["text"]


def test_whitespace_thinking_with_details_to_keep_becomes_redacted_thinking() -> None:
    fmt = "anthropic-claude-v1"
    events = run(
        chunk(details=[text_detail("\n", fmt, signature="sig-omitted")]),
        chunk("answer", finish="stop"),
        ctx=make_ctx(upstream_model="anthropic/claude-opus-4.1"),
    )
    first = blocks(events)[0]
    assert first["type"] == "redacted_thinking"
    assert reasoning_codec.unpack(first["data"]) == (
        "anthropic",
        [
            {
                "type": "reasoning.text",
                "text": "\n",
                "format": fmt,
                "index": 0,
                "signature": "sig-omitted",
            }
        ],
    )


def test_leading_whitespace_of_thinking_is_kept_once_text_follows() -> None:
    events = run(chunk(reasoning="\n"), chunk(reasoning="Hmm"), chunk("x", finish="stop"))
    assert deltas(events, "thinking_delta") == ["\nHmm"]


def test_anthropic_encrypted_reasoning_becomes_redacted_thinking() -> None:
    item = {
        "type": "reasoning.encrypted",
        "data": "EmwKAh==",
        "format": "anthropic-claude-v1",
        "index": 0,
    }
    events = run(chunk(details=[item]), chunk("x", finish="stop"))
    assert blocks(events)[0] == {"type": "redacted_thinking", "data": "EmwKAh=="}
    assert shape(events)[1:3] == ["redacted_thinking[", "]"]


def test_foreign_encrypted_reasoning_without_text_becomes_packed_redacted_thinking() -> None:
    item = {"type": "reasoning.encrypted", "data": "CiQB", "id": "t1", "format": "google-gemini-v1"}
    events = run(
        chunk(details=[item], tools=[call(0, "t1", "Read", "{}")], finish="tool_calls"),
        ctx=make_ctx(upstream_model="google/gemini-3-flash-preview"),
    )
    first = blocks(events)[0]
    assert first["type"] == "redacted_thinking"
    assert reasoning_codec.unpack(first["data"]) == ("google", [item])


def test_a_new_anthropic_index_after_a_signature_starts_a_new_thinking_block() -> None:
    fmt = "anthropic-claude-v1"
    events = run(
        chunk(details=[text_detail("one", fmt, 0)]),
        chunk(details=[text_detail("", fmt, 0, signature="s0")]),
        chunk(details=[text_detail("two", fmt, 1)]),
        chunk(details=[text_detail("", fmt, 1, signature="s1")]),
        chunk("x", finish="stop"),
        ctx=make_ctx(upstream_model="anthropic/claude-sonnet-4.5"),
    )
    assert [b["type"] for b in blocks(events)] == ["thinking", "thinking", "text"]
    assert deltas(events, "signature_delta") == ["s0", "s1"]


# tool calls


def test_tool_block_starts_only_once_the_name_is_known() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    assert [n for n, _ in translator.feed(chunk(tools=[call(0, "c1", "mcp__srv__")]))] == [
        "message_start"
    ]
    assert translator.feed(chunk(tools=[call(0, None, "do_thing")])) == []
    started = translator.feed(chunk(tools=[call(0, None, None, '{"a":1}')]))
    assert started[0][1]["content_block"]["name"] == "mcp__srv__do_thing"
    assert started[1][1]["delta"]["partial_json"] == '{"a":1}'


def test_tool_name_completed_by_the_finish_starts_the_block() -> None:
    events = run(
        chunk(tools=[call(0, "c1", "Todo")]),
        chunk(tools=[call(0, None, "Read")]),
        chunk(finish="tool_calls"),
    )
    assert blocks(events) == [{"type": "tool_use", "id": "c1", "name": "TodoRead", "input": {}}]


def test_arguments_before_the_name_are_held_until_it_arrives() -> None:
    events = run(
        chunk(tools=[call(0, "c1", None, '{"x":')]),
        chunk(tools=[call(0, None, "Calc", "")]),
        chunk(tools=[call(0, None, None, " 2}")]),
        chunk(finish="tool_calls"),
    )
    assert blocks(events)[0]["name"] == "Calc"
    assert "".join(deltas(events, "input_json_delta")) == '{"x": 2}'


def test_repeated_whole_name_is_not_doubled() -> None:
    events = run(
        chunk(tools=[call(0, "c1", "Bash", "")]),
        chunk(tools=[call(0, "c1", "Bash", '{"command":')]),
        chunk(tools=[call(0, "c1", "Bash", '"ls"}')]),
        chunk(finish="tool_calls"),
    )
    assert [b["name"] for b in blocks(events)] == ["Bash"]
    assert "".join(deltas(events, "input_json_delta")) == '{"command":"ls"}'


def test_tool_arguments_stream_incrementally() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk(tools=[call(0, "c1", "Write", "")]))
    out = translator.feed(chunk(tools=[call(0, None, None, '{"content": "hel')]))
    assert [d["delta"]["partial_json"] for n, d in out if n == "content_block_delta"] == [
        '{"content": "hel'
    ]


def test_tool_id_repeated_on_every_chunk_is_one_call() -> None:
    events = run(
        chunk(tools=[call(0, "c1", "Read", '{"a"')]),
        chunk(tools=[call(0, "c1", None, ":1}")]),
        chunk(finish="tool_calls"),
    )
    assert len(blocks(events)) == 1


def test_whole_tool_call_in_one_chunk() -> None:
    events = run(chunk(tools=[call(0, "c1", "Glob", '{"pattern":"*"}')], finish="tool_calls"))
    assert blocks(events) == [{"type": "tool_use", "id": "c1", "name": "Glob", "input": {}}]
    assert deltas(events, "input_json_delta") == ['{"pattern":"*"}']


def test_parallel_calls_at_index_zero_are_told_apart_by_id() -> None:
    events = run(
        chunk(tools=[call(0, "a", "Read", '{"f":')]),
        chunk(tools=[call(0, None, None, '"a"}')]),
        chunk(tools=[call(0, "b", "Read", '{"f":"b"}')]),
        chunk(finish="tool_calls"),
    )
    assert [b["id"] for b in blocks(events)] == ["a", "b"]
    assert deltas(events, "input_json_delta") == ['{"f":', '"a"}', '{"f":"b"}']


def test_parallel_calls_without_ids_are_told_apart_by_a_new_name() -> None:
    events = run(
        chunk(tools=[call(0, None, "Read", '{"f":"a"}')]),
        chunk(tools=[call(0, None, "Grep", '{"p":"x"}')]),
        chunk(tools=[call(0, None, "Grep", '{"p":"y"}')]),
        chunk(finish="tool_calls"),
    )
    assert [b["name"] for b in blocks(events)] == ["Read", "Grep", "Grep"]
    assert len({b["id"] for b in blocks(events)}) == 3


def test_missing_tool_id_is_generated() -> None:
    events = run(chunk(tools=[call(0, None, "Bash", "{}")], finish="tool_calls"))
    tool_id = blocks(events)[0]["id"]
    assert tool_id.startswith("toolu_") and len(tool_id) > 10


def test_id_arriving_after_the_first_fragment_is_adopted() -> None:
    events = run(
        chunk(tools=[call(0, None, "Bash")]),
        chunk(tools=[call(0, "call_late", None, "{}")]),
        chunk(finish="tool_calls"),
    )
    assert blocks(events)[0]["id"] == "call_late"


@pytest.mark.parametrize("upstream_id", ["functions.Bash:0", 12345, "call with spaces"])
def test_invalid_tool_ids_are_made_valid_and_reversible(upstream_id: Any) -> None:
    events = run(chunk(tools=[call(0, upstream_id, "Bash", "{}")], finish="tool_calls"))
    tool_id = blocks(events)[0]["id"]
    assert all(ch.isalnum() or ch in "_-" for ch in tool_id)
    assert upstream_tool_id(tool_id) == str(upstream_id)


def test_duplicate_tool_ids_are_made_unique() -> None:
    events = run(
        chunk(tools=[call(0, "dup", "A", "{}")]),
        chunk(tools=[call(1, "dup", "B", "{}")]),
        chunk(finish="tool_calls"),
    )
    ids = [b["id"] for b in blocks(events)]
    assert ids[0] == "dup" and ids[1] != "dup"


def test_tool_names_are_mapped_back_to_the_client_name() -> None:
    ctx = make_ctx(tool_names={"mcp__very_long_abc12345": "mcp__very__long__original"})
    events = run(
        chunk(tools=[call(0, "c", "mcp__very_long_abc12345", "{}")], finish="tool_calls"), ctx=ctx
    )
    assert blocks(events)[0]["name"] == "mcp__very__long__original"


def test_tool_call_without_arguments_keeps_empty_input() -> None:
    events = run(chunk(tools=[call(0, "c", "TodoRead")]), chunk(finish="tool_calls"))
    assert deltas(events, "input_json_delta") == []


def test_text_after_the_object_closes_is_dropped() -> None:
    events = run(
        chunk(tools=[call(0, "c", "Bash", '{"command":"ls"}')]),
        chunk(tools=[call(0, None, None, '{"command":"ls"}')]),  # the whole call again
        chunk(finish="tool_calls"),
    )
    assert "".join(deltas(events, "input_json_delta")) == '{"command":"ls"}'


def test_single_quoted_arguments_are_repaired() -> None:
    events = run(chunk(tools=[call(0, "c", "Bash", "{'command': 'ls'}")], finish="tool_calls"))
    assert deltas(events, "input_json_delta") == ['{"command":"ls"}']


def test_double_encoded_arguments_are_unwrapped() -> None:
    events = run(
        chunk(tools=[call(0, "c", "Bash", '"{\\"command\\": \\"ls\\"}"')], finish="tool_calls")
    )
    assert deltas(events, "input_json_delta") == ['{"command":"ls"}']


def test_truncated_arguments_are_closed_when_max_tokens_cuts_them() -> None:
    events = run(
        chunk(tools=[call(0, "c", "Write", '{"path": "a", "text": "ab\\')]), chunk(finish="length")
    )
    text = "".join(deltas(events, "input_json_delta"))
    assert orjson.loads(text) == {"path": "a", "text": "ab\\"}
    assert events[-2][1]["delta"]["stop_reason"] == "max_tokens"


def test_object_valued_arguments_are_serialised() -> None:
    events = run(chunk(tools=[call(0, "c", "Bash", {"command": "ls"})], finish="tool_calls"))
    assert deltas(events, "input_json_delta") == ['{"command":"ls"}']


def test_late_fragment_for_a_closed_call_is_an_upstream_error() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk(tools=[call(0, "a", "A", '{"x":')]))
    translator.feed(chunk(tools=[call(1, "b", "B", "{}")]))
    with pytest.raises(UpstreamError, match="interleaved"):
        translator.feed(chunk(tools=[call(0, "a", None, "1}")]))


def test_late_empty_fragment_for_a_closed_call_is_ignored() -> None:
    events = run(
        chunk(tools=[call(0, "a", "A", "{}")]),
        chunk(tools=[call(1, "b", "B", "{}")]),
        chunk(tools=[call(0, "a", None, "")]),
        chunk(finish="tool_calls"),
    )
    assert len(blocks(events)) == 2


def test_tool_call_without_a_name_is_an_upstream_error() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk(tools=[call(0, "a", None, '{"x":1}')]))
    with pytest.raises(UpstreamError, match="without a name"):
        translator.feed(chunk(finish="tool_calls"))


# finish, stop reason, usage


def test_usage_arrives_after_finish_reason() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk("hi"))
    after_finish = translator.feed(chunk(finish="stop"))
    assert [n for n, _ in after_finish] == ["content_block_stop"]  # no message_delta yet
    translator.feed(usage_chunk(prompt_tokens=10, completion_tokens=3))
    message_delta = translator.finish()[0][1]
    assert message_delta["usage"]["input_tokens"] == 10
    assert message_delta["usage"]["output_tokens"] == 3


def test_chunks_after_the_finish_reason_are_ignored_except_usage() -> None:
    events = run(
        chunk("done", finish="stop"),
        chunk("ghost text", tools=[call(0, "c", "X", "{}")]),
        {"id": "gen-unit", "error": {"code": 500, "message": "late"}, "choices": []},
        usage_chunk(prompt_tokens=4, completion_tokens=2),
    )
    assert deltas(events, "text_delta") == ["done"]
    assert events[-2][1]["usage"]["output_tokens"] == 2


@pytest.mark.parametrize(
    ("finish_reason", "expected"),
    [
        ("stop", "end_turn"),
        ("length", "max_tokens"),
        ("content_filter", "refusal"),
        ("tool_calls", "end_turn"),  # no tool block went out
        ("something_new", "end_turn"),
    ],
)
def test_finish_reason_maps_to_stop_reason(finish_reason: str, expected: str) -> None:
    events = run(chunk("x", finish=finish_reason))
    assert events[-2][1]["delta"] == {"stop_reason": expected, "stop_sequence": None}


def test_stop_reason_is_tool_use_whenever_a_tool_block_was_emitted() -> None:
    events = run(chunk(tools=[call(0, "c", "Bash", "{}")]), chunk(finish="stop"))
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"


def test_max_tokens_wins_over_tool_use() -> None:
    events = run(chunk(tools=[call(0, "c", "Bash", "{}")]), chunk(finish="length"))
    assert events[-2][1]["delta"]["stop_reason"] == "max_tokens"


def test_input_tokens_exclude_cache_reads_and_writes() -> None:
    usage = {
        "prompt_tokens": 10_000,
        "completion_tokens": 50,
        "prompt_tokens_details": {"cached_tokens": 7_000, "cache_write_tokens": 2_500},
    }
    events = run(chunk("x", finish="stop"), usage_chunk(**usage))
    assert events[-2][1]["usage"] == {
        "input_tokens": 500,
        "output_tokens": 50,
        "cache_creation_input_tokens": 2_500,
        "cache_read_input_tokens": 7_000,
    }


def test_usage_falls_back_to_estimates_without_upstream_usage() -> None:
    events = run(chunk("x" * 40), chunk(finish="stop"))
    assert events[-2][1]["usage"] == {
        "input_tokens": 77,
        "output_tokens": 10,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def test_cost_generation_id_usage_and_stop_reason_are_kept_for_the_log() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk("x", finish="stop"))
    translator.feed(usage_chunk(prompt_tokens=3, completion_tokens=1, cost=0.0021))
    translator.finish()
    assert translator.generation_id == "gen-unit"
    assert translator.cost == 0.0021
    assert translator.stop_reason == "end_turn"
    assert translator.usage["input_tokens"] == 3


# errors


def test_mid_stream_error_chunk_raises_an_upstream_error() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk("partial"))
    error = {"code": 429, "message": "slow down", "metadata": {"error_type": "rate_limit_exceeded"}}
    with pytest.raises(UpstreamError) as caught:
        translator.feed(chunk("", finish="error", error=error))
    assert caught.value.status == 429
    assert caught.value.retryable
    assert "slow down" in caught.value.message


def test_finish_reason_error_without_an_error_object_raises() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    with pytest.raises(UpstreamError) as caught:
        translator.feed(chunk("", finish="error"))
    assert caught.value.retryable
    assert caught.value.error_type == "api_error"


def test_stream_without_finish_reason_raises_a_retryable_error() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk("cut"))
    with pytest.raises(UpstreamError, match="ended before it finished") as caught:
        translator.finish()
    assert caught.value.retryable and caught.value.status == 500


def test_fail_emits_one_error_event_and_ends_the_stream() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    events = translator.feed(chunk("partial"))
    failure = translator.fail(UpstreamError("boom", status=529))
    assert failure == [
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "boom"}})
    ]
    assert_valid_anthropic_stream(events + failure)
    with pytest.raises(StreamStateError):
        translator.fail(UpstreamError("again", status=500))


def test_text_continues_in_a_chunk_that_also_starts_a_tool_call() -> None:
    events = run(
        chunk("Let me "),
        chunk("look.", tools=[call(0, "c", "Read", "{}")], finish="tool_calls"),
    )
    assert deltas(events, "text_delta") == ["Let me ", "look."]
    assert [b["type"] for b in blocks(events)] == ["text", "tool_use"]


def test_empty_string_tool_id_counts_as_missing() -> None:
    events = run(chunk(tools=[call(0, "", "Bash", "{}")], finish="tool_calls"))
    assert blocks(events)[0]["id"].startswith("toolu_")


def test_stray_empty_tool_fragment_opens_no_block() -> None:
    events = run(chunk(tools=[{"index": 0}]), chunk("text", finish="stop"))
    assert [b["type"] for b in blocks(events)] == ["text"]


def test_malformed_reasoning_items_are_skipped() -> None:
    events = run(
        chunk(details=["junk", None, text_detail("ok", "unknown")]),  # type: ignore[list-item]
        chunk("x", finish="stop"),
    )
    assert deltas(events, "thinking_delta") == ["ok"]


def test_error_given_as_a_plain_string_still_raises() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    with pytest.raises(UpstreamError, match="boom"):
        translator.feed({"id": "gen", "error": "boom", "choices": []})


def test_stop_reason_is_unknown_before_the_finish_reason() -> None:
    translator = OpenAIStreamTranslator(make_ctx())
    translator.feed(chunk("x"))
    assert translator.stop_reason is None
    assert translator.cost is None
