"""Reusing the previous turn's tool translation (``ctx.recall``) never changes a request."""

from __future__ import annotations

from typing import Any

import orjson

from ccrouter.routing.conversation import Conversations
from ccrouter.transformers.chat.request import to_openai_request
from ccrouter.transformers.context import Recall, TranslationContext
from ccrouter.types import JSON

LONG_NAME = "mcp__a_very_long_server_name_for_testing__" + "x" * 40  # renamed upstream


def tool(name: str, **schema: Any) -> JSON:
    return {
        "name": name,
        "description": f"The {name} tool.",
        "input_schema": {"type": "object", "properties": schema, "required": list(schema)},
    }


TOOLS = [
    tool("Read", file_path={"type": "string"}),
    tool("Bash", command={"type": "string"}, timeout={"type": "number"}),
    tool(LONG_NAME, query={"type": "string"}),
    {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
]


def ctx(model: str, recall: Recall | None = None) -> TranslationContext:
    return TranslationContext("claude-sonnet-4-5", model, "openrouter", recall=recall)


def body(tools: list[JSON], turn: int) -> JSON:
    messages: list[JSON] = [{"role": "user", "content": "start"}]
    for n in range(turn):
        messages += [
            {"role": "assistant", "content": f"answer {n}"},
            {"role": "user", "content": f"question {n}"},
        ]
    return {"model": "claude-sonnet-4-5", "max_tokens": 10, "tools": tools, "messages": messages}


def vandalise(request: JSON) -> None:
    for t in request.get("tools", ()):
        t["type"] = "changed"
        function = t.get("function") or {}
        function["name"] = "changed"
        params = function.get("parameters") or t.get("parameters") or {}
        params["changed"] = True
        params.pop("properties", None)
    request.get("tools", []).append({"type": "function", "function": {"name": "Extra"}})


def test_every_turn_equals_a_fresh_translation_and_maps_the_same_names() -> None:
    conversations = Conversations()
    sequence = [
        (TOOLS, "anthropic/claude-sonnet-4.5"),
        (TOOLS, "anthropic/claude-sonnet-4.5"),
        (TOOLS, "anthropic/claude-sonnet-4.5"),
        (TOOLS[:2], "anthropic/claude-sonnet-4.5"),  # an MCP server went away
        (TOOLS, "google/gemini-2.5-pro"),  # /model switch
        (TOOLS, "google/gemini-2.5-pro"),
        (TOOLS, "anthropic/claude-sonnet-4.5"),
    ]
    for turn, (tools, model) in enumerate(sequence):
        fresh_body = body(tools, turn)
        again = orjson.loads(orjson.dumps(fresh_body))
        recalled, plain = ctx(model, conversations.recall(again)), ctx(model)
        reused = to_openai_request(again, recalled)
        fresh = to_openai_request(fresh_body, plain)
        assert orjson.dumps(reused) == orjson.dumps(fresh)
        assert recalled.tool_names == plain.tool_names
        renamed = {name for name, value in plain.tool_names.items() if value == LONG_NAME}
        assert (renamed and LONG_NAME not in renamed) if tools is TOOLS else not renamed
        vandalise(reused)


def test_an_unchanged_tool_list_is_not_translated_again() -> None:
    conversations = Conversations()
    model = "anthropic/claude-sonnet-4.5"
    first = body(TOOLS, 0)
    to_openai_request(first, ctx(model, conversations.recall(first)))
    second = orjson.loads(orjson.dumps(body(TOOLS, 1)))
    recall = conversations.recall(second)
    assert recall.same_tools and recall.previous is not None
    [kept] = [v for k, v in recall.previous.items() if k[0] == "openai-tools"]
    out = to_openai_request(second, ctx(model, recall))
    assert recall.current[("openai-tools", model, "openrouter")] is kept
    for given, private in zip(out["tools"], kept.tools, strict=True):
        assert given == private and given is not private
