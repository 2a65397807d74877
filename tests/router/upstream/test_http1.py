"""Http1Client over real loopback sockets: pooling, framing, encodings, failures, TLS, uvloop."""

from __future__ import annotations

import asyncio
import gc
import gzip
import logging
import shutil
import ssl
import subprocess
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
import uvloop

from ccrouter.upstream.base import TransportError
from ccrouter.upstream.connection import HIGH_WATER
from ccrouter.upstream.http1 import Http1Client, Http1Response
from tests.raw_http import RawConn, chunked, keep_answering, raw_server, response
from tests.waiting import eventually

BODY = b'{"model":"m","stream":true}'
SECRET = "sk-or-v1-do-not-leak"
HEADERS = {"content-type": "application/json", "authorization": f"Bearer {SECRET}"}
PATH = "/api/v1/chat/completions"
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


async def post(
    client: Http1Client,
    url: str,
    *,
    read_timeout_s: float = 2.0,
    headers: Mapping[str, str] = HEADERS,
) -> Http1Response:
    return await client.post(
        url + PATH, BODY, headers, connect_timeout_s=1, read_timeout_s=read_timeout_s
    )


async def fetch(client: Http1Client, url: str, *, stream: bool = False) -> bytes:
    response = await post(client, url)
    try:
        if stream:
            return b"".join([piece async for piece in response.chunks()])
        return await response.read()
    finally:
        await response.close()


async def failure(client: Http1Client, url: str, *, read_timeout_s: float = 2.0) -> TransportError:
    """The TransportError a request (head and body) ends with; it must not carry the key."""
    with pytest.raises(TransportError) as info:
        response = await post(client, url, read_timeout_s=read_timeout_s)
        try:
            await response.read()
        finally:
            await response.close()
    assert SECRET not in f"{info.value!s} {info.value!r} {info.value.__cause__!r}"
    return info.value


def open_connections(client: Http1Client) -> int:
    return len(client._open)


@pytest.fixture
async def client() -> AsyncIterator[Http1Client]:
    client = Http1Client()
    yield client
    await client.aclose()


# -- keep-alive ---------------------------------------------------------------------------------


async def test_sequential_requests_share_one_connection(client: Http1Client) -> None:
    async with raw_server(keep_answering(b"hello")) as server:
        for _ in range(3):
            assert await fetch(client, server.url) == b"hello"
        assert server.accepted == 1
    request = server.requests[0]
    assert request.head.startswith(f"POST {PATH} HTTP/1.1\r\n".encode())
    assert request.headers["host"] == server.url.removeprefix("http://")
    assert request.headers["content-length"] == str(len(BODY)) and request.body == BODY
    assert request.headers["accept-encoding"] == "gzip, deflate"
    assert request.headers["authorization"] == f"Bearer {SECRET}"


async def test_the_client_owns_framing_headers(client: Http1Client) -> None:
    headers = {"Host": "elsewhere", "Content-Length": "999", "Accept-Encoding": "br", "X-A": "1"}
    async with raw_server(keep_answering()) as server:
        response = await post(client, server.url, headers=headers)
        await response.close()
    head = server.requests[0].head.lower()
    assert head.count(b"host:") == head.count(b"content-length:") == 1
    assert b"elsewhere" not in head and b"br" not in head and b"x-a: 1" in head


async def test_a_connection_the_server_closed_while_idle_is_not_reused(
    client: Http1Client,
) -> None:
    async def answer_once(conn: RawConn) -> None:
        await conn.read_request()
        await conn.send(response(b"once"))

    async with raw_server(answer_once) as server:
        assert await fetch(client, server.url) == b"once"
        await eventually(
            lambda: open_connections(client) == 0, "the server's close to reach the idle connection"
        )
        assert await fetch(client, server.url) == b"once"
        assert server.accepted == 2


async def test_a_connection_closed_as_it_is_reused_is_retried_once(client: Http1Client) -> None:
    async def handler(conn: RawConn) -> None:
        if conn.server.accepted > 1:
            return await keep_answering(b"second")(conn)
        await conn.read_request()
        await conn.send(response(b"first"))
        await conn.read_request()  # the next request arrives as the keep-alive timer fires

    async with raw_server(handler) as server:
        assert await fetch(client, server.url) == b"first"
        assert await fetch(client, server.url) == b"second"
        assert server.accepted == 2 and len(server.requests) == 3


async def test_a_new_connection_closed_before_answering_is_not_retried(
    client: Http1Client,
) -> None:
    async def hang_up(conn: RawConn) -> None:
        await conn.read_request()

    async with raw_server(hang_up) as server:
        error = await failure(client, server.url)
        assert error.kind == "broken" and "before the response" in str(error)
        assert server.accepted == 1


