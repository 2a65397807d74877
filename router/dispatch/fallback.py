"""Walk a decision's fallback chain until one model answers.

Fallback happens only before the first byte reaches the client: a streaming attempt's events are
held until its first content block starts, so an upstream that fails before that (HTTP error,
refused connection, timeout, an error chunk, a cut) moves on to the next model invisibly. After
that, a failure becomes an Anthropic ``event: error`` and the stream ends.

Errors another model cannot fix (400, 401, 402, 403 — a malformed request, a bad key, no
credit, a refusal) return at once. A model that keeps failing is cooled down and skipped.

The caller passes in the ``Outcome`` the walk fills, so what was tried is known whether the walk
answers or raises (the response headers and the log line say it either way).

Before sending, each model is judged against what the catalog knows of it (``ccrouter.catalog``):
a model that cannot take the request is skipped with its reason (``x-ccrouter-tried``), then the
route that can (``longContext`` for a long prompt, ``image`` for images) is tried; ``max_tokens``
above a model's output cap is lowered to it. Unknown facts never gate.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from ccrouter.catalog.cost import CostSource, catalog_cost
from ccrouter.catalog.facts import Price
from ccrouter.catalog.gate import RequestGate
from ccrouter.catalog.request import adjusted
from ccrouter.catalog.table import Catalog
from ccrouter.config.model import Target
from ccrouter.config.state import RouterState
from ccrouter.dispatch.attempt import Prepared, RequestMeta, prepare, send
from ccrouter.dispatch.cooldown import Cooldowns
from ccrouter.dispatch.pipes import (
    PassthroughPipe,
    Pipe,
    TranslatingPipe,
    UpstreamSummary,
    billing_of,
)
from ccrouter.errors import (
    AllModelsFailedError,
    Attempt,
    RouterError,
    UpstreamError,
    as_upstream_error,
)
from ccrouter.routing.rules import Decision
from ccrouter.routing.sessions import prefer
from ccrouter.transformers.chat.response import to_anthropic_message
from ccrouter.upstream.base import TransportError, UpstreamClient, UpstreamResponse

log = logging.getLogger("ccrouter.dispatch.fallback")
T = TypeVar("T")


@dataclass
class Outcome:
    """What happened, for the log line and the response headers."""

    attempts: list[Attempt] = field(default_factory=list)  # the failed ones, in order
    target: Target | None = None  # the model that answered
    summary: UpstreamSummary | None = None  # set once its answer is complete
    clamped: str = ""  # what the catalog changed for the model that answered
    price: Price | None = None  # the answering model's catalog prices, when known

    def tried_header(self) -> str:
        """``openrouter,a (429), openrouter,b (skipped: …), openrouter,c (ok)``: in order."""
        tried = [f"{a.target} ({a.status or _skip_or_failed(a)})" for a in self.attempts]
        if self.target is not None:
            tried.append(
                f"{self.target} (ok, {self.clamped})" if self.clamped else f"{self.target} (ok)"
            )
        return ", ".join(tried)

    def cost(self) -> tuple[float | None, CostSource | None]:
        """What the answer cost: as the upstream reported it, else from the catalog's prices."""
        summary = self.summary
        if summary is None:
            return None, None
        if summary.cost is not None:
            return summary.cost, "reported"
        if self.price is not None:
            computed = catalog_cost(summary.usage, self.price)
            if computed is not None:
                return computed, "catalog"
        return None, None


SKIPPED = "skipped: "  # how a model the catalog ruled out shows in the attempts


def _skip_or_failed(attempt: Attempt) -> str:
    return attempt.reason if attempt.reason.startswith(SKIPPED) else "failed"


@dataclass
class StreamResult:
    first: bytes  # everything up to and including the first content event
    rest: AsyncGenerator[bytes, None]  # closed by whoever relays it


