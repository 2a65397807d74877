"""Upstream stream bytes in, Anthropic SSE bytes out, one network read at a time.

``TranslatingPipe`` decodes OpenAI SSE, runs each chunk through the transformer chain (model
then provider, in reverse) and the core translator. ``PassthroughPipe`` forwards an
Anthropic-speaking upstream's bytes untouched, watching the events only to know when content
has started and whether the upstream reported an error. Both raise ``UpstreamError`` for
upstream failures; the dispatcher decides between falling back and an ``event: error``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from ccrouter import redact
from ccrouter.errors import UpstreamError, error_event_data
from ccrouter.sse import DataDecoder, SSEDecoder, encode_event, encode_events
from ccrouter.transformers.base import Transformer
from ccrouter.transformers.chat.stream import OpenAIStreamTranslator
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import Event


@dataclass(frozen=True, slots=True)
class UpstreamSummary:
    """What an upstream said about its answer, for the log line, ``/api/status`` and usage."""

    cost: float | None = None  # what OpenRouter charged, when it says
    generation_id: str | None = None  # OpenRouter's gen-… id, to look the request up there
    stop_reason: str | None = None
    usage: dict[str, Any] | None = None  # the answer's Anthropic ``usage`` (tokens in, out, cache)

    @classmethod
    def of_message(
        cls, message: dict[str, Any], cost: Any = None, generation_id: Any = None
    ) -> UpstreamSummary:
        """From a whole Anthropic message (and the chat completion's ``billing_of``)."""
        usage, stop = message.get("usage"), message.get("stop_reason")
        return cls(
            float(cost) if isinstance(cost, int | float) else None,
            generation_id if isinstance(generation_id, str) else None,
            stop if isinstance(stop, str) else None,
            usage if isinstance(usage, dict) else None,
        )


def billing_of(completion: Any) -> tuple[Any, Any]:
    """An OpenAI chat completion's ``usage.cost`` and ``id``, unchecked (``None`` when absent)."""
    if not isinstance(completion, dict):
        return None, None
    usage = completion.get("usage")
    return (usage.get("cost") if isinstance(usage, dict) else None), completion.get("id")


class Pipe(Protocol):
    @property
    def started_content(self) -> bool: ...

    def feed(self, raw: bytes) -> bytes: ...
    def finish(self) -> bytes: ...
    def fail(self, exc: BaseException) -> bytes: ...
    def summary(self) -> UpstreamSummary: ...


class TranslatingPipe:
    def __init__(self, ctx: TranslationContext, chain: tuple[Transformer, ...]) -> None:
        self._ctx = ctx
        self._decoder = DataDecoder()
        self._translator = OpenAIStreamTranslator(ctx)
        self._reverse = tuple(reversed(chain))
        # Per chunk, only the transformers that actually change chunks (most do not).
        self._chunk_chain = tuple(
            t for t in self._reverse if type(t).transform_chunk is not Transformer.transform_chunk
        )
        self._done = False
        self._deferred: UpstreamError | None = None

    @property
    def started_content(self) -> bool:
        return self._translator.started_content

    def feed(self, raw: bytes) -> bytes:
        self._raise_deferred()
        return self._events(self._decoder.feed(raw))

    def _raise_deferred(self) -> None:
        if self._deferred is not None:
            error, self._deferred = self._deferred, None
            raise error

    def _events(self, payloads: list[bytes | None]) -> bytes:
        """Translate one read's payloads. An upstream error after content has started is held
        back until the events before it have gone out (the next ``feed``/``finish`` raises it),
        so the outcome depends on the order of events, never on how the bytes were split."""
        events: list[Event] = []
        try:
            self._translate(payloads, events)
        except UpstreamError as exc:
            if not self._translator.started_content:
                raise  # nothing was committed: the dispatcher may still fall back
            self._deferred = exc
        return encode_events(events) if events else b""

    def _translate(self, payloads: list[bytes | None], events: list[Event]) -> None:
        translator = self._translator
        for data in payloads:
            if data is None:
                events += translator.keepalive()
                continue
            if self._done:
                continue
            if data == b"[DONE]":
                self._done = True
                continue
            try:
                chunk = orjson.loads(data)
            except orjson.JSONDecodeError:
                raise UpstreamError(
                    f"{self._ctx.provider},{self._ctx.upstream_model} sent malformed JSON in its "
                    f"stream: {data[:60].decode('utf-8', 'replace')!r}",
                    status=500,
                    retryable=True,
                ) from None
            if not isinstance(chunk, dict):
                continue
            if self._chunk_chain:
                for piece in self._through(chunk, self._chunk_chain):
                    events += translator.feed(piece)
            else:
                events += translator.feed(chunk)

    def _through(
        self, chunk: dict[str, Any], chain: tuple[Transformer, ...]
    ) -> list[dict[str, Any]]:
        pieces = [chunk]
        for transformer in chain:
            pieces = [
                out for piece in pieces for out in transformer.transform_chunk(piece, self._ctx)
            ]
        return pieces

    def finish(self) -> bytes:
        self._raise_deferred()
        # A last event without its blank line still counts.
        tail = b"" if self._done else self._events(self._decoder.flush())
        self._raise_deferred()
        events = []
        # What a transformer releases at the end still passes the transformers after it.
        for i, transformer in enumerate(self._reverse):
            for piece in transformer.finish_stream(self._ctx):
                later = tuple(t for t in self._reverse[i + 1 :] if t in self._chunk_chain)
                for out in self._through(piece, later):
                    events += self._translator.feed(out)
        events += self._translator.finish()
        return tail + encode_events(events)

    def fail(self, exc: BaseException) -> bytes:
        return encode_events(self._translator.fail(redact.current().error(exc)))

    def summary(self) -> UpstreamSummary:
        t = self._translator
        generation = t.generation_id
        return UpstreamSummary(
            t.cost, generation if isinstance(generation, str) else None, t.stop_reason, t.usage
        )


class PassthroughPipe:
    """Anthropic in, Anthropic out: bytes are forwarded exactly as received (an ``event: error``
    after content has its secrets masked)."""

    def __init__(self, ctx: TranslationContext) -> None:
        self._ctx = ctx
        self._decoder = SSEDecoder()
        self.started_content = False
        self._stopped = False
        self._failed = False  # the upstream sent an event: error after content
        self._stop_reason: str | None = None
        self._usage: dict[str, Any] | None = None

    def feed(self, raw: bytes) -> bytes:
        for sse in self._decoder.feed(raw):
            self._watch(sse.event, sse.data)
        if self._failed:
            return redact.current()(raw.decode("utf-8", "replace")).encode()
        return raw

    def _watch(self, event: str | None, data: str) -> None:
        if event == "content_block_start":
            self.started_content = True
        elif event == "message_stop":
            self._stopped = True
        elif event == "message_delta":
            try:
                parsed = orjson.loads(data)
                self._usage = parsed.get("usage")
                self._stop_reason = (parsed.get("delta") or {}).get("stop_reason")
            except (orjson.JSONDecodeError, AttributeError):
                pass
        elif event == "error" and not self.started_content:
            try:
                error = orjson.loads(data).get("error") or {}
            except (orjson.JSONDecodeError, AttributeError):
                error = {}
            kind = str(error.get("type", "api_error"))
            said = redact.current()(str(error.get("message", "error")))
            raise UpstreamError(
                f"{self._ctx.provider},{self._ctx.upstream_model}: {said}",
                status=529 if kind == "overloaded_error" else 500,
                retryable=kind in ("overloaded_error", "api_error", "rate_limit_error"),
                error_type=kind,
            )
        elif event == "error":
            self._stopped = self._failed = True

    def finish(self) -> bytes:
        for sse in self._decoder.flush():
            self._watch(sse.event, sse.data)
        if not self._stopped:
            raise UpstreamError(
                f"{self._ctx.provider},{self._ctx.upstream_model}: stream ended before message_stop",
                status=500,
                retryable=True,
            )
        return b""

    def fail(self, exc: BaseException) -> bytes:
        return encode_event("error", error_event_data(redact.current().error(exc)))

    def summary(self) -> UpstreamSummary:
        usage = self._usage if isinstance(self._usage, dict) else None
        return UpstreamSummary(stop_reason=self._stop_reason, usage=usage)
