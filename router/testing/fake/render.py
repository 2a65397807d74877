"""Specs → wire bytes for the fake OpenRouter, I/O-free.

``render(spec, ctx, stream, dialect)`` returns a ``Reply``: status, headers, body pieces and how the
body ends (complete, cut, or no response at all). The wrapper specs (``MidStreamError``, ``Cut``,
``BadJSON``) are handled once here; a ``Dialect`` says what a complete answer, an error and a broken
line look like on one endpoint (``fake_chat.CHAT``, ``fake_anthropic.ANTHROPIC``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol, assert_never

import orjson

from ccrouter.testing.fake.script import (
    BadJSON,
    Cut,
    HttpError,
    MidStreamError,
    Refuse,
    Spec,
    Stream,
    Text,
    ToolCalls,
    Usage,
)

Ending = Literal["complete", "cut", "refuse"]
Headers = tuple[tuple[str, str], ...]

KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
_JSON = ("content-type", "application/json")
_SSE = (("content-type", "text/event-stream"), ("cache-control", "no-cache"))


@dataclass(frozen=True, slots=True)
class Reply:
    """One response, ready to write. ``ending="cut"`` drops the connection after the pieces,
    ``"refuse"`` drops it without a response."""

    status: int
    headers: Headers = ()
    pieces: tuple[bytes, ...] = ()
    ending: Ending = "complete"
    first_byte_delay: float = 0.0
    chunk_delay: float = 0.0


def json_reply(status: int, body: Any, headers: Headers = (), delay: float = 0.0) -> Reply:
    return Reply(status, (_JSON, *headers), (orjson.dumps(body),), first_byte_delay=delay)


@dataclass(frozen=True, slots=True)
class Context:
    """Per-response values: the model echoed back, a prompt-size estimate, ids, time."""

    model: str
    prompt_tokens: int
    created: int
    token: str  # random part of the response ids
    provider: str = "FakeProvider"
    cached_tokens: int = 0  # read from the fake's prompt cache (``fake/cache.py``)

    @classmethod
    def new(
        cls, model: str | None, raw_size: int, provider: str = "FakeProvider", cached: int = 0
    ) -> Context:
        created = int(time.time())
        prompt = max(1, raw_size // 4)
        return cls(
            model or "unknown",
            prompt,
            created,
            secrets.token_hex(10),
            provider,
            min(cached, prompt - 1) if cached > 0 else 0,
        )

    @property
    def generation_id(self) -> str:
        return f"gen-{self.created}-{self.token}"


@dataclass(frozen=True, slots=True)
class StreamParts:
    comments: tuple[bytes, ...]  # keep-alives, sent first
    events: tuple[bytes, ...]  # the chunks a wrapper spec cuts after
    tail: tuple[bytes, ...]  # what only a complete stream ends with, e.g. [DONE]


class Dialect(Protocol):
    def stream(self, base: Stream, ctx: Context) -> StreamParts: ...
    def body(self, base: Stream, ctx: Context) -> dict[str, Any]: ...
    def error(self, spec: HttpError) -> dict[str, Any]: ...
    def stream_error(self, spec: MidStreamError, ctx: Context) -> bytes: ...
    def failed_body(self, spec: MidStreamError, ctx: Context) -> tuple[int, dict[str, Any]]: ...
    def bad_json(self) -> bytes: ...


def render(spec: Spec, ctx: Context, stream: bool, dialect: Dialect) -> Reply:
    match spec:
        case Refuse():
            return Reply(0, ending="refuse", first_byte_delay=spec.first_byte_delay)
        case HttpError():
            return _error_reply(spec, dialect)
        case Text() | ToolCalls():
            if not stream:
                return _success(200, dialect.body(spec, ctx), spec, ctx)
            parts = dialect.stream(spec, ctx)
            return _streamed(spec, ctx, parts.comments + parts.events + parts.tail)
        case MidStreamError():
            if not stream:
                return _success(*dialect.failed_body(spec, ctx), spec.base, ctx)
            error = dialect.stream_error(spec, ctx)
            return _streamed(spec.base, ctx, _cut_prefix(spec, dialect, ctx) + (error,))
        case Cut():
            if stream:
                return _streamed(spec.base, ctx, _cut_prefix(spec, dialect, ctx), "cut")
            whole = orjson.dumps(dialect.body(spec.base, ctx))
            return _success(200, whole[: len(whole) // 2], spec.base, ctx, "cut")
        case BadJSON():
            if stream:
                pieces = _cut_prefix(spec, dialect, ctx) + (dialect.bad_json(),)
                return _streamed(spec.base, ctx, pieces)
            return _success(200, b"{this is not json", spec.base, ctx)
        case _:
            assert_never(spec)


def _cut_prefix(
    spec: MidStreamError | Cut | BadJSON, dialect: Dialect, ctx: Context
) -> tuple[bytes, ...]:
    parts = dialect.stream(spec.base, ctx)
    return parts.comments + parts.events[: spec.after_chunks]


def _streamed(
    base: Stream, ctx: Context, pieces: tuple[bytes, ...], ending: Ending = "complete"
) -> Reply:
    headers = (*_SSE, ("x-generation-id", ctx.generation_id))
    return Reply(200, headers, pieces, ending, base.first_byte_delay, base.chunk_delay)


def _success(
    status: int, body: Any, base: Stream, ctx: Context, ending: Ending = "complete"
) -> Reply:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    headers = (_JSON, ("x-generation-id", ctx.generation_id))
    return Reply(status, headers, (data,), ending, base.first_byte_delay)


def _error_reply(spec: HttpError, dialect: Dialect) -> Reply:
    headers: list[tuple[str, str]] = list((spec.headers or {}).items())
    if spec.retry_after is not None:
        headers.append(("retry-after", f"{spec.retry_after:g}"))
    return json_reply(spec.status, dialect.error(spec), tuple(headers), spec.first_byte_delay)


def usage_for(base: Stream, ctx: Context) -> Usage:
    """The spec's usage, or counts derived from the sizes (about four characters a token)."""
    if base.usage is not None:
        return base.usage
    out_chars = len(base.text or "")
    if isinstance(base, ToolCalls):
        out_chars += sum(len(call.name) + len(call.arguments_text) for call in base.calls)
    reasoning = len(base.reasoning or "") // 4
    completion = max(1, out_chars // 4) + reasoning
    cost = round((ctx.prompt_tokens + 4 * completion) * 1e-6, 9)
    return Usage(
        ctx.prompt_tokens,
        completion,
        cached_tokens=ctx.cached_tokens,
        reasoning_tokens=reasoning,
        cost=cost,
    )


def pieces_of(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def call_ids(base: Stream, prefix: str = "call_") -> list[str | int]:
    """Tool-call ids as given, or fresh random ones (new on every response)."""
    if not isinstance(base, ToolCalls):
        return []
    return [prefix + secrets.token_hex(12) if c.id is None else c.id for c in base.calls]
