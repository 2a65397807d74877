"""The stream validator accepts real Anthropic streams and names the rule a bad one breaks."""

from __future__ import annotations

from typing import Any

import pytest

from ccrouter.sse import encode_events
from ccrouter.testing.streamcheck import StreamViolation, assert_valid_anthropic_stream

USAGE = {"input_tokens": 5, "output_tokens": 1}


def start() -> tuple[str, dict[str, Any]]:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "m",
        "usage": USAGE,
    }
    return ("message_start", {"type": "message_start", "message": message})


def block(i: int, kind: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    base: dict[str, Any] = {"type": kind, **extra}
    if kind == "text":
        base.setdefault("text", "")
    return (
        "content_block_start",
        {"type": "content_block_start", "index": i, "content_block": base},
    )


def delta(i: int, **d: Any) -> tuple[str, dict[str, Any]]:
    return ("content_block_delta", {"type": "content_block_delta", "index": i, "delta": d})


def stop(i: int) -> tuple[str, dict[str, Any]]:
    return ("content_block_stop", {"type": "content_block_stop", "index": i})


def end(reason: str = "end_turn") -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": reason},
                "usage": {"output_tokens": 3},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]


GOOD = [
    start(),
    ("ping", {"type": "ping"}),
    block(0, "thinking", thinking="", signature=""),
    delta(0, type="thinking_delta", thinking="hmm"),
    delta(0, type="signature_delta", signature="sig"),
    stop(0),
    block(1, "text"),
    delta(1, type="text_delta", text="hi"),
    stop(1),
    block(2, "tool_use", id="toolu_1", name="Write", input={}),
    delta(2, type="input_json_delta", partial_json='{"a":'),
    delta(2, type="input_json_delta", partial_json="1}"),
    stop(2),
    *end("tool_use"),
]


def test_a_good_stream_passes_as_events_and_as_bytes() -> None:
    assert assert_valid_anthropic_stream(GOOD) == GOOD
    assert len(assert_valid_anthropic_stream(encode_events(GOOD))) == len(GOOD)


def test_an_error_event_may_end_a_stream() -> None:
    events = [
        start(),
        block(0, "text"),
        delta(0, type="text_delta", text="x"),
        ("error", {"type": "error", "error": {"type": "api_error", "message": "boom"}}),
    ]
    assert_valid_anthropic_stream(events)


@pytest.mark.parametrize(
    ("events", "rule"),
    [
        ([block(0, "text")], "before message_start"),
        ([start(), start()], "second message_start"),
        ([start(), block(1, "text")], "index 1 where 0 was due"),
        ([start(), block(0, "text"), block(1, "text")], "while block 0 is open"),
        (
            [start(), block(0, "text"), delta(0, type="thinking_delta", thinking="x")],
            "inside a 'text' block",
        ),
        ([start(), block(0, "text"), stop(0), *end()], "empty text block"),
        (
            [
                start(),
                block(0, "thinking"),
                delta(0, type="thinking_delta", thinking="x"),
                stop(0),
                *end(),
            ],
            "0 signature_delta",
        ),
        (
            [
                start(),
                block(0, "tool_use", id="t", name="n", input={}),
                delta(0, type="input_json_delta", partial_json="[1]"),
                stop(0),
                *end("tool_use"),
            ],
            "not a JSON object",
        ),
        (
            [start(), block(0, "tool_use", id="t", name="n", input={}), stop(0), *end()],
            "stop_reason is 'end_turn'",
        ),
        ([start(), *end(), *end()], "after the stream ended"),
        (
            [start(), block(0, "text"), delta(0, type="text_delta", text="x"), stop(0)],
            "without message_stop",
        ),
        (
            [
                start(),
                (
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": "error"},
                        "usage": {"output_tokens": 1},
                    },
                ),
            ],
            "invalid stop_reason",
        ),
    ],
)
def test_violations_are_named(events: list[Any], rule: str) -> None:
    with pytest.raises(StreamViolation, match=rule):
        assert_valid_anthropic_stream(events)


def test_done_marker_is_rejected() -> None:
    with pytest.raises(StreamViolation, match="DONE"):
        assert_valid_anthropic_stream(b"data: [DONE]\n\n")
