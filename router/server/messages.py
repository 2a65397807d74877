"""``POST /v1/messages``: parse → classify → dispatch → respond, as a raw ASGI handler.

Raw ASGI keeps the hot path short (no framework request objects) and lets the handler watch for
the client going away: a disconnect at any point — while models are tried or mid-stream —
cancels the work, which closes the upstream connection.

The answer is a stream or a JSON message (``_stream``/``_json``, sending through
``ccrouter.server.responders``); the request's record is built once, at the end
(``ccrouter.server.record``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import logging
import time
from typing import Any

import orjson

from ccrouter import redact
from ccrouter.config.model import Config
from ccrouter.config.state import RouterState, StateHolder, Statistics
from ccrouter.dispatch.attempt import RequestMeta, user_hash_of
from ccrouter.dispatch.fallback import Dispatcher, Outcome
from ccrouter.errors import AuthenticationError, RouterError, to_anthropic_error
from ccrouter.ids import new_request_id
from ccrouter.log import log_request, request_log
from ccrouter.routing.conversation import Conversations
from ccrouter.routing.decide import Decided, decide
from ccrouter.routing.features import strip_subagent_tag
from ccrouter.routing.rules import Decision
from ccrouter.routing.sessions import SessionFacts, Sessions
from ccrouter.routing.tokens import TokenCounter
from ccrouter.server.body import BodyLimits, ClientGone, read_body
from ccrouter.server.record import decision_record, log_line
from ccrouter.server.responders import (
    EVENT_STREAM,
    JSON,
    routing_headers,
    send_error,
    send_json,
    send_stream,
)
from ccrouter.server.validate import check_messages_request, check_routed_models, parse_json_body
from ccrouter.types import Receive, Scope, Send
from ccrouter.usage.ledger import FirstByte, Ledger

WATCH_AFTER_S = 0.05  # start watching for a client disconnect when an answer takes this long
log = logging.getLogger("ccrouter.server.messages")


def headers_of(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def check_auth(config: Config, headers: dict[str, str]) -> None:
    if not config.apikey:
        return
    given = headers.get("x-api-key")
    if given is None:
        auth = headers.get("authorization", "")
        given = auth[7:] if auth[:7].lower() == "bearer " else None
    if given is None:
        raise AuthenticationError(
            "missing API key: this ccrouter requires its APIKEY as x-api-key or "
            "Authorization: Bearer (set ANTHROPIC_AUTH_TOKEN for Claude Code)"
        )
    if not hmac.compare_digest(given.encode(), config.apikey.encode()):
        raise AuthenticationError(
            "invalid API key: send the APIKEY from the ccrouter config (ANTHROPIC_AUTH_TOKEN)"
        )


class DisconnectWatch:
    """Cancels the request's task when the client disconnects, once an answer takes a while.

    The watcher is a Task; most answers come back within ``WATCH_AFTER_S`` and never need one,
    and a model that takes longer pays ~15 µs once.
    """

    __slots__ = ("_receive", "_task", "_timer", "_watcher", "_done")

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._task = asyncio.current_task()
        self._timer: asyncio.TimerHandle | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._done = False

    def arm(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(WATCH_AFTER_S, self._start)

    def _start(self) -> None:
        self._watcher = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                if not self._done and self._task is not None:
                    self._task.cancel()
                return

    def absorb(self) -> bool:
        """Whether a cancellation was ours (the client left; it is then undone), not a shutdown."""
        if self._watcher is None or not self._watcher.done():
            return False
        if self._task is not None:
            self._task.uncancel()  # handled: the task is not "cancelling" any more
        return True

    def stop(self) -> None:
        self._done = True
        if self._timer is not None:
            self._timer.cancel()
        if self._watcher is not None:
            self._watcher.cancel()


class MessagesEndpoint:
    def __init__(
        self,
        holder: StateHolder,
        dispatcher: Dispatcher,
        counter: TokenCounter,
        conversations: Conversations | None = None,
        stats: Statistics | None = None,
        sessions: Sessions | None = None,
        limits: BodyLimits | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.holder = holder
        self.ledger = ledger  # the usage ledger; None or not started: no rows
        self.limits = limits or BodyLimits()
        self.stats = stats or Statistics()
        self.sessions = sessions or Sessions()
        self.dispatcher = dispatcher
        self.counter = counter
        self.conversations = conversations or Conversations()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = new_request_id()
        started, at = time.perf_counter(), time.time()
        state = self.holder.current()
        secrets = redact.use(state.config.redactor)  # for every error and log line of this request
        headers = headers_of(scope)
        watch = DisconnectWatch(receive)
        first = FirstByte(send) if self.ledger is not None and self.ledger.recording else None
        send = first or send
        outcome = Outcome()
        decided: Decided | None = None
        status = "error"
        try:
            check_auth(state.config, headers)
            raw = await read_body(receive, headers, self.limits)
            body = parse_json_body(raw)
            watch.arm()
            decided, body, meta = await self._decide(state, body, len(raw), headers, request_id)
            respond = self._stream if decided.view.stream else self._json
            status = await respond(state, decided.decision, body, meta, outcome, request_id, send)
        except ClientGone:
            status = "client disconnected"
        except asyncio.CancelledError:
            status = "client disconnected"
            if not watch.absorb():
                raise  # not our cancellation: the server is shutting down
        except Exception as exc:
            watch.stop()
            status = _failed(exc, request_id)
            decision = decided.decision if decided else None
            await send_error(
                send,
                to_anthropic_error(state.config.redactor.error(exc), request_id),
                routing_headers(JSON, request_id, decision, outcome),
            )
        finally:
            watch.stop()
            facts = self._finished(decided, outcome)
            record = decision_record(at, decided, outcome, status, facts)
            self.stats.record(record)
            if first is not None:
                self._ledger_row(request_id, at, started, first, decided, outcome, status, headers)
            if request_log.isEnabledFor(logging.INFO):
                log_request(
                    log_line(request_id, record, started, decided.token_method if decided else "")
                )
            redact.reset(secrets)

    async def _decide(
        self,
        state: RouterState,
        body: dict[str, Any],
        size: int,
        headers: dict[str, str],
        request_id: str,
    ) -> tuple[Decided, dict[str, Any], RequestMeta]:
        """The routing decision, the body to send on, and what its translation needs."""
        check_messages_request(body)
        recall = self.conversations.recall(body, size)
        agent = headers.get("x-claude-code-agent-id", "")[:64] or None  # a subagent's lane

        def last_tokens(session: str | None) -> int | None:
            return self.sessions.last_tokens(session, agent)

        decided = await decide(state, self.counter, body, headers, last_tokens, recall, size)
        view = decided.view
        check_routed_models(decided.decision.targets)  # a <CCR-SUBAGENT-MODEL> tag, a router
        cooling = self.dispatcher.cooldowns.cooling
        decision = self.sessions.steer(
            view.session_id, agent, decided.decision, lambda target: cooling(str(target))
        )
        if decision is not decided.decision:  # the session kept its model: a new copy
            decided = dataclasses.replace(decided, decision=decision)
        if view.subagent_model is not None:
            body = strip_subagent_tag(body)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s decision %s in %.2f ms; body %s",
                request_id,
                decision,
                decided.ms,
                orjson.dumps(body)[:4000],
            )
        meta = RequestMeta(
            requested_model=view.model,
            token_count=decided.tokens,
            session_id=view.session_id,
            user_hash=user_hash_of(body),
            headers=headers,
            fallback_models=decision.targets
            if state.config.resilience.openrouter_models_for(decision.route)
            else (),
            recall=recall,
        )
        return decided, body, meta

    def _ledger_row(
        self,
        request_id: str,
        at: float,
        started: float,
        first: FirstByte,
        decided: Decided | None,
        outcome: Outcome,
        status: str,
        headers: dict[str, str],
    ) -> None:
        """The request's usage row, queued: the ledger's thread writes it."""
        if self.ledger is None:
            return
        latency_ms = (time.perf_counter() - started) * 1000
        ttft_ms = (first.at - started) * 1000 if first.at is not None else None
        try:
            self.ledger.record(
                request_id, at, latency_ms, ttft_ms, decided, outcome, status, headers
            )
        except Exception:  # a usage row is never worth a failed request
            log.exception("usage row of %s not recorded", request_id)

    def _finished(self, decided: Decided | None, outcome: Outcome) -> SessionFacts | None:
        """The session memory learns how the request went; its facts go in the record."""
        if decided is None:
            return None
        view, summary = decided.view, outcome.summary
        return self.sessions.finished(
            view.session_id,
            view.agent_id,
            decided.decision,
            decided.tokens,
            outcome.target,
            summary.usage if summary else None,
        )

    async def _stream(
        self,
        state: RouterState,
        decision: Decision,
        body: dict[str, Any],
        meta: RequestMeta,
        outcome: Outcome,
        request_id: str,
        send: Send,
    ) -> str:
        """Answer with a stream; returns the record's status."""
        result = await self.dispatcher.open_stream(state, decision, body, meta, outcome)
        try:
            await send_stream(
                send, result, routing_headers(EVENT_STREAM, request_id, decision, outcome)
            )
        except Exception as exc:  # the stream has begun: its failure cannot be an answer now
            return _failed(exc, request_id)
        return "ok"

    async def _json(
        self,
        state: RouterState,
        decision: Decision,
        body: dict[str, Any],
        meta: RequestMeta,
        outcome: Outcome,
        request_id: str,
        send: Send,
    ) -> str:
        """Answer with one JSON message; returns the record's status."""
        message = await self.dispatcher.complete(state, decision, body, meta, outcome)
        await send_json(send, 200, message, routing_headers(JSON, request_id, decision, outcome))
        return "ok"


def _failed(exc: Exception, request_id: str) -> str:
    """The record's status for a failed request; an unexpected exception is logged in full."""
    if isinstance(exc, RouterError):
        return f"error {exc.status}"
    log.exception("unexpected error handling %s", request_id)
    return "error 500"
