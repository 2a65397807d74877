"""Every upstream client behaves alike: status, headers, body, chunks, and failure kinds."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import HttpError, Text
from ccrouter.upstream.aiohttp_client import AiohttpClient
from ccrouter.upstream.base import TransportError, UpstreamClient
from ccrouter.upstream.http1 import Http1Client
from ccrouter.upstream.httpx_client import HttpxClient

BODY = orjson.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True})
HEADERS = {"content-type": "application/json", "authorization": "Bearer k"}


SOCKET_CLIENTS = {"aiohttp": AiohttpClient, "http1": Http1Client}


@pytest.fixture(params=["aiohttp", "http1", "httpx"])
async def client_and_url(
    request: pytest.FixtureRequest, fake: FakeOpenRouter
) -> AsyncIterator[tuple[UpstreamClient, str]]:
    if request.param == "httpx":
        client: UpstreamClient = HttpxClient(httpx.AsyncClient(transport=fake.transport()))
        yield client, "http://fake.test/api/v1"
        await client.aclose()
        return
    async with fake.serve() as url:
        client = SOCKET_CLIENTS[request.param]()
        yield client, url
        await client.aclose()


async def test_stream_read_in_chunks(
    client_and_url: tuple[UpstreamClient, str], fake: FakeOpenRouter
) -> None:
    client, url = client_and_url
    fake.default = Text("hello there")
    response = await client.post(
        f"{url}/chat/completions", BODY, HEADERS, connect_timeout_s=2, read_timeout_s=5
    )
    assert response.status == 200
    body = b"".join([chunk async for chunk in response.chunks()])
    await response.close()
    assert b"hello there"[:8] in body and body.rstrip().endswith(b"[DONE]")
    assert fake.requests[-1].headers["authorization"] == "Bearer k"


async def test_error_status_and_headers(
    client_and_url: tuple[UpstreamClient, str], fake: FakeOpenRouter
) -> None:
    client, url = client_and_url
    fake.default = HttpError(429, "slow down", retry_after=4)
    response = await client.post(
        f"{url}/chat/completions", BODY, HEADERS, connect_timeout_s=2, read_timeout_s=5
    )
    assert response.status == 429 and response.headers.get("retry-after") == "4"
    assert b"slow down" in await response.read()
    await response.close()


async def test_refused_connection_is_a_connect_failure() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    for client in (AiohttpClient(), Http1Client(), HttpxClient(httpx.AsyncClient())):
        with pytest.raises(TransportError) as info:
            await client.post(
                f"http://127.0.0.1:{port}/v1/chat/completions",
                BODY,
                HEADERS,
                connect_timeout_s=1,
                read_timeout_s=1,
            )
        assert info.value.kind == "connect"
        await client.aclose()


@pytest.mark.parametrize("kind", sorted(SOCKET_CLIENTS))
async def test_abandoning_a_stream_drops_the_connection(fake: FakeOpenRouter, kind: str) -> None:
    fake.default = Text("word " * 200, chunk_chars=5, chunk_delay=0.02)
    async with fake.serve() as url:
        client: UpstreamClient = SOCKET_CLIENTS[kind]()
        response = await client.post(
            f"{url}/chat/completions", BODY, HEADERS, connect_timeout_s=2, read_timeout_s=5
        )
        chunks = response.chunks()
        await anext(chunks)
        await chunks.aclose()  # type: ignore[attr-defined]
        await response.close()
        assert await fake.wait_disconnect(timeout=1.0)
        await client.aclose()
