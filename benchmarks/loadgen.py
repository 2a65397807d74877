"""A small, fast HTTP/1.1 load generator: raw asyncio connections, httptools parsing, keep-alive.

Each client owns one keep-alive connection and sends pre-encoded request bytes back to back
(closed loop). Per request it records the latency (request written → last byte), the time to
the first response byte, the status and the body size; a sample of bodies is kept for checks.
Every run is bounded by a request count *and* a deadline, and every request by a timeout.

Costs on the load generator's side are a few microseconds per request (no HTTP client library,
no per-request task), so on one core it drives several thousand requests per second.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httptools

MakeRequest = Callable[[int], bytes]


class ConnectionFailed(Exception):
    pass


class HttpConnection(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[None] | None = None
        self.closed = False
        self.status = 0
        self.first = 0.0
        self.end = 0.0
        self.nbytes = 0
        self.keep = False
        self.parts: list[bytes] = []

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if not self.first:
            self.first = time.perf_counter()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionFailed(f"bad HTTP response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionFailed(f"connection lost: {exc}"))

    # httptools callbacks
    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.nbytes += len(body)
        if self.keep:
            self.parts.append(body)

    def on_message_complete(self) -> None:
        self.end = time.perf_counter()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    async def request(self, data: bytes, keep: bool, timeout: float) -> None:
        """Send one request and wait for its whole response (fields hold the result)."""
        if self.closed or self.transport is None:
            raise ConnectionFailed("connection closed")
        loop = asyncio.get_running_loop()
        self.waiter = waiter = loop.create_future()
        self.status, self.first, self.end, self.nbytes = 0, 0.0, 0.0, 0
        self.keep, self.parts = keep, []
        self.transport.write(data)
        timer = loop.call_later(timeout, self._fail, TimeoutError(f"no answer in {timeout:g}s"))
        try:
            await waiter
        finally:
            timer.cancel()
            self.waiter = None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


async def connect(host: str, port: int) -> HttpConnection:
    loop = asyncio.get_running_loop()
    _, protocol = await asyncio.wait_for(
        loop.create_connection(HttpConnection, host, port), timeout=5
    )
    return protocol


@dataclass
class RunResult:
    """What one closed-loop run measured (latencies in ms)."""

    clients: int
    elapsed_s: float = 0.0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latency_ms: list[float] = field(default_factory=list)
    ttfb_ms: list[float] = field(default_factory=list)
    bytes_in: int = 0
    samples: list[tuple[int, bytes]] = field(default_factory=list)  # (status, body)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latency_ms)
        ttfb = sorted(self.ttfb_ms)
        return {
            "clients": self.clients,
            "requests": self.ok,
            "errors": self.error_count,
            "error_kinds": dict(self.errors),
            "elapsed_s": round(self.elapsed_s, 3),
            "per_s": round(self.ok / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": round(percentile(lat, 50), 3),
            "p90_ms": round(percentile(lat, 90), 3),
            "p99_ms": round(percentile(lat, 99), 3),
            "mean_ms": round(sum(lat) / len(lat), 3) if lat else 0.0,
            "ttfb_p50_ms": round(percentile(ttfb, 50), 3),
            "ttfb_p99_ms": round(percentile(ttfb, 99), 3),
            "mb_in": round(self.bytes_in / 2**20, 2),
        }


def percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


async def run_closed_loop(
    host: str,
    port: int,
    make_request: MakeRequest,
    *,
    clients: int,
    max_requests: int,
    duration_s: float,
    sample_every: int = 0,
    max_samples: int = 64,
    timeout_s: float = 30.0,
    expect_status: int = 200,
) -> RunResult:
    """``clients`` connections each sending back to back until ``max_requests`` have been sent
    or ``duration_s`` has passed, whichever comes first. Keeps every ``sample_every``-th body."""
    result = RunResult(clients)
    counter = 0
    deadline = time.perf_counter() + duration_s

    async def client() -> None:
        nonlocal counter
        conn: HttpConnection | None = None
        reconnects = 0
        try:
            while counter < max_requests and time.perf_counter() < deadline:
                if conn is None or conn.closed:
                    if reconnects > 20:
                        result.error("too many reconnects")
                        return
                    reconnects += 1
                    try:
                        conn = await connect(host, port)
                    except (OSError, TimeoutError):
                        result.error("connect")
                        await asyncio.sleep(0.05)
                        continue
                number = counter
                counter += 1
                keep = sample_every > 0 and number % sample_every == 0
                keep = keep and len(result.samples) < max_samples
                data = make_request(number)
                start = time.perf_counter()
                try:
                    await conn.request(data, keep, timeout_s)
                except (ConnectionFailed, TimeoutError) as exc:
                    result.error(type(exc).__name__)
                    conn.close()
                    conn = None
                    continue
                if conn.status != expect_status:
                    result.error(f"status {conn.status}")
                    if keep:
                        result.samples.append((conn.status, b"".join(conn.parts)))
                    continue
                result.ok += 1
                result.latency_ms.append((conn.end - start) * 1000)
                result.ttfb_ms.append((conn.first - start) * 1000)
                result.bytes_in += conn.nbytes
                if keep:
                    result.samples.append((conn.status, b"".join(conn.parts)))
        finally:
            if conn is not None:
                conn.close()

    started = time.perf_counter()
    tasks = [asyncio.ensure_future(client()) for _ in range(clients)]
    try:
        # Every request is bounded by timeout_s, so this bound is never reached in a healthy run.
        done, pending = await asyncio.wait(tasks, timeout=duration_s + timeout_s + 5)
        for task in pending:
            task.cancel()
            result.error("run cancelled at its hard deadline")
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for task in tasks:
            task.cancel()
    result.elapsed_s = time.perf_counter() - started
    return result


async def http_get(host: str, port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """One GET on a fresh connection (health checks, fake control)."""
    return await http_call(host, port, "GET", path, b"", timeout)


async def http_call(
    host: str, port: int, method: str, path: str, body: bytes, timeout: float = 5.0
) -> tuple[int, bytes]:
    conn = await connect(host, port)
    try:
        head = (
            f"{method} {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        ).encode()
        await conn.request(head + body, True, timeout)
        return conn.status, b"".join(conn.parts)
    finally:
        conn.close()
