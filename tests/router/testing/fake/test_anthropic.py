from __future__ import annotations

import orjson
import pytest

from ccrouter.testing.fake.anthropic import ANTHROPIC
from ccrouter.testing.fake.render import KEEPALIVE, Context, render
from ccrouter.testing.fake.script import (
    BadJSON,
    Cut,
    HttpError,
    MidStreamError,
    Stream,
    Text,
    ToolCall,
    ToolCalls,
    Usage,
)
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream, parse_sse_bytes

CTX = Context("anthropic/claude-sonnet-4.5", prompt_tokens=40, created=1700000000, token="abc")

SPECS: list[Stream] = [
    Text("Hello from anthropic/claude-sonnet-4.5"),
    Text("Answer.", reasoning="Let me think about it.", reasoning_signature="SIG"),
    ToolCalls([ToolCall("Bash", {"command": "ls"}), ToolCall("Read", {"path": "a"}, id="toolu_x")]),
    ToolCalls([ToolCall("Bash", {"command": "ls"})], text="Running it.", reasoning="Plan."),
]


@pytest.mark.parametrize("spec", SPECS, ids=["text", "thinking", "tools", "all"])
def test_stream_is_a_valid_anthropic_stream(spec: Stream) -> None:
    reply = render(spec, CTX, True, ANTHROPIC)
    assert reply.pieces[0] == KEEPALIVE
    events = assert_valid_anthropic_stream(b"".join(reply.pieces))
    assert events[0][1]["message"]["model"] == "anthropic/claude-sonnet-4.5"
    assert events[1][0] == "ping"


def test_stream_text_and_stop_reason() -> None:
    events = parse_sse_bytes(
        b"".join(render(Text("Hello there", chunk_chars=4), CTX, True, ANTHROPIC).pieces)
    )
    text = "".join(d["delta"]["text"] for name, d in events if name == "content_block_delta")
    assert text == "Hello there"
    assert events[-2][1]["delta"]["stop_reason"] == "end_turn"


def test_body_folds_blocks() -> None:
    spec = ToolCalls(
        [ToolCall("Bash", {"command": "ls"}, id="toolu_1")],
        text="Running.",
        reasoning="Plan.",
        reasoning_signature="SIG",
        usage=Usage(100, 7, cached_tokens=60, cache_write_tokens=10),
    )
    body = ANTHROPIC.body(spec, CTX)
    assert (body["type"], body["role"], body["id"]) == ("message", "assistant", "msg_abc")
    assert body["content"] == [
        {"type": "thinking", "thinking": "Plan.", "signature": "SIG"},
        {"type": "text", "text": "Running."},
        {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}},
    ]
    assert body["stop_reason"] == "tool_use"
    assert body["usage"] == {
        "input_tokens": 30,
        "output_tokens": 7,
        "cache_read_input_tokens": 60,
        "cache_creation_input_tokens": 10,
    }


def test_invalid_tool_arguments_become_an_empty_input_when_not_streamed() -> None:
    body = ANTHROPIC.body(ToolCalls([ToolCall("f", "{broken")]), CTX)
    assert body["content"][0]["input"] == {}
    assert body["content"][0]["id"].startswith("toolu_")


def test_errors_use_the_anthropic_envelope() -> None:
    reply = render(
        HttpError(429, "slow", "rate_limit_exceeded", retry_after=1), CTX, False, ANTHROPIC
    )
    assert reply.status == 429 and dict(reply.headers)["retry-after"] == "1"
    assert orjson.loads(reply.pieces[0]) == {
        "type": "error",
        "error": {
            "type": "rate_limit_error",
            "message": "slow",
            "error_type": "rate_limit_exceeded",
        },
        "request_id": None,
    }


def test_mid_stream_error_is_an_error_event() -> None:
    reply = render(
        MidStreamError(Text("abcdefghij", chunk_chars=2), after_chunks=4), CTX, True, ANTHROPIC
    )
    events = assert_valid_anthropic_stream(b"".join(reply.pieces))  # an error event may end it
    assert [name for name, _ in events] == [
        "message_start",
        "ping",
        "content_block_start",
        "content_block_delta",
        "error",
    ]
    assert events[-1][1]["error"]["type"] == "api_error"
    status, body = ANTHROPIC.failed_body(MidStreamError(code=529), CTX)
    assert status == 529 and body["error"]["type"] == "overloaded_error"


def test_cut_and_bad_json() -> None:
    cut = render(Cut(after_chunks=1), CTX, True, ANTHROPIC)
    assert cut.ending == "cut" and cut.pieces[-1].startswith(b"event: message_start")
    bad = render(BadJSON(after_chunks=1), CTX, True, ANTHROPIC)
    assert bad.pieces[-1] == b"event: content_block_delta\ndata: {this is not json\n\n"
