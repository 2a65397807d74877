"""A leading ``<think>…</think>`` in the content becomes a thinking block, streamed or not,
and the next turn replays it like any other reasoning from that provider."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import Text, ToolCall, ToolCalls
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from ccrouter.transformers.chat import reasoning_codec
from ccrouter.transformers.chat.request import to_openai_request
from ccrouter.transformers.chat.response import to_anthropic_message
from ccrouter.transformers.chat.stream import OpenAIStreamTranslator
from ccrouter.transformers.context import Dialect, TranslationContext
from ccrouter.types import Event
from tests.transformers.kit import call, chunk, completion, ctx, fold, usage_chunk
from tests.transformers.sse_replay import sdk_create, sdk_final_message, shape

QWEN = "qwen/qwen3-32b"
THINKING = "The user wants a greeting.\nKeep it short; no <b>markup</b>."
ANSWER = "Hello! <think> stays text here.</think>"
CONTENT = f"\n<think>{THINKING}</think>\n\n{ANSWER}"
END = ["message_delta:end_turn", "message_stop"]


def stream(chunks: list[dict[str, Any]], context: TranslationContext | None = None) -> list[Event]:
    translator = OpenAIStreamTranslator(context or ctx(QWEN))
    events: list[Event] = []
    for piece in chunks:
        events += translator.feed(piece)
    events += translator.finish()
    assert_valid_anthropic_stream(events)
    return events


def content_chunks(text: str, size: int, finish: str | None = "stop") -> list[dict[str, Any]]:
    """``text`` as content deltas of ``size`` characters; the finish rides on the last one."""
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": piece}) for piece in pieces]
    if finish is not None:
        out[-1]["choices"][0]["finish_reason"] = finish
    return out + [usage_chunk()]


def kinds(events: list[Event]) -> list[str]:
    """``shape()`` without the delta counts."""
    return [token.split("*")[0] for token in shape(events)]


def blocks(events: list[Event]) -> list[tuple[str, str]]:
    return [
        (b["type"], b.get("thinking") or b.get("text") or b.get("name", ""))
        for b in fold(events)["content"]
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 7, len(CONTENT)])
async def test_leading_think_streams_as_a_thinking_block_at_any_chunk_size(size: int) -> None:
    events = stream(content_chunks(CONTENT, size))
    assert kinds(events) == [
        "message_start", "thinking[", "thinking", "signature", "]", "text[", "text", "]", *END,
    ]  # fmt: skip
    assert blocks(events) == [("thinking", THINKING), ("text", ANSWER)]
    message = await sdk_final_message(events)
    assert [b.type for b in message.content] == ["thinking", "text"]
    first, second = message.content
    assert first.type == "thinking" and first.thinking == THINKING
    assert first.signature.startswith(reasoning_codec.PREFIX + "other.")
    assert second.type == "text" and second.text == ANSWER
    assert message.stop_reason == "end_turn"


def test_text_is_not_delayed_once_the_section_is_decided() -> None:
    translator = OpenAIStreamTranslator(ctx(QWEN))
    translator.feed(chunk({"content": "<think>plan"}))
    assert shape(translator.feed(chunk({"content": " more <"}))) == ["thinking"]
    assert shape(translator.feed(chunk({"content": "/think>\n"}))) == []
    events = translator.feed(chunk({"content": "Hi"}))
    assert shape(events) == ["signature", "]", "text[", "text"]
    assert events[-1][1]["delta"]["text"] == "Hi"
    assert translator._think is None  # later text takes the hot path
    assert translator.feed(chunk({"content": " <th"}))[0][1]["delta"]["text"] == " <th"


def test_no_leading_think_streams_as_before() -> None:
    events = stream(content_chunks("\n\nSure: <think> is an HTML-ish tag.", 2))
    assert shape(events)[:3] == ["message_start", "text[", "text*17"]
    assert blocks(events) == [("text", "\n\nSure: <think> is an HTML-ish tag.")]


def test_closing_tag_without_an_opening_one_stays_text() -> None:
    events = stream(content_chunks("I reasoned.</think>Answer.", 4))
    assert blocks(events) == [("text", "I reasoned.</think>Answer.")]


def test_uppercase_tag_is_not_thinking() -> None:
    events = stream(content_chunks("<THINK>x</THINK>y", 3))
    assert blocks(events) == [("text", "<THINK>x</THINK>y")]


def test_empty_think_section_opens_no_thinking_block() -> None:
    # Qwen3 with thinking switched off still writes an empty section.
    events = stream(content_chunks("<think>\n\n</think>\n\nJust the answer.", 5))
    assert blocks(events) == [("text", "Just the answer.")]


@pytest.mark.parametrize("size", [1, 4, 100])
def test_stream_ending_inside_the_section_closes_the_thinking_block(size: int) -> None:
    events = stream(content_chunks("<think>I was cut off </thi", size, finish="length"))
    assert kinds(events) == [
        "message_start", "thinking[", "thinking", "signature", "]",
        "message_delta:max_tokens", "message_stop",
    ]  # fmt: skip
    assert blocks(events) == [("thinking", "I was cut off </thi")]


def test_finish_in_the_chunk_that_completes_the_closing_tag() -> None:
    chunks = [
        chunk({"role": "assistant", "content": "<think>abc</th"}),
        chunk({"content": "ink> Done."}, finish="stop"),
    ]
    events = stream(chunks)
    assert shape(events) == [
        "message_start", "thinking[", "thinking", "signature", "]",
        "text[", "text", "]", *END,
    ]  # fmt: skip
    assert blocks(events) == [("thinking", "abc"), ("text", "Done.")]


async def test_tool_call_after_the_thinking() -> None:
    chunks = [
        chunk({"role": "assistant", "content": "<thi"}),
        chunk({"content": "nk>List the files first."}),
        chunk({"content": "</think>\n\n"}),
        chunk({"tool_calls": [call(0, "call_1", "Bash", "")]}),
        chunk({"tool_calls": [call(0, args='{"command": "ls"}')]}),
        chunk({}, finish="tool_calls"),
        usage_chunk(),
    ]
    events = stream(chunks)
    assert blocks(events) == [("thinking", "List the files first."), ("tool_use", "Bash")]
    message = await sdk_final_message(events)
    assert [b.type for b in message.content] == ["thinking", "tool_use"]
    assert message.stop_reason == "tool_use"


def test_tool_call_inside_an_unterminated_section_ends_it() -> None:
    chunks = [
        chunk({"content": "<think>Call it </th"}),
        chunk({"tool_calls": [call(0, "call_1", "Read", '{"file_path": "a"}')]}),
        chunk({"content": "ink>after"}, finish="tool_calls"),
    ]
    events = stream(chunks)
    assert blocks(events) == [
        ("thinking", "Call it </th"),
        ("tool_use", "Read"),
        ("text", "ink>after"),
    ]


def test_separate_reasoning_fields_win_and_the_content_stays_text() -> None:
    chunks = [
        chunk({"role": "assistant", "content": "", "reasoning_content": "Real reasoning."}),
        chunk({"content": "<think>echo</think>"}),
        chunk({"content": "Answer."}, finish="stop"),
    ]
    assert blocks(stream(chunks)) == [
        ("thinking", "Real reasoning."),
        ("text", "<think>echo</think>Answer."),
    ]


def test_reasoning_field_after_a_think_start_ends_the_section() -> None:
    chunks = [
        chunk({"content": "<think>from content "}),
        chunk({"reasoning": "from the field"}),
        chunk({"content": "</think>text"}, finish="stop"),
    ]
    assert blocks(stream(chunks)) == [
        ("thinking", "from content from the field"),
        ("text", "</think>text"),
    ]


# --- non-streaming ---------------------------------------------------------------------------


async def test_non_streaming_response_gets_a_thinking_block() -> None:
    message = to_anthropic_message(completion({"content": CONTENT}), ctx(QWEN, stream=False))
    sdk_message = await sdk_create(message)
    assert [b.type for b in sdk_message.content] == ["thinking", "text"]
    first, second = sdk_message.content
    assert first.type == "thinking" and first.thinking == THINKING
    assert second.type == "text" and second.text == ANSWER


def test_non_streaming_response_with_tool_calls_after_the_thinking() -> None:
    tool = {"id": "call_9", "type": "function", "function": {"name": "Bash", "arguments": "{}"}}
    body = completion({"content": "<think>run it</think>", "tool_calls": [tool]}, "tool_calls")
    message = to_anthropic_message(body, ctx(QWEN, stream=False))
    assert [b["type"] for b in message["content"]] == ["thinking", "tool_use"]
    assert message["content"][0]["thinking"] == "run it"
    assert message["stop_reason"] == "tool_use"


def test_non_streaming_reasoning_content_wins_over_think_tags() -> None:
    body = completion({"content": "<think>x</think>y", "reasoning_content": "real"})
    message = to_anthropic_message(body, ctx(QWEN, stream=False))
    assert [(b["type"], b.get("thinking", b.get("text"))) for b in message["content"]] == [
        ("thinking", "real"),
        ("text", "<think>x</think>y"),
    ]


# --- the next turn ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "field"), [("openai", "reasoning_content"), ("openrouter", "reasoning")]
)
async def test_the_next_turn_replays_the_thinking_to_the_same_family(
    dialect: Dialect, field: str
) -> None:
    first = await sdk_final_message(stream(content_chunks(CONTENT, 3), ctx(QWEN, dialect)))
    assistant = [block.model_dump(exclude_none=True) for block in first.content]
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": assistant},
            {"role": "user", "content": "again"},
        ],
    }
    replayed = to_openai_request(body, ctx(QWEN, dialect))["messages"][1]
    assert replayed[field] == THINKING
    assert replayed["content"] == ANSWER  # the tags are not sent back inside the text
    # Another family cannot use it: the thinking is dropped, the text stays.
    other = to_openai_request(body, ctx("deepseek/deepseek-r1", dialect))["messages"][1]
    assert field not in other and other["content"] == ANSWER


# --- through the app and the fake OpenRouter ---------------------------------------------------


async def test_app_streams_a_thinking_block_and_replays_it_next_turn(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    fake.script("model-default", Text(CONTENT, chunk_chars=3))
    messages: list[Any] = [{"role": "user", "content": "hi"}]
    async with sdk.messages.stream(
        model="claude-opus-5-5", max_tokens=100, messages=messages
    ) as response:
        message = await response.get_final_message()
    assert [b.type for b in message.content] == ["thinking", "text"]
    first, second = message.content
    assert first.type == "thinking" and first.thinking == THINKING
    assert second.type == "text" and second.text == ANSWER

    fake.script("model-default", Text("Again!"))
    messages += [
        {
            "role": "assistant",
            "content": [b.model_dump(exclude_none=True) for b in message.content],
        },
        {"role": "user", "content": "again"},
    ]
    await sdk.messages.create(model="claude-opus-5-5", max_tokens=100, messages=messages)
    sent = fake.requests[-1].body
    assert sent is not None
    assistant = next(m for m in sent["messages"] if m["role"] == "assistant")
    assert assistant["reasoning"] == THINKING
    assert assistant["content"] == ANSWER


async def test_app_streams_thinking_then_a_tool_call(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    spec = ToolCalls([ToolCall("Bash", {"command": "ls"})], text="<think>look first</think>")
    fake.script("model-default", spec)
    async with sdk.messages.stream(
        model="claude-opus-5-5", max_tokens=100, messages=[{"role": "user", "content": "ls"}]
    ) as response:
        message = await response.get_final_message()
    assert [b.type for b in message.content] == ["thinking", "tool_use"]
    assert message.stop_reason == "tool_use"
