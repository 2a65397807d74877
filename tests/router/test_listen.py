"""bind_socket: a TCP listener on a free or given port; a taken port is an OSError, not a leak."""

from __future__ import annotations

import socket

import pytest

from ccrouter.listen import bind_socket


def test_a_free_port_over_tcp() -> None:
    with bind_socket("127.0.0.1", 0) as sock:
        assert sock.getsockname()[1] > 0
        assert sock.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY only then


def test_a_taken_port_raises() -> None:
    with bind_socket("127.0.0.1", 0) as taken:
        taken.listen()
        with pytest.raises(OSError):
            bind_socket("127.0.0.1", taken.getsockname()[1])
