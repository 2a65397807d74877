"""to_anthropic_message: non-streaming completions, checked through the official SDK."""

from __future__ import annotations

import itertools
from typing import Any

import orjson
import pytest

from ccrouter.errors import UpstreamError
from ccrouter.transformers.chat import reasoning_codec
from ccrouter.transformers.chat import response as openai_response
from ccrouter.transformers.chat.response import to_anthropic_message
from ccrouter.transformers.chat.tool_names import upstream_tool_id
from ccrouter.transformers.context import TranslationContext
from tests.transformers.sse_replay import sdk_create


def make_ctx(**overrides: Any) -> TranslationContext:
    values: dict[str, Any] = {
        "requested_model": "claude-opus-4-1",
        "upstream_model": "openai/gpt-4.1",
        "message_id": "msg_nonstream",
        "input_estimate": 55,
    }
    values.update(overrides)
    return TranslationContext(**values)


def completion(
    message: dict[str, Any], finish: str | None = "stop", usage: Any = None, **choice: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "gen-1767225600-nonstream",
        "provider": "OpenAI",
        "model": "openai/gpt-4.1",
        "object": "chat.completion",
        "created": 1767225600,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "finish_reason": finish,
                **choice,
            }
        ],
    }
    if usage is not None:
        body["usage"] = usage
    return body


def tool_call(id: Any, name: str, arguments: Any) -> dict[str, Any]:
    return {"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}


async def test_text_response_reaches_the_sdk_as_a_message() -> None:
    usage = {
        "prompt_tokens": 900,
        "completion_tokens": 12,
        "prompt_tokens_details": {"cached_tokens": 800, "cache_write_tokens": 0},
    }
    result = to_anthropic_message(completion({"content": "Hello!"}, usage=usage), make_ctx())
    message = await sdk_create(result)
    assert message.id == "msg_nonstream"
    assert message.type == "message" and message.role == "assistant"
    assert message.model == "claude-opus-4-1"
    assert [(b.type, getattr(b, "text", None)) for b in message.content] == [("text", "Hello!")]
    assert message.stop_reason == "end_turn"
    assert message.stop_sequence is None
    assert (message.usage.input_tokens, message.usage.output_tokens) == (100, 12)
    assert message.usage.cache_read_input_tokens == 800
    assert message.usage.cache_creation_input_tokens == 0


async def test_blocks_come_in_order_thinking_then_text_then_tool_use() -> None:
    fmt = "anthropic-claude-v1"
    message = {
        "tool_calls": [tool_call("call_1", "Bash", '{"command": "ls"}')],
        "content": "Listing.",
        "reasoning": "Need ls.",
        "reasoning_details": [
            {
                "type": "reasoning.text",
                "text": "Need ls.",
                "signature": "EqSig==",
                "format": fmt,
                "index": 0,
            }
        ],
    }
    result = to_anthropic_message(
        completion(message, finish="tool_calls"),
        make_ctx(upstream_model="anthropic/claude-sonnet-4.5"),
    )
    sdk_message = await sdk_create(result)
    assert [b.type for b in sdk_message.content] == ["thinking", "text", "tool_use"]
    thinking, _, tool = sdk_message.content
    assert thinking.type == "thinking" and thinking.signature == "EqSig=="
    assert thinking.thinking == "Need ls."
    assert tool.type == "tool_use" and tool.input == {"command": "ls"} and tool.id == "call_1"
    assert sdk_message.stop_reason == "tool_use"


async def test_foreign_reasoning_is_packed_into_the_thinking_signature() -> None:
    details = [
        {"type": "reasoning.text", "text": "Hmm.", "format": "google-gemini-v1", "index": 0},
        {
            "type": "reasoning.encrypted",
            "data": "CiQB",
            "id": "t1",
            "format": "google-gemini-v1",
            "index": 0,
        },
    ]
    message = {
        "content": None,
        "reasoning": "Hmm.",
        "reasoning_details": details,
        "tool_calls": [tool_call("t1", "Read", "{}")],
    }
    result = to_anthropic_message(
        completion(message, finish="tool_calls"),
        make_ctx(upstream_model="google/gemini-3-pro-preview"),
    )
    thinking = result["content"][0]
    assert thinking["type"] == "thinking"
    assert reasoning_codec.unpack(thinking["signature"]) == ("google", details)
    await sdk_create(result)


def test_parallel_calls_without_index_each_become_a_block() -> None:
    calls = [
        tool_call("a", "Read", '{"f": 1}'),
        tool_call("b", "Read", '{"f": 2}'),
        tool_call(None, "Read", "{}"),
    ]
    result = to_anthropic_message(
        completion({"content": None, "tool_calls": calls}, finish="tool_calls"), make_ctx()
    )
    tools = [b for b in result["content"] if b["type"] == "tool_use"]
    assert [t["input"] for t in tools] == [{"f": 1}, {"f": 2}, {}]
    assert tools[0]["id"] == "a" and tools[1]["id"] == "b" and tools[2]["id"].startswith("toolu_")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('{"a": 1}}', {"a": 1}),  # trailing garbage
        ("{'a': 'b'}", {"a": "b"}),  # single quotes
        ('{"a": "unterminated', {"a": "unterminated"}),
        ("", {}),
        ("not json", {}),
        ({"a": 1}, {"a": 1}),  # already an object
    ],
)
def test_tool_arguments_are_parsed_leniently(arguments: Any, expected: dict[str, Any]) -> None:
    message = {"content": None, "tool_calls": [tool_call("c", "Bash", arguments)]}
    result = to_anthropic_message(completion(message, finish="tool_calls"), make_ctx())
    assert result["content"] == [{"type": "tool_use", "id": "c", "name": "Bash", "input": expected}]