class Dispatcher:
    def __init__(
        self,
        client: UpstreamClient,
        cooldowns: Cooldowns | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.client = client
        self.cooldowns = cooldowns or Cooldowns()
        self.catalog = catalog or Catalog()

    def plan(self, decision: Decision) -> list[Target]:
        """The chain (the session's sticky model first) minus cooling models; all of them
        cooling → the one that recovers first."""
        targets = prefer(list(dict.fromkeys(decision.targets)), decision.sticky)
        if not self.cooldowns:
            return targets  # nothing has failed lately: the usual case
        ready = [t for t in targets if self.cooldowns.cooling(str(t)) == 0]
        if ready:
            return ready
        return sorted(targets, key=lambda t: self.cooldowns.cooling(str(t)))[:1]

    def complete(
        self,
        state: RouterState,
        decision: Decision,
        body: dict[str, Any],
        meta: RequestMeta,
        outcome: Outcome,
    ) -> Awaitable[dict[str, Any]]:
        """The Anthropic message of the first model that answers (the walk's coroutine itself:
        one frame fewer per resume)."""
        one = functools.partial(self._complete_one, state, outcome=outcome)
        return self._walk(state, decision, body, meta, outcome, False, one)

    def open_stream(
        self,
        state: RouterState,
        decision: Decision,
        body: dict[str, Any],
        meta: RequestMeta,
        outcome: Outcome,
    ) -> Awaitable[StreamResult]:
        """The first model whose stream reached content: its held events and the rest."""
        one = functools.partial(self._open_one, state, outcome=outcome)
        return self._walk(state, decision, body, meta, outcome, True, one)

    async def _walk(
        self,
        state: RouterState,
        decision: Decision,
        body: dict[str, Any],
        meta: RequestMeta,
        outcome: Outcome,
        stream: bool,
        run: Callable[[Prepared], Awaitable[T]],
    ) -> T:
        """Try each model in turn; return the first success or raise what to tell the client."""
        config = state.config
        if decision.target is None:
            raise RouterError(
                f"no model for route {decision.route!r}: set Router.default in "
                f"{config.path or 'the config'}",
                status=500,
            )
        queue = self.plan(decision)
        gate = RequestGate(self.catalog.view(config), body, meta.token_count)
        tried: set[Target] = set()
        waited = False
        last: RouterError | None = None
        while queue:
            target = queue.pop(0)
            if target in tried:
                continue
            tried.add(target)
            verdict = gate.verdict(target)
            if verdict.kind == "skipped":
                gate.skip(target, verdict)
                outcome.attempts.append(Attempt(str(target), None, f"{SKIPPED}{verdict.why}"))
                if not queue:  # the chain is used up: the routes made for what was lacking
                    queue += [
                        t for r in gate.more_routes() for t in config.chain(r) if t not in tried
                    ]
                continue
            try:
                sent = adjusted(body, verdict)
                prepared = prepare(config, state.chain_if_known(target), target, sent, meta, stream)
                outcome.clamped = verdict.why if verdict.kind == "clamped" else ""
                outcome.price = gate.price(target)
                result = await run(prepared)
            except UpstreamError as exc:
                last = exc
                self._failed(state, target, exc, outcome)
                if not (exc.retryable or exc.context_length):
                    raise
                if exc.context_length:
                    queue += [t for t in config.chain("longContext") if t not in tried]
                wait = exc.retry_after or 0
                if (
                    not queue
                    and not waited
                    and 0 < wait <= config.resilience.max_retry_after_wait_s
                ):
                    waited = True  # a short Retry-After on the last model: wait once, try again
                    tried.discard(target)
                    queue.append(target)
                    await asyncio.sleep(wait)
                continue
            except RouterError as exc:  # unknown provider, missing key: another model may work
                last = exc
                outcome.attempts.append(Attempt(str(target), None, exc.message, exc))
                log.warning("attempt %s skipped: %s", target, exc.message)
                continue
            outcome.target = target
            self.cooldowns.succeeded(str(target))
            return result
        if last is None:  # no model was sent anything: every one was skipped
            raise gate.error()
        if len(outcome.attempts) == 1:
            raise last
        raise AllModelsFailedError(outcome.attempts, as_upstream_error(last))

    def _send(
        self, state: RouterState, prepared: Prepared, stream: bool
    ) -> Awaitable[UpstreamResponse]:
        r = state.config.resilience
        return send(  # the coroutine itself, awaited by the caller: one frame fewer per resume
            self.client,
            prepared,
            stream=stream,
            first_byte_timeout_s=r.first_byte_timeout_s,
            read_timeout_s=state.config.api_timeout_ms / 1000,
            connect_timeout_s=r.connect_timeout_s,
        )

    async def _complete_one(
        self, state: RouterState, prepared: Prepared, *, outcome: Outcome
    ) -> dict[str, Any]:
        response = await self._send(state, prepared, stream=False)
        try:
            raw = await response.read()
        except TransportError as exc:
            raise UpstreamError(
                f"{prepared.target}: connection lost ({exc})", status=500, retryable=True
            ) from exc
        finally:
            await response.close()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise UpstreamError(
                f"{prepared.target}: answered with invalid JSON", status=500, retryable=True
            ) from exc
        if prepared.provider.kind == "anthropic":
            message = dict(body)
            outcome.summary = UpstreamSummary.of_message(message)
            return message
        cost, generation_id = billing_of(body)  # before a transformer changes the body
        for transformer in reversed(prepared.chain):
            body = transformer.transform_response(body, prepared.ctx)
        message = to_anthropic_message(body, prepared.ctx)
        outcome.summary = UpstreamSummary.of_message(message, cost, generation_id)
        return message

    async def _open_one(
        self, state: RouterState, prepared: Prepared, *, outcome: Outcome
    ) -> StreamResult:
        response = await self._send(state, prepared, stream=True)
        pipe: Pipe = (
            PassthroughPipe(prepared.ctx)
            if prepared.provider.kind == "anthropic"
            else TranslatingPipe(prepared.ctx, prepared.chain)
        )
        chunks = response.chunks()
        held: list[bytes] = []
        try:
            while not pipe.started_content:
                try:
                    raw = await anext(chunks)
                except StopAsyncIteration:
                    held.append(pipe.finish())  # a whole answer without a content block
                    await response.close()
                    outcome.summary = pipe.summary()
                    return StreamResult(b"".join(held), _empty())
                held.append(pipe.feed(raw))
        except TransportError as exc:
            await _close(response, chunks)
            raise UpstreamError(
                f"{prepared.target}: stream broke before any content ({exc})",
                status=500,
                retryable=True,
            ) from exc
        except BaseException:
            await _close(response, chunks)
            raise
        return StreamResult(b"".join(held), _relay(response, chunks, pipe, outcome))

    def _failed(
        self, state: RouterState, target: Target, exc: UpstreamError, outcome: Outcome
    ) -> None:
        outcome.attempts.append(Attempt(str(target), exc.upstream_status, _short(exc, target), exc))
        if exc.retryable:
            r = state.config.resilience
            self.cooldowns.failed(
                str(target),
                after_failures=r.cooldown_after_failures,
                cooldown_s=r.cooldown_s,
                retry_after=exc.retry_after,
            )
        log.warning("attempt %s failed: %s", target, exc.message)


def _short(exc: UpstreamError, target: Target) -> str:
    # The attempt already names its model; without it, models failing alike read alike.
    name = str(target)
    text = exc.message.removeprefix(f"{name}: ").removeprefix(f"{name} ")
    return text if len(text) <= 160 else text[:157] + "…"


async def _empty() -> AsyncGenerator[bytes, None]:
    return
    yield b""  # pragma: no cover


async def _close(response: UpstreamResponse, chunks: AsyncIterator[bytes]) -> None:
    await chunks.aclose()  # type: ignore[attr-defined]
    await response.close()


async def _relay(
    response: UpstreamResponse, chunks: AsyncIterator[bytes], pipe: Pipe, outcome: Outcome
) -> AsyncGenerator[bytes, None]:
    """The rest of a committed stream; failures become an ``event: error``; always closes."""
    try:
        try:
            async for raw in chunks:
                out = pipe.feed(raw)
                if out:
                    yield out
            yield pipe.finish()
        except RouterError as exc:  # upstream failures, and a user transformer failing mid-stream
            log.warning("stream from %s failed after content: %s", outcome.target, exc.message)
            yield pipe.fail(exc)
        except TransportError as exc:
            error = UpstreamError(
                f"{outcome.target}: connection lost mid-stream ({exc})",
                status=500,
                retryable=True,
            )
            log.warning("%s", error.message)
            yield pipe.fail(error)
    finally:
        await _close(response, chunks)
        outcome.summary = pipe.summary()