async def test_connection_close_from_the_server_is_honoured(client: Http1Client) -> None:
    async def answer_then_linger(conn: RawConn) -> None:
        await conn.read_request()
        await conn.send(response(b"bye", "Connection: close"))
        await conn.client_gone()  # the server leaves it to the client to close

    async with raw_server(answer_then_linger) as server:
        assert await fetch(client, server.url) == b"bye"
        assert await server.wait_gone() and open_connections(client) == 0
        assert await fetch(client, server.url) == b"bye"
        assert server.accepted == 2


async def test_idle_connections_are_closed_after_the_idle_timeout() -> None:
    client = Http1Client(idle_timeout_s=0.2)
    async with raw_server(keep_answering()) as server:
        await fetch(client, server.url)
        assert open_connections(client) == 1
        assert await server.wait_gone(timeout=2.0)
        assert open_connections(client) == 0
    await client.aclose()


async def test_a_full_pool_waits_for_a_free_connection() -> None:
    client = Http1Client(max_connections=1)

    async def slow(conn: RawConn) -> None:
        while await conn.read_request() is not None:
            await asyncio.sleep(0.05)
            await conn.send(response(b"slow"))

    async with raw_server(slow) as server:
        bodies = await asyncio.gather(*(fetch(client, server.url) for _ in range(3)))
        assert bodies == [b"slow"] * 3 and server.accepted == 1
    await client.aclose()


async def test_a_full_pool_closes_an_idle_connection_to_another_upstream() -> None:
    client = Http1Client(max_connections=1)
    async with raw_server(keep_answering(b"a")) as a, raw_server(keep_answering(b"b")) as b:
        assert await fetch(client, a.url) == b"a"
        assert await fetch(client, b.url) == b"b"
        assert await a.wait_gone() and open_connections(client) == 1
    await client.aclose()


# -- framing and encodings ----------------------------------------------------------------------


async def test_status_and_headers_are_case_insensitive(client: Http1Client) -> None:
    raw = response(b"{}", "Retry-After: 4", "X-Dup: a", "x-dup: b", status="429 Too Many")
    async with raw_server(lambda conn: _answer(conn, raw)) as server:
        result = await post(client, server.url)
        assert result.status == 429
        assert result.headers.get("retry-after") == "4" and result.headers.get("X-DUP") == "a, b"
        assert result.headers.get("missing") is None
        assert await result.read() == b"{}"
        await result.close()


@pytest.mark.parametrize("stream", [False, True], ids=["read", "chunks"])
async def test_a_body_that_ends_with_the_connection(client: Http1Client, stream: bool) -> None:
    async def until_eof(conn: RawConn) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ")
        await asyncio.sleep(0.05)
        await conn.send(b"part two")

    async with raw_server(until_eof) as server:
        assert await fetch(client, server.url, stream=stream) == b"part one, part two"
        assert open_connections(client) == 0


async def test_a_chunked_body_streams_piece_by_piece(client: Http1Client) -> None:
    async def trickle(conn: RawConn) -> None:
        await conn.read_request()
        await conn.send(CHUNKED_HEAD)
        for word in (b"alpha ", b"beta ", b"gamma"):
            await conn.send(b"%x\r\n%s\r\n" % (len(word), word))
            await asyncio.sleep(0.03)
        await conn.send(b"0\r\n\r\n")
        await keep_answering(b"again")(conn)

    async with raw_server(trickle) as server:
        result = await post(client, server.url)
        pieces = [piece async for piece in result.chunks()]
        await result.close()
        assert pieces == [b"alpha ", b"beta ", b"gamma"]
        assert await fetch(client, server.url) == b"again" and server.accepted == 1


def _compress(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data)
    z = zlib.compressobj(wbits=zlib.MAX_WBITS if encoding == "deflate-zlib" else -zlib.MAX_WBITS)
    return z.compress(data) + z.flush()


@pytest.mark.parametrize("stream", [False, True], ids=["read", "chunks"])
@pytest.mark.parametrize("encoding", ["gzip", "deflate-zlib", "deflate-raw"])
async def test_compressed_bodies_are_decoded(
    client: Http1Client, encoding: str, stream: bool
) -> None:
    text = b'data: {"delta": "hello compressed world"}\n\n' * 300
    packed = _compress(encoding, text)
    name = encoding.split("-")[0]

    async def compressed(conn: RawConn) -> None:
        await conn.read_request()
        await conn.send(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
            % name.encode()
        )
        for i in range(0, len(packed), 7):  # awkward slices: headers and blocks split
            await conn.send(chunked(packed[i : i + 7])[:-5])  # one chunk, no terminator
        await conn.send(b"0\r\n\r\n")
        await keep_answering()(conn)

    async with raw_server(compressed) as server:
        assert await fetch(client, server.url, stream=stream) == text
        assert await fetch(client, server.url) == b"ok" and server.accepted == 1


