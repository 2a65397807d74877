"""ToolCall identity and fragments, the argument guard, reasoning segments, lenient argument
parsing and the message_start event."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccrouter.transformers.chat.blocks import (
    ArgumentStream,
    ClosedCalls,
    ReasoningSegment,
    ToolCall,
    message_start,
    parse_tool_arguments,
    read_fragment,
)
from ccrouter.transformers.context import TranslationContext


def stream_all(fragments: list[str]) -> tuple[str, str]:
    """(text sent while streaming, text added at the end)."""
    stream = ArgumentStream()
    sent = "".join(stream.feed(f) for f in fragments)
    return sent, stream.finish()


# --- ArgumentStream ------------------------------------------------------------------------


def test_well_formed_object_streams_fragment_by_fragment() -> None:
    stream = ArgumentStream()
    assert stream.feed('{"a": ') == '{"a": '
    assert stream.feed("1}") == "1}"
    assert stream.complete
    assert stream.finish() == ""


def test_opening_brace_alone_waits_for_the_next_character() -> None:
    stream = ArgumentStream()
    assert stream.feed(" {") == ""
    assert stream.feed(' "k": 1}') == ' { "k": 1}'


def test_empty_object_streams() -> None:
    assert stream_all(["{", "}"]) == ("{}", "")


def test_braces_and_quotes_inside_strings_do_not_confuse_the_scanner() -> None:
    fragments = ['{"code": "if (a) { b[\\"x\\"] }', ' }", "n": [1, {"m": 2}]}']
    sent, tail = stream_all(fragments)
    assert orjson.loads(sent) == {"code": 'if (a) { b["x"] } }', "n": [1, {"m": 2}]}
    assert tail == ""


@pytest.mark.parametrize("cut", range(1, 30))
def test_escape_split_across_fragments_is_tracked(cut: int) -> None:
    text = '{"p": "C:\\\\dir\\"x\\" \\n", "z": 1}'
    sent, tail = stream_all([text[:cut], text[cut:]])
    assert sent == text and tail == ""


def test_text_after_the_object_closes_is_cut() -> None:
    sent, tail = stream_all(['{"a": 1}', "garbage", '{"a": 1}'])
    assert sent == '{"a": 1}' and tail == ""


@pytest.mark.parametrize(
    ("truncated", "expected"),
    [
        ('{"a": "hel', {"a": "hel"}),
        ('{"a": 1, "b": [1, 2', {"a": 1, "b": [1, 2]}),
        ('{"a":', {"a": None}),
        ('{"a"', {"a": None}),
        ('{"ke', {"ke": None}),
        ('{"a": 1,', {"a": 1, "": None}),
        ('{"a": "x\\', {"a": "x\\"}),
        ('{"a": {"b": [', {"a": {"b": []}}),
    ],
)
def test_truncated_object_is_closed_at_the_end(truncated: str, expected: dict[str, Any]) -> None:
    sent, tail = stream_all([truncated])
    assert sent == truncated
    assert orjson.loads(sent + tail) == expected


def test_non_json_arguments_are_held_and_repaired_at_the_end() -> None:
    sent, tail = stream_all(["{'a': ", "'b'}"])
    assert sent == ""
    assert orjson.loads(tail) == {"a": "b"}


def test_nothing_is_sent_when_there_were_no_arguments() -> None:
    assert stream_all([]) == ("", "")
    assert stream_all(["  "]) == ("", "")


def test_unrepairable_held_arguments_become_nothing() -> None:
    assert stream_all(["not json at all"]) == ("", "")


# --- parse_tool_arguments ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ("", {}),
        ("   ", {}),
        ('"{\\"a\\": 1}"', {"a": 1}),  # double-encoded
        ('{"a": 1} trailing', {"a": 1}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ("{'a': 'b', 'ok': True, 'none': None}", {"a": "b", "ok": True, "none": None}),
        ("{'a': true}", {"a": True}),
        ('{"a": [1, 2', {"a": [1, 2]}),
        ("[1, 2]", {}),  # not an object
        ('"just a string"', {}),
        ("nonsense", {}),
        ("{nonsense", {}),
    ],
)
def test_parse_tool_arguments_is_lenient(raw: str, expected: dict[str, Any]) -> None:
    assert parse_tool_arguments(raw) == expected


# --- ToolCall ------------------------------------------------------------------------------


def test_call_continues_with_the_same_index_and_no_id() -> None:
    call = ToolCall(0, "a")
    assert call.continues(0, None, "")
    assert call.continues(None, None, "")


def test_a_new_index_or_a_new_id_is_a_new_call() -> None:
    call = ToolCall(0, "a")
    assert not call.continues(1, None, "")
    assert not call.continues(0, "b", "")
    assert call.continues(0, "a", "Read")


def test_a_different_name_after_arguments_began_is_a_new_call() -> None:
    call = ToolCall(0, None)
    call.add_name("Read")
    assert call.continues(0, None, "Read")  # before the block started: a name fragment
    call.started = True
    assert not call.continues(0, None, "Grep")
    assert call.continues(0, None, "Read")
    call.args.feed("{}")
    assert not call.continues(0, None, "Read")  # same tool again once the object closed


def test_name_fragments_accumulate_but_a_repeated_whole_name_does_not() -> None:
    call = ToolCall(0, "a")
    call.add_name("mcp__")
    call.add_name("tool")
    call.add_name("mcp__tool")
    assert call.name == "mcp__tool"


# --- ReasoningSegment ----------------------------------------------------------------------


def test_segment_merges_text_fragments_of_the_same_index() -> None:
    segment = ReasoningSegment()
    segment.add({"type": "reasoning.text", "text": "a", "index": 0, "format": "f"})
    segment.add({"type": "reasoning.text", "text": "b", "index": 0, "signature": None})
    segment.add({"type": "reasoning.text", "text": "", "index": 0, "signature": "sig"})
    assert segment.details() == [
        {"type": "reasoning.text", "text": "ab", "index": 0, "format": "f", "signature": "sig"}
    ]


def test_segment_keeps_a_text_item_that_started_without_text() -> None:
    segment = ReasoningSegment()
    segment.add({"type": "reasoning.text", "index": 0, "signature": "s"})
    segment.add({"type": "reasoning.text", "text": "late", "index": 0})
    assert segment.details()[0]["text"] == "late"


def test_segment_keeps_items_of_other_types_or_ids_apart() -> None:
    segment = ReasoningSegment()
    items = [
        {"type": "reasoning.summary", "summary": "s", "index": 0},
        {"type": "reasoning.encrypted", "data": "d1", "index": 0, "id": "x"},
        {"type": "reasoning.encrypted", "data": "d2", "index": 0, "id": "x"},
        {"type": "reasoning.summary", "summary": "t", "index": 0, "id": "other"},
    ]
    for item in items:
        segment.add(item)
    assert segment.details() == items


def test_segment_merges_summary_fragments() -> None:
    segment = ReasoningSegment()
    segment.add({"type": "reasoning.summary", "summary": "one ", "index": 0})
    segment.add({"type": "reasoning.summary", "summary": "two", "index": 0})
    assert segment.details() == [{"type": "reasoning.summary", "summary": "one two", "index": 0}]


def test_anthropic_signature_only_for_claude_details() -> None:
    claude, gemini = ReasoningSegment(), ReasoningSegment()
    claude.add(
        {"type": "reasoning.text", "text": "", "signature": "S", "format": "anthropic-claude-v1"}
    )
    gemini.add(
        {"type": "reasoning.text", "text": "", "signature": "S", "format": "google-gemini-v1"}
    )
    assert claude.anthropic_signature() == "S"
    assert gemini.anthropic_signature() is None


def test_new_signed_anthropic_index_starts_a_new_block() -> None:
    segment = ReasoningSegment()
    fmt = "anthropic-claude-v1"
    segment.add({"type": "reasoning.text", "text": "a", "index": 0, "format": fmt})
    following = {"type": "reasoning.text", "text": "b", "index": 1, "format": fmt}
    assert not segment.starts_new_block(following)  # not signed yet
    segment.add({"type": "reasoning.text", "text": "", "index": 0, "signature": "s", "format": fmt})
    assert segment.starts_new_block(following)
    assert not segment.starts_new_block({**following, "format": "google-gemini-v1"})


# --- fragments, closed calls, message_start --------------------------------------------------


def test_read_fragment_normalises_an_empty_id_and_object_arguments() -> None:
    fragment = {"index": 0, "id": "", "function": {"name": "Bash", "arguments": {"a": 1}}}
    assert read_fragment(fragment) == (0, None, "Bash", '{"a":1}')
    assert read_fragment({"id": 0}) == (None, 0, "", "")  # a numeric id 0 is still an id


def test_closed_calls_know_late_fragments() -> None:
    closed = ClosedCalls()
    closed.add(ToolCall(0, "call_1"))
    assert closed.has(0, "call_1", "")
    assert not closed.has(0, "call_2", "")
    assert closed.has(0, None, "")  # an id-less continuation of index 0
    assert not closed.has(0, None, "Read")  # a new name starts a new call


def test_message_start_echoes_the_requested_model_and_the_estimate() -> None:
    ctx = TranslationContext("claude-x", "up/model", message_id="msg_1", input_estimate=9)
    name, data = message_start(ctx)
    assert name == "message_start"
    message = data["message"]
    assert (message["id"], message["model"], message["content"]) == ("msg_1", "claude-x", [])
    assert message["usage"]["input_tokens"] == 9
