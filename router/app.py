"""``create_app()``: the ASGI application, its shared upstream client and its config watcher.

``POST /v1/messages`` goes straight to the raw handler (the hot path); every other request goes
to the FastAPI app. One ``httpx.AsyncClient`` (on aiohttp's engine, several times faster than
httpx's own on this workload) is shared by every request; tests inject their own client built
on the fake upstream's transport.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from ccrouter.api import build_api
from ccrouter.cooldown import Cooldowns
from ccrouter.dispatch import Dispatcher
from ccrouter.messages import MessagesEndpoint, Receive, Scope, Send
from ccrouter.reload import watch_forever
from ccrouter.snapshot import build_state
from ccrouter.state import RouterState, StateHolder
from ccrouter.tokens import TokenCounter

log = logging.getLogger("ccrouter.app")


def make_upstream_client(
    proxy_url: str | None = None, connect_timeout_s: float = 10.0
) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=128, keepalive_expiry=60)
    timeout = httpx.Timeout(600.0, connect=connect_timeout_s)
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:  # pragma: no cover - the dependency is declared; keep working without it
        return httpx.AsyncClient(limits=limits, timeout=timeout, proxy=proxy_url)
    proxy = httpx.Proxy(proxy_url) if proxy_url else None
    transport = AiohttpTransport(limits=limits, proxy=proxy)
    return httpx.AsyncClient(transport=transport, timeout=timeout)


class CCRouterApp:
    """The top-level ASGI app."""

    def __init__(
        self,
        config_path: Path | None,
        state: RouterState,
        client: httpx.AsyncClient | None = None,
        watch: bool = True,
    ) -> None:
        self.config_path = config_path
        self.holder = StateHolder(state)
        self.cooldowns = Cooldowns()
        self.counter = TokenCounter()
        self._own_client = client is None
        config = state.config
        self.dispatcher = Dispatcher(
            client or make_upstream_client(config.proxy_url, config.resilience.connect_timeout_s),
            self.cooldowns,
        )
        self.messages = MessagesEndpoint(self.holder, self.dispatcher, self.counter)
        self.watch = watch
        self.api = build_api(self.holder, self.counter, self.cooldowns, self._lifespan)

    @asynccontextmanager
    async def _lifespan(self, _app: Any) -> AsyncIterator[None]:
        stop = asyncio.Event()
        watcher = (
            asyncio.ensure_future(watch_forever(self.holder, self.config_path, stop))
            if self.watch
            else None
        )
        try:
            yield
        finally:
            stop.set()
            if watcher is not None:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
            if self._own_client:
                await self.dispatcher.client.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == "/v1/messages"
            and scope["method"] == "POST"
        ):
            await self.messages(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def create_app(
    config_path: str | Path | None = None,
    *,
    client: httpx.AsyncClient | None = None,
    watch: bool = True,
) -> CCRouterApp:
    """Build the app from a config file (None: the embedded default config)."""
    path = Path(config_path).expanduser() if config_path is not None else None
    return CCRouterApp(path if path and path.exists() else path, build_state(path), client, watch)
