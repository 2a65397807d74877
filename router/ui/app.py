"""``Dashboard``: the browser dashboard under ``/ui`` on the router's own port.

    GET  /ui/                 the page (the login page while signed out behind an APIKEY)
    GET  /ui/static/…         its scripts, styles and the charting library (no build step)
    POST /ui/api/login        {"key"} -> session cookie; POST /ui/api/logout
    GET  /ui/api/session      the CSRF token and what the server is (version, config, reloads)
    GET  /ui/api/live         server-sent events: each finished request (``live``)
    …                         the data and config APIs (``api``)

Who may come in is ``auth``'s business; every answer that is not a page is JSON, errors in
Anthropic's shape.
"""

from __future__ import annotations

import asyncio
from importlib import resources
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from ccrouter import __version__
from ccrouter.errors import RouterError, to_anthropic_error
from ccrouter.server.endpoints import error_response, json_response
from ccrouter.types import Receive, Scope, Send
from ccrouter.ui import auth
from ccrouter.ui.live import LiveFeed

if TYPE_CHECKING:
    from ccrouter.ui.api import Served

_SECURITY_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' "
    "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def _page(name: str) -> str:
    return resources.files("ccrouter.ui").joinpath("static", name).read_text("utf-8")


class Dashboard:
    def __init__(self, served: Served) -> None:
        self.served = served
        self.feed = LiveFeed()
        self.sessions = auth.Sessions()
        self._app: Starlette | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:  # built on the first visit: the router starts without it
            self._app = self._build()
        await self._app(scope, receive, send)

    # -- who is asking --------------------------------------------------------------------------

    def _admitted(self, request: Request) -> None:
        """Without an APIKEY, nobody but this machine (by a loopback name) gets anything."""
        if self.served.holder.current().config.apikey:
            return
        client = request.client.host if request.client else None
        if not auth.loopback_request(client, request.headers.get("host", "")):
            raise RouterError(
                "the dashboard is served only to this machine while no APIKEY is set: open it "
                "at http://127.0.0.1:<port>/ui/, or set APIKEY in the config to sign in from "
                "elsewhere",
                status=403,
            )

    def session(self, request: Request) -> auth.Session:
        """The signed-in session of an API call; 401 otherwise."""
        self._admitted(request)
        session = self.sessions.get(request.cookies.get(auth.COOKIE))
        keyed = self.served.holder.current().config.apikey is not None
        if session is None or (keyed and not session.by_key):
            raise RouterError("not signed in: open /ui/ and sign in with the APIKEY", status=401)
        return session

    def writer(self, request: Request) -> auth.Session:
        """A signed-in session whose request carries its CSRF token and a JSON body."""
        session = self.session(request)
        if not auth.csrf_ok(session, request.headers.get(auth.CSRF_HEADER)):
            raise RouterError(
                "missing or wrong X-CSRF-Token header: reload the page and try again",
                status=403,
            )
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise RouterError("send the body as JSON (content-type: application/json)", status=415)
        return session

    # -- handlers -------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        self._admitted(request)
        keyed = self.served.holder.current().config.apikey is not None
        session = self.sessions.get(request.cookies.get(auth.COOKIE))
        if session is not None and (session.by_key or not keyed):
            return self._html("index.html")
        if keyed:
            return self._html("login.html")
        response = self._html("index.html")  # loopback without a key: a session on first visit
        response.headers["set-cookie"] = auth.cookie_header(self.sessions.open(by_key=False))
        return response

    def _html(self, name: str) -> Response:
        return Response(_page(name), headers=_SECURITY_HEADERS, media_type="text/html")

    async def login(self, request: Request) -> Response:
        self._admitted(request)
        apikey = self.served.holder.current().config.apikey
        if apikey is None:
            raise RouterError("no APIKEY is set, so there is nothing to sign in with", status=400)
        body = await _json_body(request)
        given = body.get("key") if isinstance(body, dict) else None
        if not isinstance(given, str) or not auth.key_matches(given, apikey):
            await asyncio.sleep(0.3)  # slows guessing down a little; a key is long anyway
            raise RouterError("that is not this router's APIKEY", status=401)
        session = self.sessions.open(by_key=True)
        response = json_response({"ok": True})
        response.headers["set-cookie"] = auth.cookie_header(session)
        return response

    async def logout(self, request: Request) -> Response:
        self.writer(request)
        self.sessions.close(request.cookies.get(auth.COOKIE))
        response = json_response({"ok": True})
        response.headers["set-cookie"] = auth.clear_cookie_header()
        return response

    async def session_info(self, request: Request) -> Response:
        session = self.session(request)
        served = self.served
        config = served.holder.current().config
        return json_response(
            {
                "csrf": session.csrf,
                "signed_in_with": "apikey" if session.by_key else "loopback",
                "version": __version__,
                "config_path": str(served.config_path) if served.config_path else None,
                "reloads": served.reload_status.reloads,
                "reload_error": config.redactor(served.reload_status.error or "") or None,
                "requests": served.stats.requests,
                "uptime_s": served.stats.uptime_s(),
                "debug": config.log_level == "debug",
            }
        )

    async def live(self, request: Request) -> Response:
        self.session(request)
        after = request.headers.get("last-event-id") or request.query_params.get("after")
        start = int(after) if after and after.isdigit() else None
        return StreamingResponse(
            self.feed.stream(start),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    async def recent(self, request: Request) -> Response:
        self.session(request)
        return json_response({"events": self.feed.recent(last=200)})

    def _build(self) -> Starlette:
        from starlette.staticfiles import StaticFiles

        from ccrouter.ui.api import ProblemsError, api_routes

        async def root(request: Request) -> Response:
            return RedirectResponse("/ui/", status_code=307)

        async def router_error(request: Request, exc: Exception) -> Response:
            return error_response(exc)

        async def problems_error(request: Request, exc: Exception) -> Response:
            wire = to_anthropic_error(exc)
            problems = exc.problems if isinstance(exc, ProblemsError) else []
            return json_response({**wire.body, "problems": problems}, wire.status)

        async def http_error(request: Request, exc: Exception) -> Response:
            code = exc.status_code if isinstance(exc, HTTPException) else 500
            message = (
                f"{request.method} {request.url.path} is not a dashboard address"
                if code in (404, 405)
                else str(getattr(exc, "detail", exc))
            )
            return error_response(RouterError(message, status=404 if code == 405 else code))

        static = StaticFiles(packages=[("ccrouter.ui", "static")])
        return Starlette(
            routes=[
                Route("/ui", root, methods=["GET"]),
                Route("/ui/", self.index, methods=["GET"]),
                Mount("/ui/static", static),
                Route("/ui/api/login", self.login, methods=["POST"]),
                Route("/ui/api/logout", self.logout, methods=["POST"]),
                Route("/ui/api/session", self.session_info, methods=["GET"]),
                Route("/ui/api/live", self.live, methods=["GET"]),
                Route("/ui/api/recent", self.recent, methods=["GET"]),
                *api_routes(self),
            ],
            exception_handlers={
                ProblemsError: problems_error,
                RouterError: router_error,
                HTTPException: http_error,
            },
        )


async def _json_body(request: Request) -> Any:
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise RouterError("the body must be JSON", status=400) from None
