"""Anthropic Messages request body -> OpenAI/OpenRouter chat-completions request body.

``to_openai_request`` is the entry point: pure (``body`` is never changed, no I/O) and
permissive (unknown fields and blocks are dropped, never rejected). It fills
``ctx.tool_names`` for the response side.

The result reuses unchanged inbound objects (strings, nested tool schemas, ``cache_control``
values, the ``response_format`` schema) instead of copying them, because this runs on every
request with bodies of 50-400 KB. Later transformers must copy before changing nested objects.

Only the fields below are produced; every other inbound field (``metadata``,
``context_management``, ``safeguards``, ``speed``, ``service_tier``, ``container``,
``mcp_servers``, ``output_config``, ``thinking``, …) is Anthropic-only and dropped.
"""

from __future__ import annotations

from typing import Any

from ccrouter.transformers.chat.content import limit_cache_breakpoints
from ccrouter.transformers.chat.messages import system_message, translate_messages
from ccrouter.transformers.chat.reasoning import reasoning_params, tool_turn_lacks_thinking
from ccrouter.transformers.chat.tools import translate_tool_choice, translate_tools_recalled
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON

MAX_STOP_SEQUENCES = 4  # OpenAI's limit
ANTHROPIC_MAX_BREAKPOINTS = 4
_SAMPLING = ("temperature", "top_p", "top_k")


def to_openai_request(body: dict[str, Any], ctx: TranslationContext) -> dict[str, Any]:
    messages = translate_messages(body.get("messages") or [], ctx)
    system = system_message(body.get("system"), ctx)
    if system is not None:
        messages.insert(0, system)
    out: JSON = {"model": ctx.upstream_model, "messages": messages}
    if "max_tokens" in body:
        out["max_tokens"] = body["max_tokens"]
    _sampling(body, out)
    _stream(body, ctx, out)
    response_format = _response_format(body)
    if response_format is not None:
        out["response_format"] = response_format
    tools = translate_tools_recalled(body.get("tools"), ctx)
    if tools:
        out["tools"] = tools
        out.update(translate_tool_choice(body.get("tool_choice"), tools))
    out.update(reasoning_params(body, ctx))
    if "reasoning" in out and ctx.family == "anthropic" and tool_turn_lacks_thinking(messages):
        del out["reasoning"]
    _cache_control(body, ctx, out)
    return out


def _sampling(body: JSON, out: JSON) -> None:
    for key in _SAMPLING:
        value = body.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = value
    stops = body.get("stop_sequences")
    if isinstance(stops, list):
        stop = [s for s in stops if isinstance(s, str) and s][:MAX_STOP_SEQUENCES]
        if stop:
            out["stop"] = stop


def _stream(body: JSON, ctx: TranslationContext, out: JSON) -> None:
    if "stream" not in body:
        return
    out["stream"] = stream = body["stream"] is True
    if stream and ctx.dialect == "openai":
        # Plain OpenAI-compatible servers send usage only when asked; OpenRouter always does.
        out["stream_options"] = {"include_usage": True}


def _response_format(body: JSON) -> JSON | None:
    config = body.get("output_config")
    spec = config.get("format") if isinstance(config, dict) else None
    if spec is None:
        spec = body.get("output_format")  # the older name of the same thing
    if not isinstance(spec, dict) or spec.get("type") != "json_schema":
        return None
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        return None
    return {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": True},
    }


def _cache_control(body: JSON, ctx: TranslationContext, out: JSON) -> None:
    """Top-level automatic caching for Claude; at most as many breakpoints as the family uses."""
    if not ctx.keeps_cache_control:
        return
    limit = ANTHROPIC_MAX_BREAKPOINTS
    if ctx.family == "google":
        limit = 1  # Gemini uses only the last breakpoint
    elif isinstance(body.get("cache_control"), dict):
        out["cache_control"] = body["cache_control"]
        limit -= 1  # automatic caching takes one of Claude's four slots
    limit_cache_breakpoints(out["messages"], limit)
