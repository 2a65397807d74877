"""Run an ASGI app on a real loopback port inside the test's event loop, and stop it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


class ServerURL(str):
    """The base URL; ``.server`` is the running uvicorn server (for connection counts)."""

    server: uvicorn.Server


@asynccontextmanager
async def serve_app(
    app: Any, *, lifespan: str = "on", config: uvicorn.Config | None = None
) -> AsyncIterator[ServerURL]:
    """``config``: uvicorn's settings for ``app`` (default: plain uvicorn, quiet)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = config or uvicorn.Config(app, log_level="warning", lifespan=lifespan, access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if task.done():
            task.result()
        url = ServerURL(f"http://127.0.0.1:{port}")
        url.server = server
        yield url
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, 10)
        except TimeoutError:
            task.cancel()
        sock.close()
