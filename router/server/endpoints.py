"""Everything but the hot path: count_tokens, models, health, probes, status for the CLI.

Every error, including unknown paths and wrong methods, comes back in Anthropic's shape.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ccrouter import __version__
from ccrouter.catalog.table import Catalog
from ccrouter.config.state import ReloadStatus, StateHolder, Statistics
from ccrouter.dispatch.cooldown import Cooldowns
from ccrouter.errors import RouterError, to_anthropic_error
from ccrouter.log import log_request, request_log
from ccrouter.routing.tokens import TokenCounter, encoding_status
from ccrouter.server.body import BodyLimits, ClientGone, read_body
from ccrouter.server.messages import check_auth, headers_of
from ccrouter.server.validate import check_messages_request, parse_json_body

log = logging.getLogger("ccrouter.server.endpoints")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def error_response(exc: BaseException) -> Response:
    wire = to_anthropic_error(exc)
    return json_response(wire.body, wire.status, wire.headers)


class Served(Protocol):
    """What these endpoints read of the app (``CCRouterApp``)."""

    holder: StateHolder
    reload_status: ReloadStatus
    stats: Statistics
    counter: TokenCounter
    cooldowns: Cooldowns
    catalog: Catalog
    limits: BodyLimits


def build_api(served: Served, lifespan: Any) -> Starlette:
    holder, stats, counter = served.holder, served.stats, served.counter

    def authorised(request: Request) -> None:
        check_auth(holder.current().config, headers_of(request.scope))

    async def count_tokens(request: Request) -> Response:
        started = time.perf_counter()
        headers = headers_of(request.scope)
        check_auth(holder.current().config, headers)
        raw = await read_body(request.receive, headers, served.limits)
        body = parse_json_body(raw)
        check_messages_request(body, need_max_tokens=False)
        tokens, method = await counter.measure(body, len(raw))
        if request_log.isEnabledFor(logging.INFO):
            ms = (time.perf_counter() - started) * 1000
            log_request(f"count_tokens tokens={tokens} ({method}) bytes={len(raw)} ms={ms:.1f}")
        return json_response({"input_tokens": tokens})

    async def models(request: Request) -> Response:
        authorised(request)
        created = datetime.fromtimestamp(stats.started_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        config = holder.current().config
        view = served.catalog.view(config)
        data: list[dict[str, Any]] = []
        for p in config.providers.values():
            for m in p.models:
                entry: dict[str, Any] = {
                    "type": "model",
                    "id": f"{p.name},{m}",
                    "display_name": f"{m} via {p.name}",
                    "created_at": created,
                }
                facts = view.lookup(p.name, m)
                # The Models API's names, which Claude Code's capability reader parses.
                if facts is not None and facts.context:
                    entry["max_input_tokens"] = facts.context
                if facts is not None and facts.max_output:
                    entry["max_tokens"] = facts.max_output
                data.append(entry)
        return json_response(
            {
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            }
        )

    async def health(request: Request) -> Response:
        return json_response(health_report(served))

    async def root(request: Request) -> Response:
        return json_response({"name": "ccrouter", "version": __version__})

    async def hello(request: Request) -> Response:
        return json_response({"ok": True})

    async def status(request: Request) -> Response:
        authorised(request)
        return json_response(status_report(served))

    async def statusline(request: Request) -> Response:
        authorised(request)
        session_id = request.query_params.get("session_id")
        record = stats.latest(session_id)
        return json_response(record.__dict__ if record else {})

    async def router_error(request: Request, exc: Exception) -> Response:
        return error_response(exc)

    async def client_gone(request: Request, exc: Exception) -> Response:
        log.info("%s %s: the client left before its body arrived", request.method, request.url.path)
        return Response(status_code=400)  # nobody is there to read it

    async def http_error(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        message = (
            f"{request.method} {request.url.path} is not a ccrouter endpoint"
            if code in (404, 405)
            else str(getattr(exc, "detail", exc))
        )
        return error_response(RouterError(message, status=404 if code == 405 else code))

    # Starlette (FastAPI's core) directly: FastAPI's import alone cost ~250 ms of start-up and
    # ~15 MB of resident memory for these six small endpoints.
    return Starlette(
        routes=[
            Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/", root, methods=["GET", "HEAD"]),
            Route("/api/hello", hello, methods=["GET", "HEAD"]),
            Route("/api/status", status, methods=["GET"]),
            Route("/api/statusline", statusline, methods=["GET"]),
        ],
        exception_handlers={
            RouterError: router_error,
            HTTPException: http_error,
            ClientGone: client_gone,
        },
        lifespan=lifespan,
    )


def health_report(served: Served) -> dict[str, Any]:
    state = served.holder.current()
    config = state.config
    used = {t.provider for chain in config.routes.values() for t in chain}
    providers = {
        p.name: {
            "ok": p.missing_key is None,
            **({"problem": p.missing_key} if p.missing_key else {}),
        }
        for p in config.providers.values()
    }
    problems = [
        f"provider {name}: {info['problem']}"
        for name, info in providers.items()
        if not info["ok"] and name in used
    ]
    if served.reload_status.error:
        problems.append(
            "last config reload failed (serving the previous config): " + served.reload_status.error
        )
    problems += list(state.load_problems)
    problems += [why for router in state.custom_routers if (why := router.guard.why_off())]
    return {
        "status": "degraded" if problems else "ok",
        "version": __version__,
        "pid": os.getpid(),
        "problems": problems,
        "config": str(config.path) if config.path else "embedded default",
        "providers": providers,
        "routes": {name: [str(t) for t in chain] for name, chain in config.routes.items()},
        "tokenizer": encoding_status(),
        "uptime_s": served.stats.uptime_s(),
        "requests": served.stats.requests,
        "cooldowns": served.cooldowns.snapshot(),
    }


def status_report(served: Served) -> dict[str, Any]:
    """``/api/status`` (behind APIKEY): what ``ccrouter status`` shows."""
    state = served.holder.current()
    return {
        **served.stats.report(),
        "config_path": str(state.config.path) if state.config.path else None,
        "reloads": served.reload_status.reloads,
        "reload_error": served.reload_status.error,
        "custom_routers": [r.name for r in state.custom_routers],
        "load_problems": list(state.load_problems),
        "version": __version__,
        "pid": os.getpid(),
        "cooldowns": served.cooldowns.snapshot(),
    }