async def test_a_corrupt_compressed_body_is_broken(client: Http1Client) -> None:
    raw = response(b"this is not gzip", "Content-Encoding: gzip")
    async with raw_server(lambda conn: _answer(conn, raw)) as server:
        error = await failure(client, server.url)
        assert error.kind == "broken" and "undecodable" in str(error)


async def _answer(conn: RawConn, raw: bytes) -> None:
    await conn.read_request()
    await conn.send(raw)
    await conn.client_gone()


# -- failures -----------------------------------------------------------------------------------


async def test_a_refused_connection_is_a_connect_failure(client: Http1Client) -> None:
    async with raw_server(keep_answering()) as server:
        url = server.url  # closed when the block ends: nothing listens there any more
    assert (await failure(client, url)).kind == "connect"
    assert open_connections(client) == 0


async def test_no_response_head_in_time_is_a_timeout(client: Http1Client) -> None:
    async def silent(conn: RawConn) -> None:
        await conn.read_request()
        await conn.client_gone()

    async with raw_server(silent) as server:
        started = time.monotonic()
        error = await failure(client, server.url, read_timeout_s=0.2)
        assert error.kind == "timeout" and time.monotonic() - started < 1.0
        assert await server.wait_gone() and open_connections(client) == 0


async def test_a_stall_between_pieces_is_a_timeout(client: Http1Client) -> None:
    async def stall(conn: RawConn) -> None:
        await conn.read_request()
        await conn.send(CHUNKED_HEAD + b"5\r\nhello\r\n")
        await conn.client_gone()

    async with raw_server(stall) as server:
        result = await post(client, server.url, read_timeout_s=0.2)
        pieces = result.chunks()
        assert await anext(pieces) == b"hello"
        with pytest.raises(TransportError) as info:
            await anext(pieces)
        assert info.value.kind == "timeout"
        await result.close()
        assert await server.wait_gone() and open_connections(client) == 0


async def test_a_slow_steady_stream_is_not_a_timeout(client: Http1Client) -> None:
    """The read timeout bounds each wait, not the whole body."""

    async def steady(conn: RawConn) -> None:
        await conn.read_request()
        await conn.send(CHUNKED_HEAD)
        for _ in range(8):
            await asyncio.sleep(0.08)
            await conn.send(b"1\r\n.\r\n")
        await conn.send(b"0\r\n\r\n")
        await conn.client_gone()

    async with raw_server(steady) as server:
        result = await post(client, server.url, read_timeout_s=0.25)
        assert await result.read() == b"." * 8
        await result.close()


@pytest.mark.parametrize("how", ["reset", "eof"])
async def test_a_connection_lost_mid_body_is_broken(client: Http1Client, how: str) -> None:
    async def cut(conn: RawConn) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        await asyncio.sleep(0.05)
        if how == "reset":
            conn.reset()

    async with raw_server(cut) as server:
        error = await failure(client, server.url)
        assert error.kind == "broken" and "mid-response" in str(error)
        assert open_connections(client) == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["status-line", "content-length", "chunk-size"],
)
async def test_a_malformed_response_is_broken(client: Http1Client, raw: bytes) -> None:
    async with raw_server(lambda conn: _answer(conn, raw)) as server:
        error = await failure(client, server.url)
        assert error.kind == "broken" and "malformed" in str(error)
        assert open_connections(client) == 0


async def test_bytes_after_the_response_keep_the_connection_out_of_the_pool(
    client: Http1Client,
) -> None:
    raw = response(b"ok") + b"HTTP/1.1 200 OK\r\n"
    async with raw_server(lambda conn: _answer(conn, raw)) as server:
        assert await fetch(client, server.url) == b"ok"
        assert open_connections(client) == 0


async def test_a_header_with_a_line_break_is_refused_without_echoing_it(
    client: Http1Client,
) -> None:
    async with raw_server(keep_answering()) as server:
        headers = {"authorization": f"Bearer {SECRET}\r\nX-Injected: 1"}
        with pytest.raises(TransportError) as info:
            await post(client, server.url, headers=headers)
        assert SECRET not in str(info.value) and "authorization" in str(info.value)
        assert server.requests == []


# -- streams the caller gives up on -------------------------------------------------------------


async def test_abandoning_a_stream_closes_the_upstream_connection(client: Http1Client) -> None:
    async def endless(conn: RawConn) -> None:
        await conn.read_request()
        await conn.send(CHUNKED_HEAD + b"5\r\nfirst\r\n")
        await conn.client_gone()

    async with raw_server(endless) as server:
        result = await post(client, server.url)
        pieces = result.chunks()
        assert await anext(pieces) == b"first"
        await pieces.aclose()  # type: ignore[attr-defined]
        await result.close()
        assert await server.wait_gone() and open_connections(client) == 0


