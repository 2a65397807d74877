"""The one upstream HTTP client seam: a one-method protocol, its response, its one error.

``UpstreamClient.post()`` returns once the response head arrived; the dispatcher reads the body
or its chunks from the ``UpstreamResponse``. Every transport failure surfaces as
``TransportError`` (connect / timeout / broken), so the dispatcher does not care which client is
behind the seam. The clients: ``http1.Http1Client`` (the default), ``aiohttp_client`` (proxies,
escape hatch), ``httpx_client`` (tests); ``factory.as_upstream_client`` picks one.

Standard library only: the clients import this module, never the other way round.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Literal, Protocol

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
