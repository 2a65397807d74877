from __future__ import annotations

import socket

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from ccrouter.testing.fake.server import abort_connection, bind_socket, serve_in_loop


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    if scope["path"] == "/drop":
        assert abort_connection(scope)
        while (await receive())["type"] != "http.disconnect":
            pass
        return
    transport = scope["extensions"]["ccrouter.fake.transport"]["transport"]
    nodelay = transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok" if nodelay else b"nagle"})


async def test_serves_in_the_running_loop_and_stops() -> None:
    async with serve_in_loop(app) as port, httpx.AsyncClient() as client:
        assert port > 0
        response = await client.get(f"http://127.0.0.1:{port}/")
        assert response.text == "ok"  # and TCP_NODELAY is set on the accepted connection
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"http://127.0.0.1:{port}/drop")
        assert (await client.get(f"http://127.0.0.1:{port}/")).text == "ok"
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


def test_abort_connection_needs_the_fake_protocol() -> None:
    assert abort_connection({"type": "http", "extensions": {}}) is False
    assert abort_connection({"type": "http"}) is False


def test_bind_socket_picks_a_free_port() -> None:
    with bind_socket("127.0.0.1", 0) as sock:
        assert sock.getsockname()[1] > 0
        assert sock.proto == socket.IPPROTO_TCP  # or asyncio leaves Nagle on (40 ms a request)
