"""``AiohttpClient``: the upstream client behind a proxy (``PROXY_URL``; the lean client does no
proxies) or when ``CCROUTER_UPSTREAM_CLIENT=aiohttp`` says so (an escape hatch should an upstream
hit an edge case of the lean client). Imported only then: aiohttp adds ~100 ms to start-up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import aiohttp

from ccrouter.upstream.base import HeaderMap, TransportError, UpstreamResponse


def _aiohttp_error(exc: BaseException) -> TransportError:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransportError("connect", str(exc) or "connection refused")
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return TransportError("timeout", "timed out")
    return TransportError("broken", f"{type(exc).__name__}: {exc}")


class _AiohttpResponse:
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers: HeaderMap = response.headers

    async def read(self) -> bytes:
        try:
            return await self._response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _aiohttp_error(exc) from exc

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _aiohttp_error(exc) from exc

    async def close(self) -> None:
        if self._response.content.at_eof():
            self._response.release()  # fully read: the connection goes back to the pool
        else:
            self._response.close()  # abandoned mid-body: drop it, so the upstream stops too


class AiohttpClient:
    def __init__(self, proxy_url: str | None = None, max_connections: int = 512) -> None:
        self._proxy = proxy_url
        self._max = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running event loop.
        connector = aiohttp.TCPConnector(limit=self._max, limit_per_host=0, keepalive_timeout=60)
        self._session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout())
        return self._session

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
    ) -> UpstreamResponse:
        session = self._session or self._open()
        timeout = aiohttp.ClientTimeout(sock_connect=connect_timeout_s, sock_read=read_timeout_s)
        try:
            response = await session.post(
                url, data=body, headers=dict(headers), timeout=timeout, proxy=self._proxy
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _aiohttp_error(exc) from exc
        return _AiohttpResponse(response)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
