"""The one way ccrouter (and its fake upstream) opens a listening TCP socket for uvicorn."""

from __future__ import annotations

import socket


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0: a free port), for ``uvicorn``'s ``sockets=``.

    ``IPPROTO_TCP``, not 0: asyncio sets ``TCP_NODELAY`` on accepted sockets only for TCP-protocol
    listeners, and without it every keep-alive response waits ~40 ms for a delayed ACK (Nagle).
    Raises ``OSError`` (the socket closed) when the address is taken or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock
