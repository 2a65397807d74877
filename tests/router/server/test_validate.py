"""Requests are checked about as strictly as Anthropic does; each message names the JSON path."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from ccrouter.config.model import Target
from ccrouter.errors import InvalidRequestError
from ccrouter.server.validate import (
    MAX_DEPTH,
    check_messages_request,
    check_routed_models,
    parse_json_body,
)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(40))).decode()


def request(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "max_tokens": 1,
        "messages": list(messages) or [{"role": "user", "content": "hi"}],
        **fields,
    }


def user(*blocks: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def tool_use(tool_id: str = "toolu_1", **extra: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": "Read", "input": {}, **extra}


def tool_result(tool_id: str = "toolu_1", **extra: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": tool_id, "content": "ok", **extra}


def image(**source: Any) -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": "image/png", **source}}


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def rejects(body: dict[str, Any], message: str, **kwargs: Any) -> None:
    with pytest.raises(InvalidRequestError, match="^" + re.escape(message)):
        check_messages_request(body, **kwargs)


def test_what_claude_code_sends_is_fine() -> None:
    check_messages_request(
        request(
            user({"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}),
            {"role": "system", "content": "env"},
            assistant(
                {"type": "thinking", "thinking": "hm", "signature": "c2ln"},
                {"type": "text", "text": ""},  # echoed back from a non-Claude model
                tool_use("toolu_1"),
                tool_use("call-2_x"),
            ),
            {"role": "system", "content": [{"type": "text", "text": "note"}]},
            user(
                tool_result("toolu_1", is_error=False),
                tool_result("call-2_x", content=[image(data=PNG), {"type": "text", "text": "t"}]),
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": [{"type": "tool_reference", "tool_name": "WebSearch"}],
                },
            ),
            assistant({"type": "redacted_thinking", "data": "x"}, {"type": "server_tool_use"}),
            user({"type": "brand_new_block", "anything": 1}),
            system=[{"type": "text", "text": "x-anthropic-billing-header: cc"}],
            tools=[
                {"name": "Read", "description": "r", "input_schema": {"type": "object"}},
                {"type": "web_search_20250305", "name": "web_search", "max_uses": 8},
            ],
            tool_choice={"type": "auto"},
            thinking={"type": "adaptive", "display": "omitted"},
            output_config={"effort": "high"},
            context_management={"edits": []},
            metadata={"user_id": '{"session_id": "s"}'},
            stream=True,
            safeguards=[],
            speed="fast",
        )
    )


def test_count_tokens_needs_no_max_tokens() -> None:
    check_messages_request(
        {"model": "m", "messages": [{"role": "user", "content": "x"}]}, need_max_tokens=False
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"model": None}, "model: required"),
        ({"model": "openrouter,a\r\nX-Injected: 1"}, "model: contains the control character '\\r'"),
        ({"model": "m" * 600}, "model: at most 512 characters"),
        ({"max_tokens": True}, "max_tokens: required, a positive integer"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"max_tokens": "lots"}, "max_tokens"),
        ({"messages": []}, "messages: must hold at least one message"),
        ({"messages": {}}, "messages: required, a list"),
        ({"system": 5}, "system: must be a string or a list of text blocks, got int"),
        ({"system": [{"type": "image"}]}, "system[0]: must be a text block"),
        ({"system": [{"type": "text", "text": 1}]}, "system[0].text: must be a string, got int"),
        ({"tools": {}}, "tools: must be a list of tools, got dict"),
        ({"tools": [1]}, "tools[0]: must be an object with a name, got int"),
        ({"tools": [{"name": "", "input_schema": {}}]}, "tools[0].name: required"),
        ({"tools": [{"name": "A"}]}, "tools[0].input_schema: required for a custom tool"),
        ({"tools": [{"name": "A", "input_schema": []}]}, "tools[0].input_schema: must be a JSON"),
        ({"tools": [{"name": "A", "type": 3}]}, "tools[0].type: must be a string"),
        ({"tools": [{"name": "A", "input_schema": {}, "description": 1}]}, "tools[0].description"),
        ({"tool_choice": "auto"}, "tool_choice: must be an object"),
        ({"tool_choice": {"type": 1}}, "tool_choice.type: must be one of"),
        ({"tool_choice": {"type": "tool"}}, "tool_choice.name: required"),
        ({"tool_choice": {"type": "any", "disable_parallel_tool_use": 1}}, "tool_choice.disable"),
        ({"thinking": {"type": "enabled"}}, "thinking.budget_tokens: required"),
        ({"thinking": {"budget_tokens": 5}}, "thinking.type: required"),
        ({"thinking": True}, "thinking: must be an object"),
        ({"output_config": {"effort": 3}}, "output_config.effort: must be a string"),
        ({"output_config": {"format": "json"}}, "output_config.format: must be an object"),
        ({"metadata": {"user_id": 5}}, "metadata.user_id: must be a string"),
        ({"stop_sequences": ["a", 1]}, "stop_sequences[1]: must be a string"),
        ({"stream": "yes"}, "stream: must be true or false, got str"),
        ({"temperature": "hot"}, "temperature: must be a number"),
        ({"top_p": True}, "top_p: must be a number"),
        ({"top_k": 1.5}, "top_k: must be an integer"),
        ({"context_management": []}, "context_management: must be an object"),
    ],
)
def test_top_level_fields_name_the_path(fields: dict[str, Any], message: str) -> None:
    rejects(request(**fields), message)


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([5], "messages[0]: must be an object"),
        ([{"role": "bot", "content": "x"}], "messages[0].role: must be 'user', 'assistant'"),
        ([{"role": "user", "content": None}], "messages[0].content: must be a string or a list"),
        ([user("x")], "messages[0].content[0]: must be an object with a string 'type', got str"),
        ([user({"type": ["text"]})], "messages[0].content[0]: must be an object with a string"),
        ([user({"type": "text", "text": 1})], "messages[0].content[0].text: must be a string"),
        ([user({"type": "text"})], "messages[0].content[0].text: must be a string, got null"),
        ([user(tool_use())], "messages[0].content[0]: tool_use blocks belong in assistant"),
        ([assistant(tool_result())], "messages[0].content[0]: tool_result blocks belong in user"),
        ([user(tool_result())], "messages[0].content[0].tool_use_id: 'toolu_1' matches no"),
        (
            [assistant(tool_use("a")), user(tool_result("a")), assistant(), user(tool_result("a"))],
            "messages[3].content[0].tool_use_id: 'a' matches no tool_use",
        ),
        ([assistant(tool_use("a b"))], "messages[0].content[0].id: must be a string of letters"),
        ([assistant(tool_use(name=""))], "messages[0].content[0].name: required"),
        ([assistant(tool_use(input="{}"))], "messages[0].content[0].input: must be an object"),
        ([assistant(tool_use(input=nested(MAX_DEPTH + 1)))], "messages[0].content[0].input: nes"),
        ([assistant(tool_use()), user(tool_result(is_error="no"))], "messages[1].content[0].is_e"),
        ([assistant(tool_use()), user(tool_result(content=5))], "messages[1].content[0].content:"),
        (
            [assistant(tool_use()), user(tool_result(content=[{"type": "text", "text": 2}]))],
            "messages[1].content[0].content[0].text: must be a string",
        ),
        (
            [assistant(tool_use()), user(tool_result(content=[image(data="!!!!")]))],
            "messages[1].content[0].content[0].source.data: is not valid base64 (it contains '!')",
        ),
        ([assistant({"type": "thinking", "thinking": None})], "messages[0].content[0].thinking"),
        ([assistant({"type": "thinking", "thinking": "", "signature": 1})], "messages[0].conte"),
        ([assistant({"type": "redacted_thinking"})], "messages[0].content[0].data: must be"),
        ([user({"type": "image"})], "messages[0].content[0].source: must be an object"),
        ([user(image(media_type="image/bmp", data=PNG))], "messages[0].content[0].source.media_"),
        ([user({"type": "image", "source": {"type": "ftp"}})], "messages[0].content[0].source.ty"),
        ([user({"type": "image", "source": {"type": "url"}})], "messages[0].content[0].source.url"),
        ([user(image(data=""))], "messages[0].content[0].source.data: required, a base64 string"),
        ([user(image(data="data:image/png;base64," + PNG))], "messages[0].content[0].source.da"),
        ([user(image(data=PNG[:-1]))], "messages[0].content[0].source.data: is not valid base64"),
        ([user(image(data="ab=c"))], "messages[0].content[0].source.data: is not valid base64"),
        ([user(image(data="a==="))], "messages[0].content[0].source.data: is not valid base64"),
        ([user(image(data="aé=="))], "messages[0].content[0].source.data: is not valid base64"),
        ([user(image(data=PNG[:8] + "\n" + PNG[8:-1]))], "messages[0].content[0].source.data"),
        ([user({"type": "document", "source": {"type": "text"}})], "messages[0].content[0].sour"),
        ([user({"type": "document", "source": {"type": "x"}})], "messages[0].content[0].source.t"),
        ([user({"type": "document", "source": {"type": "content"}})], "messages[0].content[0].s"),
        ([user({"type": "tool_reference"})], "messages[0].content[0].tool_name: must be a str"),
    ],
)
def test_messages_and_blocks_name_the_path(messages: list[Any], message: str) -> None:
    rejects(request(*messages), message)


def test_documents_of_every_source_type_are_fine() -> None:
    sources = [
        {"type": "base64", "media_type": "application/pdf", "data": PNG},
        {"type": "text", "media_type": "text/plain", "data": "plain"},
        {"type": "url", "url": "https://example.com/a.pdf"},
        {"type": "content", "content": [{"type": "text", "text": "x"}]},
        {"type": "file", "file_id": "file_1"},
    ]
    check_messages_request(request(user(*({"type": "document", "source": s} for s in sources))))


def test_tool_results_may_answer_any_assistant_message_of_the_turn_before() -> None:
    # Consecutive assistant messages form one turn; system messages do not end it.
    check_messages_request(
        request(
            assistant(tool_use("a")),
            assistant(tool_use("b")),
            {"role": "system", "content": "between"},
            user(tool_result("a")),
            user(tool_result("b")),
        )
    )


def test_depth_limit_is_stated_and_applies_to_schemas_too() -> None:
    deep = nested(MAX_DEPTH + 1)
    check_messages_request(request(assistant(tool_use(input=nested(MAX_DEPTH)))))
    rejects(
        request(tools=[{"name": "A", "input_schema": deep}]),
        f"tools[0].input_schema: nested more than {MAX_DEPTH} levels deep",
    )
    rejects(
        request(output_config={"format": {"type": "json_schema", "schema": deep}}),
        "output_config.format.schema: nested more than",
    )


def test_a_long_valid_conversation_passes_and_the_first_bad_block_is_named() -> None:
    turns = [
        user({"type": "text", "text": "hi"}),
        assistant(tool_use("t")),
        user(tool_result("t")),
        {"role": "system", "content": "env"},
    ] * 20
    check_messages_request(request(*turns))
    broken = [*turns[:-1], user({"type": "text", "text": "x"}, {"text": "no type"})]
    rejects(request(*broken), "messages[79].content[1]: ")


def test_routed_models_must_be_header_safe() -> None:
    check_routed_models([Target("openrouter", "a/b:free")])
    with pytest.raises(InvalidRequestError, match="control character"):
        check_routed_models([Target("openrouter", "ok"), Target("openrouter", "a\nX: 1")])


def test_body_parsing() -> None:
    assert parse_json_body(b'{"a": 1}') == {"a": 1}
    for raw in (b"", b"{", b"[]"):
        with pytest.raises(InvalidRequestError):
            parse_json_body(raw)
