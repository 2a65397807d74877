"""Reading a request body: one size limit and one stall timeout for every endpoint that reads one.

``read_body`` refuses a declared ``Content-Length`` over the limit before reading a byte, keeps a
running count for chunked bodies (refusing as soon as the count passes the limit, so nothing is
buffered beyond it), and gives up on a client that sends nothing for ``idle_timeout_s``. Both
refusals are Anthropic errors (413 ``request_too_large``, 408 ``timeout_error``) that close the
connection: the rest of the body is never read. A client that leaves raises ``ClientGone``.

The limits come from the environment once, at start (``CCROUTER_MAX_BODY_MB``,
``CCROUTER_BODY_TIMEOUT_S``); docs/hardening.md lists them with what the server layer bounds.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ccrouter.errors import ConfigError, InvalidRequestError, RouterError
from ccrouter.types import Receive

MAX_BODY_ENV = "CCROUTER_MAX_BODY_MB"
BODY_TIMEOUT_ENV = "CCROUTER_BODY_TIMEOUT_S"
DEFAULT_MAX_BODY_MB = 64  # the largest Claude Code sends is a few screenshots: ~10-20 MB
DEFAULT_BODY_TIMEOUT_S = 30.0


class ClientGone(Exception):
    """The client disconnected before its request body arrived."""


class _Refused(RouterError):
    """A body refused before it was read whole: the connection is closed after the answer."""

    def headers(self) -> dict[str, str]:
        return {"connection": "close"}


class BodyTooLarge(_Refused):
    status = 413


class BodyTimeout(_Refused):
    status = 408


@dataclass
class BodyLimits:
    max_bytes: int = DEFAULT_MAX_BODY_MB * 2**20
    idle_timeout_s: float = DEFAULT_BODY_TIMEOUT_S

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> BodyLimits:
        """The limits, with the environment's overrides; a bad value is an error naming it."""
        return cls(
            int(positive_env(MAX_BODY_ENV, DEFAULT_MAX_BODY_MB, env) * 2**20),
            positive_env(BODY_TIMEOUT_ENV, DEFAULT_BODY_TIMEOUT_S, env),
        )

    def too_large(self) -> BodyTooLarge:
        return BodyTooLarge(
            f"request body is over ccrouter's {_size(self.max_bytes)} limit; send a smaller "
            f"request, or raise the limit with {MAX_BODY_ENV} (in MB) where ccrouter runs"
        )

    def stalled(self) -> BodyTimeout:
        return BodyTimeout(
            f"request body stalled: nothing arrived for {self.idle_timeout_s:g} s; the "
            f"client must send the whole body ({BODY_TIMEOUT_ENV} sets the wait)"
        )


def positive_env(name: str, default: float, env: Mapping[str, str] = os.environ) -> float:
    """A positive number from the environment, or ``default``; a bad value is a ConfigError."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"{name}={raw!r} must be a positive number")
    return value


def _size(count: int) -> str:
    mib = count / 2**20
    return f"{mib:g} MiB" if mib >= 1 else f"{count} bytes"


def declared_length(headers: Mapping[str, str]) -> int | None:
    """The ``Content-Length`` the client declared (None: chunked or absent)."""
    value = headers.get("content-length")
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()):  # uvicorn refuses these first; ASGI may not
        raise InvalidRequestError(f"Content-Length {value[:40]!r} is not a byte count")
    return int(value)


async def read_body(receive: Receive, headers: Mapping[str, str], limits: BodyLimits) -> bytes:
    """The whole body, within ``limits``; raises ``ClientGone``, ``BodyTooLarge``, ``BodyTimeout``."""
    declared = declared_length(headers)
    if declared is not None and declared > limits.max_bytes:
        raise limits.too_large()
    parts: list[bytes] = []
    size = 0
    loop = asyncio.get_running_loop()
    try:
        # One timer for the whole read, pushed back whenever bytes arrive: a few µs per request.
        async with asyncio.timeout(limits.idle_timeout_s) as deadline:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limits.max_bytes:
                    raise limits.too_large()
                if not message.get("more_body", False):
                    return b"".join((*parts, chunk)) if parts else chunk
                parts.append(chunk)
                if chunk:
                    deadline.reschedule(loop.time() + limits.idle_timeout_s)
    except TimeoutError:
        raise limits.stalled() from None
