"""The one shared upstream HTTP client, behind a one-method seam.

Production uses ``Http1Client`` (``http1_client``: asyncio + httptools), which costs ~2.5x less
CPU per request than aiohttp, which in turn cost ~0.3 ms less than httpx on this workload.
``AiohttpClient`` is used instead when a proxy is configured (``PROXY_URL``; the lean client does
no proxies) or when the environment says ``CCROUTER_UPSTREAM_CLIENT=aiohttp`` (an escape hatch
should an upstream hit an edge case of the lean client). Tests inject an ``httpx.AsyncClient``
over the fake upstream's ``MockTransport``, wrapped by ``HttpxClient``; the live and end-to-end
tests run the default path over real sockets.

Every transport failure surfaces as ``TransportError`` (connect / timeout / broken), so the
dispatcher does not care which client is behind it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from typing import Literal, Protocol

import aiohttp
import httpx

FailureKind = Literal["connect", "timeout", "broken"]


class TransportError(Exception):
    def __init__(self, kind: FailureKind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


class HeaderMap(Protocol):
    def get(self, key: str, /) -> str | None: ...


class UpstreamResponse(Protocol):
    status: int
    headers: HeaderMap

    async def read(self) -> bytes: ...
    def chunks(self) -> AsyncIterator[bytes]: ...
    async def close(self) -> None: ...


class UpstreamClient(Protocol):
    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
    ) -> UpstreamResponse:
        """POST and return once the response headers arrived (the body is not read)."""
        ...

    async def aclose(self) -> None: ...


# -- aiohttp ------------------------------------------------------------------------------------


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


# -- httpx (tests, and any caller that already has an httpx client) -----------------------------


def _httpx_error(exc: BaseException) -> TransportError:
    if isinstance(exc, httpx.ConnectError):
        return TransportError("connect", str(exc) or "connection refused")
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return TransportError("timeout", "timed out")
    return TransportError("broken", f"{type(exc).__name__}: {exc}")


class _HttpxResponse:
    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status = response.status_code
        self.headers: HeaderMap = response.headers

    async def read(self) -> bytes:
        try:
            return await self._response.aread()
        except httpx.HTTPError as exc:
            raise _httpx_error(exc) from exc

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_bytes():
                yield chunk
        except httpx.HTTPError as exc:
            raise _httpx_error(exc) from exc

    async def close(self) -> None:
        await self._response.aclose()


class HttpxClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
    ) -> UpstreamResponse:
        timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        request = self.client.build_request(
            "POST", url, content=body, headers=headers, timeout=timeout
        )
        try:
            response = await self.client.send(request, stream=True)
        except (httpx.HTTPError, OSError) as exc:
            raise _httpx_error(exc) from exc
        return _HttpxResponse(response)

    async def aclose(self) -> None:
        await self.client.aclose()


def as_upstream_client(
    client: UpstreamClient | httpx.AsyncClient | None, proxy_url: str | None
) -> UpstreamClient:
    if client is None:
        if proxy_url or os.environ.get("CCROUTER_UPSTREAM_CLIENT", "").lower() == "aiohttp":
            return AiohttpClient(proxy_url)
        # Imported here: http1_client imports TransportError and HeaderMap from this module.
        from ccrouter.upstream.http1 import Http1Client

        return Http1Client()
    if isinstance(client, httpx.AsyncClient):
        return HttpxClient(client)
    return client
