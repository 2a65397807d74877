"""A non-streaming OpenAI/OpenRouter chat completion -> an Anthropic Messages response.

The completion's message is fed to the stream translator as one delta and the resulting events
are folded into a message, so both paths share one implementation of block order
(thinking -> text -> tool_use), signatures, tool ids and names, stop reasons and usage.
"""

from __future__ import annotations

from typing import Any

from ccrouter.errors import UpstreamError
from ccrouter.transformers.chat.blocks import parse_tool_arguments
from ccrouter.transformers.chat.stream import OpenAIStreamTranslator
from ccrouter.transformers.chat.vocab import (
    anthropic_usage,
    stop_reason,
    upstream_error_from_object,
)
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import Event


def to_anthropic_message(resp: dict[str, Any], ctx: TranslationContext) -> dict[str, Any]:
    provider = ctx.provider or "openrouter"
    if not isinstance(resp, dict):
        raise UpstreamError(f"{provider} returned a response that is not a JSON object", status=500)
    if isinstance(resp.get("error"), dict):
        raise upstream_error_from_object(resp["error"], None, provider=provider)
    choices = resp.get("choices")
    if not choices or not isinstance(choices[0], dict):
        raise UpstreamError(f"{provider} returned no choices", status=500, retryable=True)
    choice = choices[0]
    if choice.get("error") or choice.get("finish_reason") == "error":
        error = choice.get("error")
        error = error if isinstance(error, dict) else {"message": "the provider failed"}
        raise upstream_error_from_object(error, None, provider=provider)
    message = choice.get("message")
    fast = _plain_text(resp, choice, message, ctx) if isinstance(message, dict) else None
    if fast is not None:
        return fast
    chunk = {
        "id": resp.get("id"),
        "choices": [
            {
                "delta": _as_delta(choice.get("message") or {}),
                "finish_reason": choice.get("finish_reason") or "stop",
            }
        ],
        "usage": resp.get("usage"),
    }
    translator = OpenAIStreamTranslator(ctx)
    return _fold(translator.feed(chunk) + translator.finish())


# Fields of an answer that take the general path (through the stream translator).
_NOT_PLAIN = (
    "tool_calls", "function_call", "reasoning", "reasoning_content", "reasoning_details",
    "refusal", "annotations", "audio",
)  # fmt: skip


def _plain_text(
    resp: dict[str, Any], choice: dict[str, Any], message: dict[str, Any], ctx: TranslationContext
) -> dict[str, Any] | None:
    """The most common answer — only text, not starting with whitespace or ``<`` (a possible
    ``<think>``) — built directly; exactly what the general path folds it into, for a quarter
    of its cost. None for anything else."""
    content = message.get("content")
    if content.__class__ is not str or not content or content[0] == "<" or content[0].isspace():
        return None
    for key in _NOT_PLAIN:
        if message.get(key):
            return None
    usage = resp.get("usage")
    return {
        "id": ctx.message_id,
        "type": "message",
        "role": "assistant",
        "model": ctx.requested_model,
        "content": [{"type": "text", "text": content}],
        "stop_reason": stop_reason(str(choice.get("finish_reason") or "stop"), tool_used=False),
        "stop_sequence": None,
        "usage": anthropic_usage(
            usage if usage else None, ctx.input_estimate, max(1, (len(content) + 2) // 4)
        ),
    }


def _as_delta(message: dict[str, Any]) -> dict[str, Any]:
    delta = dict(message)
    calls = message.get("tool_calls")
    if isinstance(calls, list):  # whole calls carry no index; the position is one
        delta["tool_calls"] = [
            {"index": i, **call} if isinstance(call, dict) and "index" not in call else call
            for i, call in enumerate(calls)
        ]
    return delta


def _fold(events: list[Event]) -> dict[str, Any]:
    """Events -> the message they describe (the subset of Anthropic's accumulator we emit)."""
    message: dict[str, Any] = {}
    content: list[dict[str, Any]] = []
    json_parts: list[str] = []
    for name, data in events:
        if name == "message_start":
            message = dict(data["message"])
        elif name == "content_block_start":
            content.append(dict(data["content_block"]))
            json_parts = []
        elif name == "content_block_delta":
            block, delta = content[-1], data["delta"]
            kind = delta["type"]
            if kind == "text_delta":
                block["text"] += delta["text"]
            elif kind == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif kind == "signature_delta":
                block["signature"] = delta["signature"]
            elif kind == "input_json_delta":
                json_parts.append(delta["partial_json"])
        elif name == "content_block_stop" and content[-1]["type"] == "tool_use":
            content[-1]["input"] = parse_tool_arguments("".join(json_parts))
        elif name == "message_delta":
            message["stop_reason"] = data["delta"]["stop_reason"]
            message["stop_sequence"] = data["delta"]["stop_sequence"]
            message["usage"] = data["usage"]
    message["content"] = content
    return message
