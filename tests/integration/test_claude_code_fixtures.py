"""Every recorded Claude Code ``/v1/messages`` request, translated for several targets, must be a
valid OpenRouter chat-completions request (strict schema) with nothing Anthropic-only left.

The requests come from the session's ``claude_code`` recording (tests/recording/)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator

from ccrouter.transformers.chat.request import to_openai_request
from ccrouter.transformers.context import Dialect, TranslationContext
from tests.recording.cases import MESSAGE_NAMES
from tests.recording.driver import Recordings
from tests.recording.server import Recording

SCHEMA_PATH = Path(__file__).parents[1] / "fixtures" / "openrouter_chat_request.schema.json"

# (upstream model, dialect, max cache breakpoints)
TARGETS: list[tuple[str, Dialect, int]] = [
    ("anthropic/claude-sonnet-4.5", "openrouter", 4),
    ("deepseek/deepseek-chat", "openrouter", 0),
    ("google/gemini-2.5-pro", "openrouter", 1),
    ("deepseek-chat", "openai", 0),
]
# Keys that exist only in Anthropic's Messages API (never valid in a chat-completions body).
ANTHROPIC_KEYS = frozenset(
    {
        "thinking",
        "context_management",
        "output_config",
        "output_format",
        "safeguards",
        "defer_loading",
        "input_schema",
        "tool_use_id",
        "stop_sequences",
        "budget_tokens",
        "display",
        "signature_delta",
        "is_error",
        "media_type",
        "eager_input_streaming",
        "input_examples",
        "allowed_callers",
        "speed",
        "container",
        "mcp_servers",
        "x-anthropic-billing-header",
    }
)
ANTHROPIC_BLOCK_TYPES = frozenset(
    {
        "tool_use",
        "tool_result",
        "thinking",
        "redacted_thinking",
        "image",
        "document",
        "server_tool_use",
        "web_search_tool_result",
        "tool_reference",
        "search_result",
        "custom",
        "adaptive",
        "enabled",
    }
)
# Subtrees holding user-defined JSON Schemas, whose property names are free text.
SCHEMA_KEYS = frozenset({"parameters", "schema"})


@pytest.fixture
def body(recorded: Recording) -> dict[str, Any]:
    """The body of the recorded request named by the ``recorded`` parameter."""
    body: dict[str, Any] = recorded["body"]
    return body


by_request = pytest.mark.parametrize("recorded", MESSAGE_NAMES, indirect=True)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_bytes())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def walk(value: Any, key: str | None = None) -> Iterator[tuple[str | None, Any]]:
    """Yield (key, value) for every dict entry and list item, skipping tool/output schemas."""
    yield key, value
    if isinstance(value, dict):
        for k, v in value.items():
            if (
                k not in SCHEMA_KEYS
                or not isinstance(v, dict)
                or v.get("type") == "openrouter:web_search"
            ):
                yield from walk(v, k)
            else:
                yield k, None
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, key)


def translate(
    body: dict[str, Any], model: str, dialect: Dialect
) -> tuple[dict[str, Any], TranslationContext]:
    ctx = TranslationContext(requested_model=body["model"], upstream_model=model, dialect=dialect)
    return to_openai_request(body, ctx), ctx


def test_there_are_recorded_requests(claude_code: Recordings) -> None:
    assert len(MESSAGE_NAMES) >= 20
    for name in MESSAGE_NAMES:
        recording = claude_code.request(name)
        assert (recording["method"], recording["path"]) == ("POST", "/v1/messages"), name
        assert isinstance(recording["body"], dict), name


@pytest.mark.parametrize(("model", "dialect", "max_breakpoints"), TARGETS)
@by_request
def test_recorded_request_translates_to_a_valid_openrouter_request(
    body: dict[str, Any],
    model: str,
    dialect: Dialect,
    max_breakpoints: int,
    validator: Draft202012Validator,
) -> None:
    out, _ = translate(body, model, dialect)
    errors = sorted(validator.iter_errors(out), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5])


@pytest.mark.parametrize(("model", "dialect", "max_breakpoints"), TARGETS)
@by_request
def test_no_anthropic_only_key_reaches_the_upstream(
    body: dict[str, Any], model: str, dialect: Dialect, max_breakpoints: int
) -> None:
    out, _ = translate(body, model, dialect)
    entries = list(walk(out))
    keys = {k for k, _ in entries if k is not None}
    leaked_keys = keys & ANTHROPIC_KEYS
    leaked_types = {v for k, v in entries if k == "type" and v in ANTHROPIC_BLOCK_TYPES}
    assert not leaked_keys and not leaked_types
    assert b"x-anthropic-billing-header" not in orjson.dumps(out)
    marks = sum(1 for k, _ in entries if k == "cache_control")
    assert marks <= max_breakpoints


@by_request
def test_recorded_request_is_not_modified_by_translation(body: dict[str, Any]) -> None:
    before = copy.deepcopy(body)
    for model, dialect, _ in TARGETS:
        translate(body, model, dialect)
    assert body == before


@by_request
def test_tool_messages_directly_follow_their_calls(body: dict[str, Any]) -> None:
    out, _ = translate(body, "deepseek/deepseek-chat", "openrouter")
    messages = out["messages"]
    for i, message in enumerate(messages):
        calls = message.get("tool_calls") or []
        following = [
            m["tool_call_id"] for m in messages[i + 1 : i + 1 + len(calls)] if m["role"] == "tool"
        ]
        assert following == [c["id"] for c in calls]


@by_request
def test_every_offered_tool_maps_back_to_a_claude_code_tool(body: dict[str, Any]) -> None:
    out, ctx = translate(body, "deepseek/deepseek-chat", "openrouter")
    names = [t["function"]["name"] for t in out.get("tools", []) if t["type"] == "function"]
    client_names = {t["name"] for t in body.get("tools", [])}
    assert "DeferredToolPlaceholder" not in names
    assert all(ctx.client_tool_name(n) in client_names for n in names)


@by_request
def test_mid_conversation_system_entries_become_reminders(body: dict[str, Any]) -> None:
    out, _ = translate(body, "deepseek/deepseek-chat", "openrouter")
    contents = [m["content"] for m in out["messages"] if m["role"] == "user"]
    for entry in (m for m in body["messages"] if m.get("role") == "system"):
        content = entry["content"]
        text = content if isinstance(content, str) else "\n\n".join(b["text"] for b in content)
        assert f"<system-reminder>\n{text}\n</system-reminder>" in contents
    assert sum(1 for m in out["messages"] if m["role"] == "system") <= 1


# --- the schema itself must catch leaks ---------------------------------------------------------

VALID: dict[str, Any] = {
    "model": "deepseek/deepseek-chat",
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "Bash", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "ok"},
    ],
    "tools": [{"type": "function", "function": {"name": "Bash", "parameters": {"type": "object"}}}],
    "tool_choice": "auto",
    "reasoning": {"effort": "high"},
    "stream": True,
}


def leak(path: list[Any], value: Any) -> dict[str, Any]:
    request = copy.deepcopy(VALID)
    target = request
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return request


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(leak(["thinking"], {"type": "adaptive"}), id="top-level thinking"),
        pytest.param(
            leak(["messages", 1, "cache_control"], {"type": "ephemeral"}),
            id="message cache_control",
        ),
        pytest.param(leak(["messages", 1, "content", 0, "text"], " "), id="blank text part"),
        pytest.param(
            leak(["messages", 1, "content", 0], {"type": "tool_result", "content": "x"}),
            id="tool_result",
        ),
        pytest.param(leak(["messages", 2, "tool_calls"], []), id="empty tool_calls"),
        pytest.param(leak(["tools", 0, "input_schema"], {}), id="tool input_schema"),
        pytest.param(leak(["tools", 0, "function", "name"], "x" * 65), id="long tool name"),
        pytest.param(leak(["reasoning_effort"], "high"), id="reasoning twice"),
        pytest.param(
            leak(["reasoning"], {"effort": "high", "max_tokens": 5}), id="effort and budget"
        ),
        pytest.param(leak(["tool_choice"], "any"), id="tool_choice any"),
        pytest.param(
            leak(
                ["messages", 1, "content", 0],
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/png;base64,data:image/png;base64,AA"},
                },
            ),
            id="double data prefix",
        ),
        pytest.param(leak(["messages", 2, "thinking_blocks"], []), id="unknown assistant field"),
    ],
)
def test_schema_rejects_anthropic_leftovers(
    request_: dict[str, Any], validator: Draft202012Validator
) -> None:
    assert validator.is_valid(VALID)
    assert not validator.is_valid(request_)


def test_schema_rejects_tool_choice_without_tools(validator: Draft202012Validator) -> None:
    request = copy.deepcopy(VALID)
    del request["tools"]
    assert not validator.is_valid(request)
