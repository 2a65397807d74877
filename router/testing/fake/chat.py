"""The fake's ``/chat/completions``: OpenRouter's chat-completions wire format.

Shaped like real OpenRouter captures: ``role`` on every delta, ``reasoning`` and
``reasoning_details`` side by side (the signature in a detail of its own), tool-call deltas in the
variant the spec names, a finish chunk, then a usage-only chunk with ``choices: []`` before
``[DONE]``. A mid-stream failure is the error chunk of the reference's section 12.4.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

import orjson

from ccrouter.sse import encode_data
from ccrouter.testing.fake.render import (
    KEEPALIVE,
    Context,
    StreamParts,
    call_ids,
    pieces_of,
    usage_for,
)
from ccrouter.testing.fake.script import HttpError, MidStreamError, Stream, ToolCalls, Usage

DONE = encode_data("[DONE]")


class ChatDialect:
    """OpenRouter's ``/chat/completions``."""

    def stream(self, base: Stream, ctx: Context) -> StreamParts:
        encoder = ChunkEncoder(ctx)
        deltas = _deltas(base, call_ids(base))
        finish = (base.finish_reason, base.native_finish_reason or base.finish_reason)
        chunks = [encoder.chunk(delta) for delta in deltas]
        if base.content_with_finish and len(deltas) > 1:
            chunks[-1] = encoder.chunk(deltas[-1], *finish)
        else:
            chunks.append(encoder.chunk({"role": "assistant", "content": ""}, *finish))
        if base.usage_chunk:
            usage = usage_json(usage_for(base, ctx))
            chunks.append(encode_data({**_chunk_head(ctx), "choices": [], "usage": usage}))
        return StreamParts((KEEPALIVE,) * base.keepalives, tuple(chunks), (DONE,))

    def body(self, base: Stream, ctx: Context) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": base.text,
            "refusal": None,
            "reasoning": base.reasoning,
            "reasoning_details": _details(base),
        }
        if isinstance(base, ToolCalls):
            message["tool_calls"] = [
                {
                    "id": call_id,
                    "type": "function",
                    "function": _function(call.name, call.arguments_text),
                }
                for call_id, call in zip(call_ids(base), base.calls, strict=True)
            ]
        native = base.native_finish_reason or base.finish_reason
        choice = {
            "index": 0,
            "logprobs": None,
            "finish_reason": base.finish_reason,
            "native_finish_reason": native,
            "message": message,
        }
        return {**_body_head(ctx), "choices": [choice], "usage": usage_json(usage_for(base, ctx))}

    def error(self, spec: HttpError) -> dict[str, Any]:
        error: dict[str, Any] = {"code": spec.status, "message": spec.message}
        if metadata := error_metadata(spec):
            error["metadata"] = metadata
        return {"error": error}

    def stream_error(self, spec: MidStreamError, ctx: Context) -> bytes:
        choice = {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}
        return encode_data({**_chunk_head(ctx), "error": _mid_error(spec), "choices": [choice]})

    def failed_body(self, spec: MidStreamError, ctx: Context) -> tuple[int, dict[str, Any]]:
        """Non-streamed, a provider failure is HTTP 200 with ``finish_reason: "error"``."""
        body = self.body(spec.base, ctx)
        choice = body["choices"][0]
        streamed = _deltas(spec.base, call_ids(spec.base))[: spec.after_chunks]
        choice["message"]["content"] = "".join(d.get("content") or "" for d in streamed)
        choice["message"].pop("tool_calls", None)
        choice.update(finish_reason="error", native_finish_reason="error", error=_mid_error(spec))
        return 200, body

    def bad_json(self) -> bytes:
        return b"data: {this is not json\n\n"


CHAT = ChatDialect()


def usage_json(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.prompt_tokens + usage.completion_tokens,
        "cost": usage.cost,
        "is_byok": False,
        "prompt_tokens_details": {
            "cached_tokens": usage.cached_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
        },
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
    }


def _body_head(ctx: Context) -> dict[str, Any]:
    return {
        "id": ctx.generation_id,
        "object": "chat.completion",
        "created": ctx.created,
        "model": ctx.model,
        "provider": ctx.provider,
        "system_fingerprint": None,
    }


def _chunk_head(ctx: Context) -> dict[str, Any]:
    return {
        "id": ctx.generation_id,
        "provider": ctx.provider,
        "model": ctx.model,
        "object": "chat.completion.chunk",
        "created": ctx.created,
    }


_NOT_FINISHED = b',"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n'


