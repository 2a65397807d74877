"""Connection fed raw bytes through a hand-written transport: parsing, reuse, flow control."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ccrouter.upstream.connection import HIGH_WATER, Connection

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Id: 7\r\n\r\nhello"


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.paused = False
        self.closed: str | None = None

    def writelines(self, data: Any) -> None:
        self.written.extend(data)

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def is_closing(self) -> bool:
        return self.closed is not None

    def abort(self) -> None:
        self.closed = "abort"

    def close(self) -> None:
        self.closed = "close"

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class Wire:
    """A connection on a fake transport, with one request sent."""

    def __init__(self) -> None:
        self.forgotten: list[Connection] = []
        self.transport = FakeTransport()
        self.conn = Connection(("http", "h", 80), asyncio.get_running_loop(), self.forgotten.append)
        self.conn.connection_made(self.transport)
        self.conn.send(b"POST / HTTP/1.1\r\n\r\n", b"{}")

    def feed(self, *pieces: bytes) -> Connection:
        for piece in pieces:
            self.conn.data_received(piece)
        return self.conn


async def test_a_response_split_byte_by_byte() -> None:
    wire = Wire()
    conn = wire.feed(*(OK[i : i + 1] for i in range(len(OK))))
    assert wire.transport.written == [b"POST / HTTP/1.1\r\n\r\n", b"{}"]
    assert conn.status == 200 and conn.head[b"x-id"] == b"7" and conn.complete
    assert conn.take() == b"hello" and conn.finish() and not wire.transport.closed


async def test_an_informational_response_is_skipped() -> None:
    conn = Wire().feed(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK)
    assert conn.status == 200 and b"link" not in conn.head and conn.take() == b"hello"


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ],
    ids=["connection-close", "http-1.0"],
)
async def test_a_response_that_ends_the_connection_is_not_reusable(raw: bytes) -> None:
    conn = Wire().feed(raw)
    assert conn.complete and conn.take() == b"ok" and not conn.finish()


async def test_bytes_after_the_response_make_it_unreusable_but_not_failed() -> None:
    conn = Wire().feed(OK + b"HTTP/1.1 200 OK\r\n")
    assert conn.complete and conn.take() == b"hello"
    assert conn.error is not None and not conn.finish()


async def test_bytes_on_an_idle_connection_close_it() -> None:
    wire = Wire()
    conn = wire.feed(OK)
    conn.take()
    assert conn.finish()
    conn.data_received(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
    assert wire.transport.closed and wire.forgotten == [conn]


async def test_reading_pauses_past_the_high_water_mark_and_resumes_when_drained() -> None:
    wire = Wire()
    conn = wire.feed(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (3 * HIGH_WATER))
    conn.data_received(b"x" * HIGH_WATER)
    assert not wire.transport.paused
    conn.data_received(b"x")
    assert wire.transport.paused and conn.pauses == 1
    assert len(conn.take()) == HIGH_WATER + 1 and not wire.transport.paused


async def test_a_paused_connection_is_resumed_before_it_goes_idle() -> None:
    wire = Wire()
    conn = wire.feed(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (HIGH_WATER + 1))
    conn.data_received(b"x" * (HIGH_WATER + 1))
    assert wire.transport.paused and conn.complete
    assert conn.finish() and not wire.transport.paused


async def test_closed_before_any_byte_is_stale() -> None:
    wire = Wire()
    wire.conn.connection_lost(None)
    assert wire.conn.stale and wire.conn.error is not None and wire.conn.error.kind == "broken"
    assert wire.forgotten == [wire.conn]


async def test_closed_mid_response_is_broken_not_stale() -> None:
    wire = Wire()
    conn = wire.feed(OK[:-2])
    conn.connection_lost(ConnectionResetError("reset by peer"))
    assert not conn.stale and conn.error is not None and "mid-response" in str(conn.error)


async def test_a_body_without_length_ends_with_the_connection() -> None:
    conn = Wire().feed(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
    assert not conn.complete
    conn.connection_lost(None)
    assert conn.complete and conn.error is None and conn.take() == b"until the end"
    assert not conn.finish()


async def test_a_body_without_length_cut_by_a_reset_is_broken() -> None:
    conn = Wire().feed(b"HTTP/1.1 200 OK\r\n\r\nuntil the")
    conn.connection_lost(ConnectionResetError("reset by peer"))
    assert not conn.complete and conn.error is not None and conn.error.kind == "broken"


async def test_no_content_is_complete_at_once() -> None:
    conn = Wire().feed(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert conn.complete and conn.status == 204 and conn.finish()


async def test_the_read_timeout_ends_the_wait_fails_the_exchange_and_aborts() -> None:
    wire = Wire()
    async with asyncio.timeout(1):
        await wire.conn.wait(0.05)  # woken by the timer; the error is stored, not raised
    assert wire.conn.error is not None and wire.conn.error.kind == "timeout"
    assert wire.transport.closed == "abort"
