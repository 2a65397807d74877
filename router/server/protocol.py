"""uvicorn's httptools protocol, answering what it refuses in Anthropic's error shape, and bounded.

uvicorn parses HTTP before ccrouter sees a request. What it cannot parse (broken chunked
encoding, a negative Content-Length, a NUL in a header, ...) it answers with a plain-text
``Invalid HTTP request received.``; this subclass sends the same 400 as an Anthropic error, and
adds two bounds uvicorn lacks: the request head (request line and headers) must arrive within
``header_timeout_s`` (408) and stay under ``max_header_bytes`` (431). Everything else is
uvicorn's own code. docs/hardening.md lists who answers what.
"""

from __future__ import annotations

import asyncio

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ccrouter.errors import error_type_for_status

DEFAULT_HEADER_TIMEOUT_S = 30.0
DEFAULT_MAX_HEADER_BYTES = 64 * 1024  # Claude Code sends ~1.5 KB of headers

_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


class _HeadTooLarge(Exception):
    pass


def error_bytes(status: int, message: str) -> bytes:
    """A complete HTTP/1.1 response carrying an Anthropic error; the connection closes after it."""
    body = orjson.dumps(
        {"type": "error", "error": {"type": error_type_for_status(status), "message": message}}
    )
    head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n" % (
        status,
        _REASONS[status],
        len(body),
    )
    return head + b"connection: close\r\n\r\n" + body


class AnthropicHttpToolsProtocol(HttpToolsProtocol):
    header_timeout_s = DEFAULT_HEADER_TIMEOUT_S
    max_header_bytes = DEFAULT_MAX_HEADER_BYTES

    _head_timer: asyncio.TimerHandle | None = None
    _head_bytes = 0
    _head_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()  # a connection that never sends a byte is bounded too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        if self._head_timer is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()  # from here, the body reader's own timeout applies
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            status, message = (
                431,
                (
                    f"request line and headers are over {self.max_header_bytes // 1024} KiB; "
                    "send fewer or shorter headers"
                ),
            )
        else:
            status, message = (
                400,
                (
                    "invalid HTTP request: it could not be parsed (a malformed request line, "
                    "header or chunked body, a bad Content-Length, or a control character in a "
                    "header); send a well-formed HTTP/1.1 request"
                ),
            )
        self._answer_and_close(status, message)

    def _count_head(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_header_bytes:
            self._head_too_large = True
            raise _HeadTooLarge  # httptools turns it into a parse error: send_400_response

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered; its next one re-arms the timer
        if self.transport.is_closing():
            return
        if self._head_bytes or self.scope is not None:
            self._answer_and_close(
                408,
                f"request headers did not arrive within {self.header_timeout_s:g} s; "
                "send the whole request head at once",
            )
        else:
            self.transport.close()  # nothing sent at all: no request to answer

    def _answer_and_close(self, status: int, message: str) -> None:
        self._cancel_head_timer()
        if not self.transport.is_closing():
            self.transport.write(error_bytes(status, message))
            self.transport.close()