@pytest.mark.parametrize("phase", ["head", "body"])
async def test_cancelling_mid_request_leaves_no_pooled_connection(
    client: Http1Client, phase: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def never_ends(conn: RawConn) -> None:
        if conn.server.accepted > 1:
            return await keep_answering()(conn)
        await conn.read_request()
        if phase == "body":
            await conn.send(CHUNKED_HEAD + b"5\r\nhello\r\n")
        await conn.client_gone()

    received: list[bytes] = []

    async def consume(url: str) -> None:
        result = await post(client, url, read_timeout_s=10)
        try:
            async for piece in result.chunks():
                received.append(piece)
        finally:
            await result.close()

    caplog.set_level(logging.WARNING)
    async with raw_server(never_ends) as server:
        task = asyncio.ensure_future(consume(server.url))
        if phase == "head":
            await eventually(lambda: bool(server.requests), "the request to reach the server")
        else:
            await eventually(lambda: bool(received), "the first piece of the endless body")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await server.wait_gone() and open_connections(client) == 0
        assert await fetch(client, server.url) == b"ok"  # the client still works
    gc.collect()  # "exception was never retrieved" is logged when a future is collected
    assert [r for r in caplog.records if r.name == "asyncio"] == []


async def test_a_slow_reader_pauses_the_socket_instead_of_buffering(client: Http1Client) -> None:
    total = 24 * 1024 * 1024  # the kernel holds ~6 MB of it while we pause
    sent = 0

    async def flood(conn: RawConn) -> None:
        nonlocal sent
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % total)
        piece = b"x" * (256 * 1024)
        while sent < total:
            await conn.send(piece)
            sent += len(piece)
        await keep_answering()(conn)

    async with raw_server(flood) as server:
        result = await post(client, server.url)
        pieces = result.chunks()
        received = len(await anext(pieces))
        conn = result._conn
        assert conn is not None
        # The reader is busy elsewhere: the connection stops reading once its buffer is full.
        await eventually(lambda: conn.pauses >= 1, "the connection to pause reading")
        assert conn.buffered < HIGH_WATER + 1024 * 1024
        assert sent < total  # the upstream is held back by TCP, not by our memory
        async for piece in pieces:
            received += len(piece)
        await result.close()
        assert received == total
        assert await fetch(client, server.url) == b"ok" and server.accepted == 1


# -- TLS and uvloop -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_contexts(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(*certificate)
    return server, ssl.create_default_context(cafile=str(certificate[0]))


async def test_https_with_a_trusted_certificate(certificate: tuple[Path, Path]) -> None:
    server_tls, client_tls = tls_contexts(certificate)
    client = Http1Client(ssl_context=client_tls)
    async with raw_server(keep_answering(b"secure"), ssl_context=server_tls) as server:
        assert server.url.startswith("https://")
        assert await fetch(client, server.url) == b"secure"
        assert await fetch(client, server.url, stream=True) == b"secure"
        assert server.accepted == 1
    await client.aclose()


async def test_an_untrusted_certificate_is_a_connect_failure(
    certificate: tuple[Path, Path], client: Http1Client
) -> None:
    server_tls, _ = tls_contexts(certificate)
    async with raw_server(keep_answering(), ssl_context=server_tls) as server:
        error = await failure(client, server.url)
        assert error.kind == "connect" and "certificate" in str(error).lower()


def test_the_same_behaviour_on_uvloop(certificate: tuple[Path, Path]) -> None:
    async def scenario() -> None:
        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        server_tls, client_tls = tls_contexts(certificate)
        client = Http1Client(ssl_context=client_tls)
        await test_sequential_requests_share_one_connection(client)
        await test_a_connection_closed_as_it_is_reused_is_retried_once(client)
        await test_compressed_bodies_are_decoded(client, "gzip", stream=True)
        await test_a_body_that_ends_with_the_connection(client, stream=False)
        await test_no_response_head_in_time_is_a_timeout(client)
        await test_a_slow_steady_stream_is_not_a_timeout(client)
        await test_a_connection_lost_mid_body_is_broken(client, "reset")
        await test_abandoning_a_stream_closes_the_upstream_connection(client)
        await test_a_slow_reader_pauses_the_socket_instead_of_buffering(client)
        async with raw_server(keep_answering(b"secure"), ssl_context=server_tls) as server:
            assert await fetch(client, server.url) == b"secure"
            assert await fetch(client, server.url) == b"secure" and server.accepted == 1
        await client.aclose()

    uvloop.run(scenario())
