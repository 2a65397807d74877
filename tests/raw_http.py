"""A tiny raw HTTP/1.1 server on loopback, for client tests that need exact bytes on the wire.

Each accepted connection runs ``handler(conn)``; the server counts connections and notices when
a client goes away. Everything is stopped when the ``raw_server`` block ends.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class RawRequest:
    head: bytes
    headers: dict[str, str]
    body: bytes


class RawConn:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: RawServer
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.server = server

    async def read_request(self) -> RawRequest | None:
        """The next request on this connection; None when the client closed it."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.server.gone += 1
            return None
        headers = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        self.server.requests.append(RawRequest(head, headers, body))
        return self.server.requests[-1]

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def client_gone(self) -> None:
        """Read until the client closes or resets the connection."""
        try:
            while await self.reader.read(65536):
                pass
        except ConnectionError:
            pass
        self.server.gone += 1

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN."""
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


Handler = Callable[[RawConn], Awaitable[None]]


@dataclass
class RawServer:
    url: str  # base URL, e.g. http://127.0.0.1:PORT
    accepted: int = 0
    gone: int = 0  # connections the client closed, as far as the handler looked
    requests: list[RawRequest] = field(default_factory=list)

    async def wait_gone(self, count: int = 1, timeout: float = 1.0) -> bool:
        """Wait until handlers saw ``count`` connections closed by the client."""
        for _ in range(int(timeout / 0.01)):
            if self.gone >= count:
                return True
            await asyncio.sleep(0.01)
        return self.gone >= count


def response(body: bytes = b"ok", *headers: str, status: str = "200 OK") -> bytes:
    """A complete response with Content-Length (unless a header says otherwise)."""
    lines = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p) + b"0\r\n\r\n"


def keep_answering(body: bytes = b"ok") -> Handler:
    """A handler that answers every request on the connection with ``body``."""

    async def handle(conn: RawConn) -> None:
        while await conn.read_request() is not None:
            await conn.send(response(body))

    return handle


@asynccontextmanager
async def raw_server(
    handler: Handler, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    tasks: set[asyncio.Task[None]] = set()
    state = RawServer("")

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        state.accepted += 1
        try:
            await handler(RawConn(reader, writer, state))
        except ConnectionError:
            state.gone += 1
        except asyncio.CancelledError:
            pass  # stopped by the teardown below; ending normally spares asyncio's stream callback
        finally:
            writer.close()
            tasks.discard(task)

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=ssl_context)
    port = server.sockets[0].getsockname()[1]
    state.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
    try:
        yield state
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
