"""Anthropic ``tools`` / ``tool_choice`` -> OpenAI ``tools`` / ``tool_choice`` / ``parallel_tool_calls``.

* Custom tools become functions named by ``upstream_tool_name`` (<= 64 safe chars, deterministic);
  ``ctx.tool_names`` maps every upstream name back to the client's.
* Anthropic-only tool fields (``defer_loading``, ``cache_control``, ``strict``, …) are not copied:
  a function is rebuilt from name, description and schema only.
* Server tools (a versioned ``type`` and no ``input_schema``): ``web_search_*`` becomes
  OpenRouter's ``openrouter:web_search``; nothing else has an upstream equivalent and is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ccrouter.transformers.chat.tool_names import upstream_tool_name
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON

# Claude Code always sends it to keep deferred loading on; it must never be called.
DEFERRED_PLACEHOLDER = "DeferredToolPlaceholder"
# Anthropic web_search parameter -> openrouter:web_search parameter
_WEB_SEARCH_PARAMS = {
    "max_uses": "max_uses",
    "allowed_domains": "allowed_domains",
    "blocked_domains": "excluded_domains",
    "user_location": "user_location",
}


def is_server_tool(tool: JSON) -> bool:
    kind = tool.get("type")
    return isinstance(kind, str) and kind != "custom" and "input_schema" not in tool


def parameters_schema(schema: Any) -> JSON:
    """The tool's input schema as an object schema for ``parameters`` (top level copied only)."""
    if not isinstance(schema, dict):
        return {"type": "object", "properties": {}}
    params = dict(schema)  # a C-level copy, then drop the one key: faster than a comprehension
    params.pop("$schema", None)
    kind = params.setdefault("type", "object")
    if kind != "object":  # OpenAI functions take objects only; Anthropic requires the same
        return {"type": "object", "properties": {}}
    if "properties" not in params:
        params["properties"] = {}
    return params


def function_tool(tool: JSON, ctx: TranslationContext) -> JSON | None:
    name = tool.get("name")
    if not isinstance(name, str) or not name or name == DEFERRED_PLACEHOLDER:
        return None
    upstream = upstream_tool_name(name)
    ctx.tool_names[upstream] = name
    function: JSON = {"name": upstream}
    description = tool.get("description")
    if isinstance(description, str) and description:
        function["description"] = description
    function["parameters"] = parameters_schema(tool.get("input_schema"))
    return {"type": "function", "function": function}


def server_tool(tool: JSON, ctx: TranslationContext) -> JSON | None:
    kind = tool["type"]
    if ctx.dialect != "openrouter" or not (kind == "web_search" or kind.startswith("web_search_")):
        return None
    params = {ours: tool[theirs] for theirs, ours in _WEB_SEARCH_PARAMS.items() if theirs in tool}
    out: JSON = {"type": "openrouter:web_search"}
    if params:
        out["parameters"] = params
    return out


def translate_tools(tools: Any, ctx: TranslationContext) -> list[JSON]:
    if not isinstance(tools, list):
        return []
    out: list[JSON] = []
    seen: set[str] = set()
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        translated = server_tool(tool, ctx) if is_server_tool(tool) else function_tool(tool, ctx)
        if translated is None:
            continue
        # Duplicate names (or a second web search) make providers reject the whole request.
        key = translated["function"]["name"] if "function" in translated else translated["type"]
        if key not in seen:
            seen.add(key)
            out.append(translated)
    return out


def translate_tools_recalled(tools: Any, ctx: TranslationContext) -> list[JSON]:
    """``translate_tools``, reusing the previous turn's translation when the list is unchanged.

    Claude Code sends the same dozen-plus tools on every turn; translating their schemas was
    ~30 µs of a 17 KB request. The kept translation is never handed out: the request gets a
    copy of every container translation made (tool, function, top level of ``parameters``).
    """
    recall = ctx.recall
    if recall is None or not isinstance(tools, list):
        return translate_tools(tools, ctx)
    key = (_MEMO, ctx.upstream_model, ctx.dialect)
    kept: _Kept | None = recall.previous.get(key) if recall.previous and recall.same_tools else None
    if kept is None:
        before = dict(ctx.tool_names)
        out = translate_tools(tools, ctx)
        added = {k: v for k, v in ctx.tool_names.items() if before.get(k) != v}
        kept = _Kept(out, added)
        out = [_fresh_tool(tool) for tool in out]
    else:
        ctx.tool_names.update(kept.names)
        out = [_fresh_tool(tool) for tool in kept.tools]
    recall.current[key] = kept
    return out


_MEMO = "openai-tools"


@dataclass(slots=True)
class _Kept:
    tools: list[JSON]  # never handed out
    names: dict[str, str]  # what translating them added to ``ctx.tool_names``


def _fresh_tool(tool: JSON) -> JSON:
    copy = dict(tool)
    for key in ("function", "parameters"):
        inner = copy.get(key)
        if type(inner) is dict:
            inner = copy[key] = dict(inner)
            params = inner.get("parameters")
            if type(params) is dict:
                inner["parameters"] = dict(params)
    return copy


def translate_tool_choice(choice: Any, tools: list[JSON]) -> JSON:
    """``tool_choice`` / ``parallel_tool_calls`` fields; empty unless ``tools`` is non-empty."""
    if not tools or not isinstance(choice, dict):
        return {}
    out: JSON = {}
    kind = choice.get("type")
    if kind == "auto":
        out["tool_choice"] = "auto"
    elif kind == "any":
        out["tool_choice"] = "required"
    elif kind == "none":
        out["tool_choice"] = "none"
    elif kind == "tool" and isinstance(choice.get("name"), str):
        name = upstream_tool_name(choice["name"])
        known = any(t.get("function", {}).get("name") == name for t in tools)
        # Forcing a function that is not offered is a 400 upstream; let the model pick instead.
        out["tool_choice"] = {"type": "function", "function": {"name": name}} if known else "auto"
    if choice.get("disable_parallel_tool_use") is True:
        out["parallel_tool_calls"] = False
    return out
