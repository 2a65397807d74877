"""One pooled upstream HTTP/1.1 connection: an asyncio.Protocol feeding httptools.

``Connection`` carries one exchange at a time. Its callbacks only record what arrived (status,
raw headers, body pieces, the end) and wake the single reader; the reader (``Http1Response`` in
``http1``) decides what to do. It tracks what the pool must know: whether the exchange
ended cleanly with keep-alive, whether the server closed before sending a byte (retryable), and
flow control: past ``HIGH_WATER`` unread bytes the socket is paused until the reader drains.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import cast

import httptools

from ccrouter.upstream.base import FailureKind, TransportError

Key = tuple[str, str, int]  # (scheme, host, port): one pool per upstream origin

HIGH_WATER = 1 << 20  # unread body bytes after which the socket stops being read


class Connection(asyncio.Protocol):
    """One socket carrying one exchange at a time; the reader waits on ``_waiter``.

    Parser callbacks only record and wake; the awaiting side (``Http1Response``) decides. Errors
    are stored, never set on the future, so no "exception was never retrieved" can leak.
    """

    def __init__(
        self, key: Key, loop: asyncio.AbstractEventLoop, forget: Callable[[Connection], None]
    ) -> None:
        self.key = key
        self.loop = loop
        self.idle = False  # in the pool's idle list
        self.idle_since = 0.0
        self.pauses = 0  # times reading stopped for an unread backlog
        self._forget = forget
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._lost = False
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._wait_started = 0.0
        self._timeout = 0.0
        self._begin()

    def _begin(self) -> None:
        self.active = False
        self.status = 0
        self.head: dict[bytes, bytes] = {}
        self.head_done = False
        self.complete = False
        self.error: TransportError | None = None
        self.stale = False  # closed before any response byte: safe to retry elsewhere
        self.buffered = 0
        self._body: list[bytes] = []
        self._seen = False
        self._keep_alive = False
        self._eof_body = False
        self._paused = False

    @property
    def usable(self) -> bool:
        return not self._lost and self._transport is not None and not self._transport.is_closing()

    # -- the reader's side --------------------------------------------------------------------

    def send(self, head: bytes, body: bytes) -> None:
        assert self._transport is not None and not self.active, "one exchange at a time"
        self._begin()
        self.active = True
        self._transport.writelines((head, body))

    async def wait(self, timeout: float) -> None:
        """Until the parser reports something (head, body, end) or the exchange fails."""
        waiter = self._waiter = self.loop.create_future()
        self._wait_started = self.loop.time()
        self._timeout = timeout
        if self._timer is None:  # one timer per exchange, re-armed lazily (see _on_timer)
            self._timer = self.loop.call_at(self._wait_started + timeout, self._on_timer)
        try:
            await waiter
        except asyncio.CancelledError:
            self._fail("broken", "cancelled")  # a half-done exchange is never reused
            raise
        finally:
            self._waiter = None

    def take(self) -> bytes:
        body, self._body, self.buffered = self._body, [], 0
        if self._paused:
            self._resume()
        return body[0] if len(body) == 1 else b"".join(body)

    def finish(self) -> bool:
        """End the exchange; True when the connection may carry another one."""
        self._stop_timer()
        self.active = False
        self._body = []
        reusable = self.complete and self._keep_alive and self.error is None and self.usable
        if reusable and self._paused:
            self._resume()  # else an idle connection would never notice the server closing it
        return reusable

    def close(self, abort: bool = True) -> None:
        self._stop_timer()
        if self._transport is None or self._lost:
            return
        if abort:
            self._transport.abort()  # RST: the upstream stops generating at once
        else:
            self._transport.close()

    # -- asyncio callbacks --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's: not subclasses
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if not self.active:  # bytes on an idle connection: it cannot be trusted with a request
            self.close()
            self._forget(self)
            return
        self._seen = True
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._fail("broken", f"malformed HTTP response ({type(exc).__name__}: {exc})")

    def eof_received(self) -> bool | None:
        return None  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        if self.active and not self.complete and self.error is None:
            reason = f" ({exc})" if exc else ""
            if self.head_done and self._eof_body and exc is None:
                self.on_message_complete()  # a body delimited by the end of the connection
            elif not self._seen:
                self.stale = True
                self._fail("broken", f"connection closed before the response{reason}")
            else:
                self._fail("broken", f"connection closed mid-response{reason}")
        self._forget(self)

    def _fail(self, kind: FailureKind, detail: str) -> None:
        if self.error is None:
            self.error = TransportError(kind, detail)
        self.close()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _on_timer(self) -> None:
        # Armed at the first wait of an exchange, checked against the current wait's start:
        # far cheaper than a timer per body piece on a long stream.
        self._timer = None
        if self._waiter is None:
            return  # nobody waits now; the next wait arms it again
        due = self._wait_started + self._timeout
        if self.loop.time() + 0.001 >= due:
            self._fail("timeout", f"no data from the upstream for {self._timeout:g}s")
        else:
            self._timer = self.loop.call_at(due, self._on_timer)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _resume(self) -> None:
        self._paused = False
        if self._transport is not None and not self._lost:
            self._transport.resume_reading()

    # -- httptools callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.complete:
            raise ValueError("bytes after the end of the response")

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.lower()
        seen = self.head.get(key)
        self.head[key] = value if seen is None else seen + b", " + value

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200:  # informational (e.g. 103 Early Hints): the real head follows
            self.head = {}
            return
        self.status = status
        chunked = b"chunked" in self.head.get(b"transfer-encoding", b"").lower()
        self._eof_body = not chunked and b"content-length" not in self.head
        self.head_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self.buffered += len(body)
        if self.buffered > HIGH_WATER and not self._paused and self._transport is not None:
            self._paused = True
            self.pauses += 1
            self._transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if not self.head_done:
            return  # the end of an informational response
        self.complete = True
        self._keep_alive = self._parser.should_keep_alive()  # False if Connection: close
        self._wake()
