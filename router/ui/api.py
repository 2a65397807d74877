"""The dashboard's data and config APIs (all behind a session; writes behind its CSRF token too).

    GET  /ui/api/usage?since=30d&by=model   totals, days and stacked series (``usage``)
    GET  /ui/api/routes                     each route's chain with live state (``chains``)
    GET  /ui/api/models                     the catalog; POST /ui/api/models/use {route, target}
    GET  /ui/api/config                     the file, secrets masked, and its version
    POST /ui/api/config/validate {text}     the problems ``ccrouter config validate`` would list
    POST /ui/api/config/diff {text}         the edit as a unified diff
    POST /ui/api/config {text, version}     check, write atomically, reload (``configpage``)

A save that would be refused writes nothing; a file changed on disk since the page read it is
not overwritten (409).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ccrouter.catalog.table import Catalog
from ccrouter.cli.common import CLIError
from ccrouter.config.reload import reload_now
from ccrouter.config.state import ReloadStatus, StateHolder, Statistics
from ccrouter.dispatch.cooldown import Cooldowns
from ccrouter.errors import RouterError
from ccrouter.server.endpoints import json_response
from ccrouter.ui import chains, configpage
from ccrouter.ui.usage import usage_payload

if TYPE_CHECKING:
    from ccrouter.ui.app import Dashboard


class Served(Protocol):
    """What the dashboard reads of the app (``CCRouterApp``)."""

    holder: StateHolder
    reload_status: ReloadStatus
    stats: Statistics
    cooldowns: Cooldowns
    catalog: Catalog
    config_path: Path | None
    bind_host: str | None


class ProblemsError(RouterError):
    """A refused config edit: the message, plus every problem for the page to list."""

    status = 400

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise RouterError("the body must be a JSON object", status=400) from None
    if not isinstance(body, dict):
        raise RouterError("the body must be a JSON object", status=400)
    return body


def _text(body: dict[str, Any]) -> str:
    text = body.get("text")
    if not isinstance(text, str):
        raise RouterError('send {"text": "<the whole config file>"}', status=400)
    return text


def _shown_error(served: Served) -> str | None:
    """Why the last reload failed, with the config's secrets masked."""
    error = served.reload_status.error
    return served.holder.current().config.redactor(error) if error else None


def api_routes(dashboard: Dashboard) -> list[Route]:
    served = dashboard.served

    def config_file() -> Path:
        if served.config_path is None:
            raise RouterError(
                "this router serves the embedded default config and has no file to edit; "
                "start it with --config FILE (or `ccrouter config init`)",
                status=409,
            )
        return served.config_path

    async def usage(request: Request) -> Response:
        dashboard.session(request)
        config = served.holder.current().config
        query = request.query_params
        try:
            payload = await asyncio.to_thread(
                usage_payload, config, query.get("since"), query.get("by")
            )
        except ValueError as exc:
            raise RouterError(str(exc), status=400) from None
        return json_response(payload)

    async def routes(request: Request) -> Response:
        dashboard.session(request)
        config = served.holder.current().config
        rows = chains.route_rows(
            config, served.catalog.view(config), served.cooldowns, dashboard.feed.recent()
        )
        return json_response({"routes": rows, "threshold": config.long_context_threshold})

    async def models(request: Request) -> Response:
        dashboard.session(request)
        config = served.holder.current().config
        return json_response({"models": chains.model_rows(config, served.catalog.view(config))})

    async def use_model(request: Request) -> Response:
        from ccrouter.cli.model import set_route

        dashboard.writer(request)
        body = await _body(request)
        route, target = body.get("route"), body.get("target")
        if not isinstance(route, str) or not isinstance(target, str):
            raise RouterError('send {"route": "default", "target": "provider,model"}', status=400)
        path = config_file()
        try:
            chosen, _ = await asyncio.to_thread(set_route, path, route, target)
        except CLIError as exc:
            raise RouterError(exc.message, status=400) from None
        applied = reload_now(served.holder, served.reload_status, path, served.bind_host)
        return json_response({"route": route, "target": chosen, "applied": applied})

    async def config_get(request: Request) -> Response:
        dashboard.session(request)
        path = config_file()
        real = configpage.current_text(path)
        return json_response(
            {
                "path": str(path),
                "exists": path.exists(),
                "text": configpage.masked(real),
                "version": configpage.version_of(real),
                "reload_error": _shown_error(served),
            }
        )

    async def config_validate(request: Request) -> Response:
        dashboard.writer(request)
        path = config_file()
        edited = configpage.unmask(_text(await _body(request)), configpage.current_text(path))
        checked = await asyncio.to_thread(configpage.check, edited, path)
        return json_response(checked.as_dict())

    async def config_diff(request: Request) -> Response:
        dashboard.writer(request)
        path = config_file()
        before = configpage.masked(configpage.current_text(path))
        return json_response(
            {"diff": configpage.diff(before, _text(await _body(request)), path.name)}
        )

    async def config_save(request: Request) -> Response:
        dashboard.writer(request)
        body = await _body(request)
        path = config_file()
        real = configpage.current_text(path)
        if body.get("version") != configpage.version_of(real):
            raise RouterError(
                f"{path.name} changed on disk since the page read it; reload the config "
                "(copy your edit first) and save again",
                status=409,
            )
        edited = configpage.unmask(_text(body), real)
        checked = await asyncio.to_thread(configpage.check, edited, path)
        if not checked.ok:
            raise ProblemsError(
                f"not saved: {len(checked.problems)} problem(s); the file is unchanged",
                checked.problems,
            )
        await asyncio.to_thread(configpage.write_atomically, path, edited)
        applied = reload_now(served.holder, served.reload_status, path, served.bind_host)
        return json_response(
            {
                "saved": True,
                "applied": applied,
                "reload_error": _shown_error(served),
                "warnings": checked.warnings,
                "text": configpage.masked(edited),
                "version": configpage.version_of(edited),
            }
        )

    return [
        Route("/ui/api/usage", usage, methods=["GET"]),
        Route("/ui/api/routes", routes, methods=["GET"]),
        Route("/ui/api/models", models, methods=["GET"]),
        Route("/ui/api/models/use", use_model, methods=["POST"]),
        Route("/ui/api/config", config_get, methods=["GET"]),
        Route("/ui/api/config", config_save, methods=["POST"]),
        Route("/ui/api/config/validate", config_validate, methods=["POST"]),
        Route("/ui/api/config/diff", config_diff, methods=["POST"]),
    ]
