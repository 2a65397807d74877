"""Running an ASGI app (the fake OpenRouter) on uvicorn: in the current event loop for tests, or
as a process for end-to-end tests.

The fake must be able to drop a connection (``Cut``, ``Refuse``) without uvicorn answering a 500
or logging an error, so requests served here carry their socket transport in the ASGI scope
(``abort_connection``). Stopping the in-loop server skips uvicorn's graceful shutdown, which sleeps
at least 0.1 s and waits for every open stream: a test is over, nothing is worth draining.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any, Protocol

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ccrouter.listen import bind_socket
from ccrouter.types import ASGIApp

_TRANSPORT_KEY = "ccrouter.fake.transport"


class _Abortable(Protocol):
    def abort(self) -> None: ...


class FakeHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, handing each request its connection's transport."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {_TRANSPORT_KEY: {"transport": self.transport}}


def abort_connection(scope: MutableMapping[str, Any]) -> bool:
    """Reset the request's TCP connection; ``False`` when not served by ``FakeHttpProtocol``."""
    transport: _Abortable | None = (
        scope.get("extensions", {}).get(_TRANSPORT_KEY, {}).get("transport")
    )
    if transport is None:
        return False
    transport.abort()
    return True


def _config(app: ASGIApp, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        http=FakeHttpProtocol,
        interface="asgi3",
        ws="none",
        lifespan="off",
        access_log=False,
        proxy_headers=False,
        **options,
    )


@asynccontextmanager
async def serve_in_loop(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[int]:
    """Serve ``app`` in the running loop; yields the bound port. Leaves logging config alone."""
    sock = bind_socket(host, port)
    config = _config(app, log_config=None)
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    try:
        await server.startup(sockets=[sock])
        yield sock.getsockname()[1]
    finally:
        await _stop(server)
        sock.close()


async def _stop(server: uvicorn.Server) -> None:
    for listener in getattr(server, "servers", []):
        listener.close()
    for connection in list(server.server_state.connections):
        if isinstance(connection, FakeHttpProtocol):
            connection.transport.abort()  # handlers see http.disconnect and return
        else:
            connection.shutdown()
    tasks = set(server.server_state.tasks)
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=2.0)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for listener in getattr(server, "servers", []):
        await listener.wait_closed()


class _AnnouncingServer(uvicorn.Server):
    """Prints one line once listening, so a parent process can read the port."""

    def __init__(self, config: uvicorn.Config, line: str) -> None:
        super().__init__(config)
        self._line = line

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            sys.stdout.write(self._line + "\n")
            sys.stdout.flush()


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def run_process(app: ASGIApp, host: str, port: int, name: str) -> None:
    """Serve until SIGTERM or SIGINT, then exit 0.

    uvicorn takes over both signals while serving and re-raises the caught one after its graceful
    shutdown; the handlers installed here turn that (or a signal before startup) into exit 0.
    """
    sock = bind_socket(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    line = f"{name} listening on http://{shown_host}:{sock.getsockname()[1]}"
    config = _config(app, log_level="warning", timeout_graceful_shutdown=1)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_quietly)
    _AnnouncingServer(config, line).run(sockets=[sock])
