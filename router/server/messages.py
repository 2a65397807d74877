"""``POST /v1/messages``: parse → classify → dispatch → respond, as a raw ASGI handler.

Raw ASGI keeps the hot path short (no framework request objects) and lets the handler watch for
the client going away: a disconnect at any point — while models are tried or mid-stream —
cancels the work, which closes the upstream connection.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from typing import Any

import orjson

from ccrouter.config.model import Config
from ccrouter.config.state import DecisionRecord, RouterState, StateHolder
from ccrouter.dispatch.attempt import RequestMeta, user_hash_of
from ccrouter.dispatch.fallback import Dispatcher, Outcome
from ccrouter.errors import AuthenticationError, RouterError, to_anthropic_error
from ccrouter.ids import new_request_id
from ccrouter.log import log_request, request_log
from ccrouter.routing.conversation import Conversations
from ccrouter.routing.decide import decide
from ccrouter.routing.features import strip_subagent_tag
from ccrouter.routing.rules import Decision
from ccrouter.routing.tokens import TokenCounter
from ccrouter.server.validate import check_messages_request, parse_json_body
from ccrouter.types import Receive, Scope, Send

MAX_BODY = 64 * 1024 * 1024
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


class ClientGone(Exception):
    """The client disconnected before its request body arrived."""


async def read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise RouterError(f"request body over {MAX_BODY // 2**20} MiB", status=413)
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts) if len(parts) != 1 else parts[0]


class MessagesEndpoint:
    def __init__(
        self,
        holder: StateHolder,
        dispatcher: Dispatcher,
        counter: TokenCounter,
        conversations: Conversations | None = None,
    ) -> None:
        self.holder = holder
        self.dispatcher = dispatcher
        self.counter = counter
        self.conversations = conversations or Conversations()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        done = False
        response_started = False
        watcher: asyncio.Task[None] | None = None

        async def watch_disconnect() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    if not done and task is not None:
                        task.cancel()
                    return

        def start_watching() -> None:
            nonlocal watcher
            watcher = asyncio.ensure_future(watch_disconnect())

        def mark_started() -> None:
            nonlocal response_started
            response_started = True

        request_id = new_request_id()
        started = time.perf_counter()
        state = self.holder.current()
        headers = headers_of(scope)
        record = DecisionRecord(time.time(), "-", "-", "", 0, "error")
        timer: asyncio.TimerHandle | None = None
        try:
            check_auth(state.config, headers)
            raw = await read_body(receive)
            body = parse_json_body(raw)
            # The disconnect watcher is a Task; most answers that come back within
            # WATCH_AFTER_S never need one, and a model that takes longer pays ~15 µs once.
            timer = asyncio.get_running_loop().call_later(WATCH_AFTER_S, start_watching)
            await self._handle(
                state, body, len(raw), headers, request_id, record, send, mark_started
            )
            done = True
        except ClientGone:
            record.status = "client disconnected"
        except asyncio.CancelledError:
            record.status = "client disconnected"
            if watcher is None or not watcher.done():
                raise  # not our cancellation: the server is shutting down
            if task is not None:
                task.uncancel()  # ours, and handled: the task is not "cancelling" any more
        except Exception as exc:
            done = True
            wire = to_anthropic_error(exc, request_id)
            record.status = f"error {wire.status}"
            if not isinstance(exc, RouterError):
                log.exception("unexpected error handling %s", request_id)
            if response_started:
                return  # mid-stream failures already became an error event
            await _send_json(
                send, wire.status, wire.body, {**wire.headers, "request-id": request_id}
            )
        finally:
            done = True
            if timer is not None:
                timer.cancel()
            if watcher is not None:
                watcher.cancel()
            self.holder.requests += 1
            self.holder.record(record)
            if request_log.isEnabledFor(logging.INFO):
                log_request(_log_line(request_id, record, started))

    async def _handle(
        self,
        state: RouterState,
        body: dict[str, Any],
        size: int,
        headers: dict[str, str],
        request_id: str,
        record: DecisionRecord,
        send: Send,
        mark_started: Callable[[], None],
    ) -> None:
        check_messages_request(body)
        recall = self.conversations.recall(body, size)
        decided = await decide(state, self.counter, body, headers, self.holder.sessions.get, recall)
        view, decision, tokens = decided.view, decided.decision, decided.tokens
        self.holder.sessions.put(view.session_id, tokens)
        record.route, record.reason, record.tokens = decision.route, decision.reason, tokens
        record.target = str(decision.target)
        record.fallbacks = ",".join(f"({t})" for t in decision.chain)
        record.decide_ms = decided.ms
        record.session_id = view.session_id
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
            token_count=tokens,
            session_id=view.session_id,
            user_hash=user_hash_of(body),
            headers=headers,
            fallback_models=decision.targets
            if state.config.resilience.openrouter_models_for(decision.route)
            else (),
            recall=recall,
        )
        if view.stream:
            result = await self.dispatcher.open_stream(state, decision, body, meta)
            record.target = str(result.outcome.target)
            record.tried = result.outcome.tried_header() if result.outcome.attempts else ""
            mark_started()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": _headers(
                        request_id, decision, result.outcome, b"text/event-stream", stream=True
                    ),
                }
            )
            await send({"type": "http.response.body", "body": result.first, "more_body": True})
            try:
                async for chunk in result.rest:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            finally:
                await result.rest.aclose()  # type: ignore[attr-defined]
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            record.status = "ok"
            _take_summary(record, result.outcome.summary)
        else:
            message, outcome = await self.dispatcher.complete(state, decision, body, meta)
            record.target = str(outcome.target)
            record.tried = outcome.tried_header() if outcome.attempts else ""
            _take_summary(record, outcome.summary)
            mark_started()
            await _send_json(
                send, 200, message, {}, _headers(request_id, decision, outcome, b"application/json")
            )
            record.status = "ok"


def _take_summary(record: DecisionRecord, summary: dict[str, Any]) -> None:
    cost = summary.get("cost")
    record.cost = float(cost) if isinstance(cost, int | float) else None
    generation = summary.get("generation_id")
    record.generation_id = generation if isinstance(generation, str) else None


def _log_line(request_id: str, record: DecisionRecord, started: float) -> str:
    """The one info line per request (an f-string: about half the cost of %-formatting it)."""
    ms = (time.perf_counter() - started) * 1000
    return (
        f"{request_id} route={record.route} model={record.target} "
        f"fallbacks={record.fallbacks or '-'} reason={record.reason!r} tokens={record.tokens} "
        f"decide_ms={record.decide_ms:.2f} status={record.status} ms={ms:.1f}"
        f"{_upstream_facts(record)}"
    )


def _upstream_facts(record: DecisionRecord) -> str:
    facts = ""
    if record.tried:
        facts += f" tried=[{record.tried}]"
    if record.cost is not None:
        facts += f" cost={record.cost:.6f}"
    if record.generation_id:
        facts += f" gen={record.generation_id}"
    return facts


def _headers(
    request_id: str, decision: Decision, outcome: Outcome, content_type: bytes, stream: bool = False
) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", content_type),
        (b"request-id", request_id.encode()),
        (b"x-ccrouter-route", decision.route.encode()),
        (b"x-ccrouter-model", str(outcome.target).encode()),
        (b"x-ccrouter-tried", outcome.tried_header().encode()),
    ]
    if stream:
        headers.append((b"cache-control", b"no-cache"))
    return headers


async def _send_json(
    send: Send,
    status: int,
    body: dict[str, Any],
    extra: dict[str, str],
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    payload = orjson.dumps(body)
    raw = headers or [(b"content-type", b"application/json")]
    raw = raw + [(k.encode(), v.encode()) for k, v in extra.items()]
    raw.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