def test_tool_ids_and_names_are_mapped_for_the_client() -> None:
    ctx = make_ctx(tool_names={"mcp__x_abcdef12": "mcp__x__original"})
    message = {
        "content": None,
        "tool_calls": [tool_call("functions.Bash:0", "mcp__x_abcdef12", "{}")],
    }
    block = to_anthropic_message(completion(message, finish="tool_calls"), ctx)["content"][0]
    assert block["name"] == "mcp__x__original"
    assert upstream_tool_id(block["id"]) == "functions.Bash:0"


def test_stop_reason_and_usage_follow_the_stream_rules() -> None:
    result = to_anthropic_message(completion({"content": "cut"}, finish="length"), make_ctx())
    assert result["stop_reason"] == "max_tokens"
    assert result["stop_sequence"] is None
    assert result["usage"] == {
        "input_tokens": 55,
        "output_tokens": 1,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def test_content_filter_becomes_refusal_and_may_be_empty() -> None:
    result = to_anthropic_message(
        completion({"content": None}, finish="content_filter"), make_ctx()
    )
    assert result["stop_reason"] == "refusal"
    assert result["content"] == []


def test_missing_finish_reason_is_an_ordinary_end() -> None:
    result = to_anthropic_message(completion({"content": "ok"}, finish=None), make_ctx())
    assert result["stop_reason"] == "end_turn"


def test_whitespace_only_content_is_not_a_block() -> None:
    result = to_anthropic_message(completion({"content": "\n\n"}), make_ctx())
    assert result["content"] == []


def test_content_as_a_list_of_parts_is_joined() -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    result = to_anthropic_message(completion({"content": parts}), make_ctx())
    assert result["content"] == [{"type": "text", "text": "ab"}]


def test_choice_error_raises_an_upstream_error() -> None:
    error = {"code": 502, "message": "Provider returned error", "metadata": {"provider_name": "X"}}
    body = completion({"content": "partial"}, finish="error", error=error)
    with pytest.raises(UpstreamError) as caught:
        to_anthropic_message(body, make_ctx())
    assert caught.value.retryable and caught.value.status == 500
    assert "Provider returned error" in caught.value.message


def test_finish_reason_error_without_details_raises() -> None:
    with pytest.raises(UpstreamError):
        to_anthropic_message(completion({"content": ""}, finish="error"), make_ctx())


def test_top_level_error_in_a_200_body_raises() -> None:
    body = {
        "error": {
            "code": 429,
            "message": "slow down",
            "metadata": {"error_type": "rate_limit_exceeded"},
        }
    }
    with pytest.raises(UpstreamError) as caught:
        to_anthropic_message(body, make_ctx())
    assert caught.value.status == 429


@pytest.mark.parametrize("body", [{"choices": []}, {"id": "x"}, {"choices": [None]}])
def test_empty_choices_raise(body: dict[str, Any]) -> None:
    with pytest.raises(UpstreamError, match="no choices") as caught:
        to_anthropic_message(body, make_ctx())
    assert caught.value.retryable


def test_body_that_is_not_an_object_raises() -> None:
    with pytest.raises(UpstreamError):
        to_anthropic_message([], make_ctx())  # type: ignore[arg-type]


def test_plain_text_fast_path_equals_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shortcut for text-only answers returns exactly what folding the events gives."""
    contents: list[Any] = [
        "Hello there.", "  leading space", "\nnewline first", "<think>plan</think>answer",
        "<b>html first</b>", "", None, "ünïcödé ✓ " * 50, "a", "x</think>y",
    ]  # fmt: skip
    finishes: list[Any] = ["stop", "length", "tool_calls", "content_filter", None, "odd"]
    usages: list[Any] = [
        None,
        {},
        {"prompt_tokens": 120, "completion_tokens": 7, "cost": 0.001},
        {
            "prompt_tokens": 120,
            "completion_tokens": 7,
            "prompt_tokens_details": {"cached_tokens": 100},
        },
        {"prompt_tokens": 50, "completion_tokens": 3, "prompt_cache_hit_tokens": 20},
    ]
    extras: list[dict[str, Any]] = [
        {}, {"refusal": None, "reasoning": None}, {"annotations": []}, {"refusal": "no"},
        {"reasoning": "because"}, {"tool_calls": []},
    ]  # fmt: skip

    def answer(content: Any, finish: Any, usage: Any, extra: dict[str, Any]) -> dict[str, Any]:
        message = {"role": "assistant", "content": content, **extra}
        choice = {"index": 0, "message": message, "finish_reason": finish}
        return {"id": "gen-1", "choices": [choice], "usage": usage}

    fast_taken = 0
    for content, finish, usage, extra in itertools.product(contents, finishes, usages, extras):
        resp = answer(content, finish, usage, extra)
        ctx = TranslationContext("claude-x", "some/model", stream=False, input_estimate=42)
        fast = openai_response.to_anthropic_message(resp, ctx)
        fast_taken += (
            openai_response._plain_text(
                resp, resp["choices"][0], resp["choices"][0]["message"], ctx
            )
            is not None
        )
        with monkeypatch.context() as patch:
            patch.setattr(openai_response, "_plain_text", lambda *args: None)
            slow = openai_response.to_anthropic_message(resp, ctx)
        assert orjson.dumps(fast) == orjson.dumps(slow), (content, finish, usage, extra)
    assert fast_taken > 100  # the shortcut was really exercised
