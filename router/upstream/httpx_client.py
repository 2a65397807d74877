"""``HttpxClient``: an ``httpx.AsyncClient`` behind the upstream seam.

Tests inject one over the fake upstream's ``MockTransport``; any caller that already has an httpx
client may pass it to ``create_app``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import httpx

from ccrouter.upstream.base import HeaderMap, TransportError, UpstreamResponse


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
