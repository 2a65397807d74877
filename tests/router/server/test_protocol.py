"""What the server layer answers before ccrouter sees a request (issue 14 rows 5, 10, 11): a real
uvicorn on loopback with ccrouter's protocol and settings, raw bytes on the wire."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccrouter.app import create_app
from ccrouter.server.protocol import error_bytes
from ccrouter.server.run import server_config
from tests.conftest import base_config
from tests.servers import ServerURL, serve_app

HEADER_TIMEOUT_S = 0.3


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerURL]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config()))
    app = create_app(path, watch=False)
    app.limits.idle_timeout_s = HEADER_TIMEOUT_S
    config = server_config(app, header_timeout_s=HEADER_TIMEOUT_S)
    config.lifespan = "off"
    async with serve_app(app, config=config) as url:
        yield url


async def exchange(url: str, data: bytes, timeout: float = 3.0) -> bytes:
    """Send ``data``, then read until the server closes the connection."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


def parse(raw: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, orjson.loads(body)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n",
        b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ],
    ids=["broken-chunked", "negative-length", "nul-in-header", "no-request-line"],
)
async def test_unparseable_requests_get_an_anthropic_400(
    server: ServerURL, request_bytes: bytes
) -> None:
    status, headers, body = parse(await exchange(server, request_bytes))
    assert status == 400 and headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert body["type"] == "error"
    assert body["error"] == {"type": "invalid_request_error", "message": body["error"]["message"]}
    assert "well-formed HTTP/1.1" in body["error"]["message"]


async def test_oversized_headers_get_an_anthropic_431(server: ServerURL) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    status, _, body = parse(await exchange(server, request))
    assert status == 431 and "over 64 KiB" in body["error"]["message"]


async def test_slow_loris_connections_are_answered_and_closed(server: ServerURL) -> None:
    started = time.monotonic()
    partial = [b"GET /health HTTP/1.1\r\nHost: x\r\n", b"POST /v1/messages HTTP/1.1\r\nHo", b""]
    answers = await asyncio.gather(*(exchange(server, data) for data in partial * 2))
    assert time.monotonic() - started < 2.0  # all closed by the server after ~0.3 s
    for data, raw in zip(partial * 2, answers, strict=True):
        if not data:
            assert raw == b""  # nothing was asked: closed without an answer
            continue
        status, _, body = parse(raw)
        assert status == 408 and body["error"]["type"] == "timeout_error"
    # The server still answers at once.
    ok = await exchange(server, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 200 ")


async def test_a_stalled_body_on_a_real_connection_gets_408_and_a_close(
    server: ServerURL,
) -> None:
    request = b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
    status, headers, body = parse(await exchange(server, request))
    assert status == 408 and headers["connection"] == "close"
    assert "nothing arrived" in body["error"]["message"]


async def test_a_huge_declared_body_is_refused_without_being_read(server: ServerURL) -> None:
    request = (
        b"POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 209715200\r\n\r\n{"
    )
    status, headers, body = parse(await exchange(server, request))
    assert status == 413 and headers["connection"] == "close"
    assert body["error"]["type"] == "request_too_large"


async def test_count_tokens_client_leaving_mid_body_logs_no_traceback(
    server: ServerURL, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    host, port = server.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"
    )
    await writer.drain()
    tasks = server.server.server_state.tasks
    for _ in range(200):  # the request is being handled: its body is being read
        if tasks:
            break
        await asyncio.sleep(0.01)
    writer.close()
    for _ in range(200):  # the server notices the close within a few ms
        if any("left before its body arrived" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.01)
    assert any("left before its body arrived" in r.getMessage() for r in caplog.records)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_error_bytes_are_a_complete_response() -> None:
    raw = error_bytes(400, "bad")
    status, headers, body = parse(raw)
    assert status == 400 and int(headers["content-length"]) == len(orjson.dumps(body))
    assert body == {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}


async def test_the_head_deadline_applies_to_each_request_on_a_keep_alive_connection(
    server: ServerURL,
) -> None:
    host, port = server.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 3)
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        await asyncio.wait_for(reader.readexactly(length), 3)
        assert head.startswith(b"HTTP/1.1 200 ")
        writer.write(b"GET /health HTTP/1.1\r\nHo")  # the second request never completes
        started = time.monotonic()
        status, _, body = parse(await asyncio.wait_for(reader.read(), 3))
        assert status == 408 and time.monotonic() - started < 2.0
    finally:
        writer.close()
