"""``as_upstream_client``: which upstream client the app uses.

Production uses ``Http1Client`` (``http1``: asyncio + httptools), which costs ~2.5x less CPU per
request than aiohttp, which in turn cost ~0.3 ms less than httpx on this workload.
``AiohttpClient`` is used instead when a proxy is configured (``PROXY_URL``; the lean client does
no proxies) or when the environment says ``CCROUTER_UPSTREAM_CLIENT=aiohttp``; aiohttp is
imported only then. Tests inject an ``httpx.AsyncClient`` over the fake upstream's
``MockTransport``, wrapped by ``HttpxClient``; the live and end-to-end tests run the default path
over real sockets.
"""

from __future__ import annotations

import os

import httpx

from ccrouter.upstream.base import UpstreamClient
from ccrouter.upstream.http1 import Http1Client
from ccrouter.upstream.httpx_client import HttpxClient


def as_upstream_client(
    client: UpstreamClient | httpx.AsyncClient | None, proxy_url: str | None
) -> UpstreamClient:
    if client is None:
        if proxy_url or os.environ.get("CCROUTER_UPSTREAM_CLIENT", "").lower() == "aiohttp":
            # Imported here, not at the top: only a proxy or the escape hatch pays for aiohttp.
            from ccrouter.upstream.aiohttp_client import AiohttpClient

            return AiohttpClient(proxy_url)
        return Http1Client()
    if isinstance(client, httpx.AsyncClient):
        return HttpxClient(client)
    return client
