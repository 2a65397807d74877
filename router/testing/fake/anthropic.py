"""The fake's ``/messages``: OpenRouter's Anthropic skin, answering Anthropic Messages JSON or SSE.

Used by pass-through tests, which mostly check what reached the upstream; the answer is the
scripted spec rendered the Anthropic way (thinking, text and tool_use blocks; Anthropic error
envelopes with OpenRouter's extra ``error_type``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ccrouter.errors import error_type_for_status
from ccrouter.sse import encode_event
from ccrouter.testing.fake.render import (
    KEEPALIVE,
    Context,
    StreamParts,
    call_ids,
    pieces_of,
    usage_for,
)
from ccrouter.testing.fake.script import HttpError, MidStreamError, Stream, ToolCalls, Usage
from ccrouter.types import Event

_STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}


class AnthropicDialect:
    def stream(self, base: Stream, ctx: Context) -> StreamParts:
        usage = usage_for(base, ctx)
        start = {**_message(ctx, []), "usage": {**_usage(usage), "output_tokens": 1}}
        events: list[Event] = [
            ("message_start", {"type": "message_start", "message": start}),
            ("ping", {"type": "ping"}),
        ]
        for index, (block, deltas) in enumerate(_blocks(base, ctx)):
            events.append(
                (
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": block},
                )
            )
            events += [
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
                for delta in deltas
            ]
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        stop = {"stop_reason": _stop_reason(base), "stop_sequence": None}
        events.append(
            ("message_delta", {"type": "message_delta", "delta": stop, "usage": _usage(usage)})
        )
        events.append(("message_stop", {"type": "message_stop"}))
        encoded = tuple(encode_event(name, data) for name, data in events)
        return StreamParts((KEEPALIVE,) * base.keepalives, encoded, ())

    def body(self, base: Stream, ctx: Context) -> dict[str, Any]:
        content = [_whole(block, deltas) for block, deltas in _blocks(base, ctx)]
        message = _message(ctx, content)
        message.update(stop_reason=_stop_reason(base), usage=_usage(usage_for(base, ctx)))
        return message

    def error(self, spec: HttpError) -> dict[str, Any]:
        error: dict[str, Any] = {
            "type": error_type_for_status(spec.status),
            "message": spec.message,
        }
        if spec.error_type is not None:
            error["error_type"] = spec.error_type
        return {"type": "error", "error": error, "request_id": None}

    def stream_error(self, spec: MidStreamError, ctx: Context) -> bytes:
        error = {"type": error_type_for_status(spec.code), "message": spec.message}
        return encode_event("error", {"type": "error", "error": error})

    def failed_body(self, spec: MidStreamError, ctx: Context) -> tuple[int, dict[str, Any]]:
        error = {
            "type": error_type_for_status(spec.code),
            "message": spec.message,
            "error_type": spec.error_type,
        }
        return spec.code, {"type": "error", "error": error, "request_id": ctx.generation_id}

    def bad_json(self) -> bytes:
        return b"event: content_block_delta\ndata: {this is not json\n\n"


ANTHROPIC = AnthropicDialect()


def _message(ctx: Context, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": f"msg_{ctx.token}",
        "type": "message",
        "role": "assistant",
        "model": ctx.model,
        "content": content,
        "stop_reason": None,
        "stop_sequence": None,
    }


def _usage(usage: Usage) -> dict[str, int]:
    """Anthropic counts input without the cached part; OpenRouter's prompt_tokens includes it."""
    uncached = usage.prompt_tokens - usage.cached_tokens - usage.cache_write_tokens
    return {
        "input_tokens": max(0, uncached),
        "output_tokens": usage.completion_tokens,
        "cache_read_input_tokens": usage.cached_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
    }


def _stop_reason(base: Stream) -> str:
    return _STOP_REASONS.get(base.finish_reason, "end_turn")


Block = tuple[dict[str, Any], list[dict[str, Any]]]


def _blocks(base: Stream, ctx: Context) -> list[Block]:
    """Each content block as its start object and its deltas, in stream order."""
    size = base.chunk_chars
    blocks: list[Block] = []
    if base.reasoning:
        signature = base.reasoning_signature or f"fake-signature-{ctx.token}"
        deltas = [
            {"type": "thinking_delta", "thinking": p} for p in pieces_of(base.reasoning, size)
        ]
        deltas.append({"type": "signature_delta", "signature": signature})
        blocks.append(({"type": "thinking", "thinking": "", "signature": ""}, deltas))
    if base.text:
        deltas = [{"type": "text_delta", "text": p} for p in pieces_of(base.text, size)]
        blocks.append(({"type": "text", "text": ""}, deltas))
    if isinstance(base, ToolCalls):
        for call_id, call in zip(call_ids(base, "toolu_"), base.calls, strict=True):
            start = {"type": "tool_use", "id": str(call_id), "name": call.name, "input": {}}
            deltas = [
                {"type": "input_json_delta", "partial_json": p}
                for p in pieces_of(call.arguments_text, size)
            ]
            blocks.append((start, deltas))
    return blocks


def _whole(block: dict[str, Any], deltas: list[dict[str, Any]]) -> dict[str, Any]:
    """A streamed block folded into its non-streamed form."""
    kind = block["type"]
    if kind == "thinking":
        text = "".join(d.get("thinking", "") for d in deltas)
        return {"type": "thinking", "thinking": text, "signature": deltas[-1]["signature"]}
    if kind == "text":
        return {"type": "text", "text": "".join(d["text"] for d in deltas)}
    arguments = "".join(d["partial_json"] for d in deltas)
    return {**block, "input": _input(arguments)}


def _input(arguments: str) -> Mapping[str, Any]:
    try:
        value = orjson.loads(arguments or "{}")
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