class ChunkEncoder:
    """``data: {chunk}`` bytes with the per-response head encoded once: a 200-chunk stream then
    costs one small ``orjson.dumps`` per delta (the benchmarks stream thousands of chunks)."""

    def __init__(self, ctx: Context) -> None:
        head = orjson.dumps(_chunk_head(ctx))
        self._opening = b"data: " + head[:-1] + b',"choices":[{"index":0,"delta":'

    def chunk(
        self, delta: dict[str, Any], finish: str | None = None, native: str | None = None
    ) -> bytes:
        if finish is None and native is None:
            return self._opening + orjson.dumps(delta) + _NOT_FINISHED
        ending = {"finish_reason": finish, "native_finish_reason": native, "logprobs": None}
        return self._opening + orjson.dumps(delta) + b"," + orjson.dumps(ending)[1:] + b"]}\n\n"


def _mid_error(spec: MidStreamError) -> dict[str, Any]:
    metadata = {"error_type": spec.error_type, "provider_code": spec.provider_code}
    return {"code": spec.code, "message": spec.message, "metadata": metadata}


def _details(base: Stream) -> list[dict[str, Any]]:
    """The non-streamed ``reasoning_details``: the text as one detail, then the extra ones."""
    details: list[dict[str, Any]] = []
    if base.reasoning is not None:
        detail = {
            "type": "reasoning.text",
            "text": base.reasoning,
            "signature": base.reasoning_signature,
            "format": base.reasoning_format,
            "index": 0,
        }
        details.append(detail)
    return details + [dict(extra) for extra in base.reasoning_details or ()]


def _deltas(base: Stream, ids: list[str | int]) -> list[dict[str, Any]]:
    """Every delta of a complete answer except the finish: role, reasoning, text, tool calls."""
    deltas: list[dict[str, Any]] = [_text_delta("")]
    fmt = base.reasoning_format
    for piece in pieces_of(base.reasoning or "", base.chunk_chars):
        detail = {"type": "reasoning.text", "text": piece, "format": fmt, "index": 0}
        deltas.append(_reasoning_delta(piece, [detail]))
    if base.reasoning_signature is not None:
        detail = {
            "type": "reasoning.text",
            "signature": base.reasoning_signature,
            "format": fmt,
            "index": 0,
        }
        deltas.append(_reasoning_delta(None, [detail]))
    for extra in base.reasoning_details or ():
        deltas.append(_reasoning_delta(None, [dict(extra)]))
    deltas += [_text_delta(piece) for piece in pieces_of(base.text or "", base.chunk_chars)]
    if isinstance(base, ToolCalls):
        deltas += [
            {"role": "assistant", "content": None, "tool_calls": [call]}
            for call in _tool_call_deltas(base, ids)
        ]
    return deltas


def _text_delta(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text, "reasoning": None, "reasoning_details": []}


def _reasoning_delta(text: str | None, details: list[dict[str, Any]]) -> dict[str, Any]:
    delta: dict[str, Any] = {"role": "assistant", "content": ""}
    if text is not None:
        delta["reasoning"] = text
    delta["reasoning_details"] = details
    return delta


def _function(name: str | None, arguments: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if name is not None:
        out["name"] = name
    if arguments is not None:
        out["arguments"] = arguments
    return out


_NAME_PIECE = 3  # characters per name fragment in the "name_fragments" variant


def _tool_call_deltas(base: ToolCalls, ids: list[str | int]) -> list[dict[str, Any]]:
    """One ``tool_calls`` entry per chunk, in the order the variant streams them."""
    out: list[dict[str, Any]] = []
    for position, (call_id, call) in enumerate(zip(ids, base.calls, strict=True)):
        index = 0 if base.variant == "same_index" else position
        args = call.arguments_text
        fragments = pieces_of(args, base.chunk_chars)
        opening: Mapping[str, Any] = {"index": index, "id": call_id, "type": "function"}
        match base.variant:
            case "whole":
                out.append({**opening, "function": _function(call.name, args)})
            case "id_every_chunk":
                out += [{**opening, "function": _function(call.name, f)} for f in fragments or [""]]
            case "openai" | "same_index":
                out.append({**opening, "function": _function(call.name, "")})
                out += [{"index": index, "function": _function(None, f)} for f in fragments]
            case "name_fragments":
                first, *rest = pieces_of(call.name, _NAME_PIECE) or [""]
                out.append({**opening, "function": _function(first, None)})
                out += [{"index": index, "function": _function(p, None)} for p in rest]
                out += [{"index": index, "function": _function(None, f)} for f in fragments]
            case _:
                assert_never(base.variant)
    return out


def error_metadata(spec: HttpError) -> dict[str, Any]:
    metadata = dict(spec.metadata or {})
    if spec.error_type is not None:
        metadata["error_type"] = spec.error_type
    if spec.availability is not None:
        metadata["availability"] = dict(spec.availability)
    return metadata
