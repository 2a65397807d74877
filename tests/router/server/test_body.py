"""One body size limit and one stall timeout for every endpoint that reads a body (issue 14
rows 5, 10, 11), through the whole app."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
import pytest

from ccrouter.app import CCRouterApp
from ccrouter.errors import ConfigError
from ccrouter.server.body import BodyLimits
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.types import Message

ENDPOINTS = ["/v1/messages", "/v1/messages/count_tokens"]
BODY = orjson.dumps(
    {"model": "claude-sonnet-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
)


class Client:
    """Drives the app's ASGI callable with a scripted client: exact body pieces, stalls, exits."""

    def __init__(self, app: CCRouterApp, delay: float = 0.0) -> None:
        self.app = app
        self.delay = delay  # before each piece
        self.sent: list[Message] = []
        self.received = 0  # body messages the app asked for

    async def request(
        self,
        path: str,
        pieces: list[bytes | None],
        headers: dict[str, str] | None = None,
        then_stall: bool = False,
    ) -> tuple[int, dict[str, str], Any]:
        """``None`` in ``pieces``: the client goes away; ``then_stall``: more was promised."""
        script = list(pieces)

        async def receive() -> Message:
            self.received += 1
            if not script:
                await asyncio.Event().wait()  # a client that sends nothing more
            if self.delay:
                await asyncio.sleep(self.delay)
            piece = script.pop(0)
            if piece is None:
                return {"type": "http.disconnect"}
            return {"type": "http.request", "body": piece, "more_body": bool(script) or then_stall}

        async def send(message: Message) -> None:
            self.sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.encode(), v.encode("latin-1")) for k, v in (headers or {}).items()],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 2),
        }
        await asyncio.wait_for(self.app(scope, receive, send), 5)
        if not self.sent:
            return 0, {}, None
        start = self.sent[0]
        body = b"".join(m.get("body", b"") for m in self.sent[1:])
        head = {k.decode(): v.decode() for k, v in start["headers"]}
        return start["status"], head, orjson.loads(body) if body else None


@pytest.fixture
def small(app: CCRouterApp) -> CCRouterApp:
    app.limits.max_bytes = 1000
    app.limits.idle_timeout_s = 0.2
    return app


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    small: CCRouterApp, path: str
) -> None:
    client = Client(small)
    status, headers, body = await client.request(
        path, [b"x" * 10], {"content-length": str(200 * 2**20)}
    )
    assert status == 413 and headers["connection"] == "close"
    assert body["type"] == "error" and body["error"]["type"] == "request_too_large"
    assert "1000 bytes limit" in body["error"]["message"]
    assert "CCROUTER_MAX_BODY_MB" in body["error"]["message"]
    assert client.received == 0  # not a byte read


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_a_chunked_body_stops_being_read_at_the_limit(small: CCRouterApp, path: str) -> None:
    client = Client(small)
    status, _, body = await client.request(path, [b"x" * 400] * 10)  # no Content-Length
    assert status == 413 and body["error"]["type"] == "request_too_large"
    assert client.received == 3  # 1,200 bytes: the third piece passed the limit


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_a_body_at_the_limit_is_read(
    app: CCRouterApp, fake: FakeOpenRouter, path: str
) -> None:
    app.limits.max_bytes = len(BODY)
    status, _, body = await Client(app).request(
        path, [BODY[:10], BODY[10:]], {"content-length": str(len(BODY))}
    )
    assert status == 200, body


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_a_stalled_body_gets_an_anthropic_408(small: CCRouterApp, path: str) -> None:
    status, headers, body = await Client(small).request(path, [BODY[:10]], then_stall=True)
    assert status == 408 and headers["connection"] == "close"
    assert body["error"]["type"] == "timeout_error"
    assert "nothing arrived for 0.2 s" in body["error"]["message"]


async def test_a_slow_body_that_keeps_coming_is_not_cut(app: CCRouterApp) -> None:
    app.limits.idle_timeout_s = 0.15
    pieces: list[bytes | None] = [BODY[i : i + 20] for i in range(0, len(BODY), 20)]
    assert len(pieces) * 0.05 > 0.15  # the whole body takes longer than the timeout
    status, _, body = await Client(app, delay=0.05).request("/v1/messages/count_tokens", pieces)
    assert status == 200 and body["input_tokens"] > 0


@pytest.mark.parametrize("length", ["-5", "12x", "\u00b2"])
async def test_a_content_length_that_is_not_a_number_is_a_400(
    app: CCRouterApp, length: str
) -> None:
    headers = {"content-length": length}
    status, _, body = await Client(app).request("/v1/messages", [BODY], headers)
    assert status == 400 and f"Content-Length {length!r}" in body["error"]["message"]


async def test_count_tokens_client_leaving_mid_body_is_one_quiet_line(
    app: CCRouterApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await Client(app).request("/v1/messages/count_tokens", [BODY[:10], None])
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    gone = [r for r in caplog.records if "left before its body arrived" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelno == logging.INFO and gone[0].exc_info is None


def test_limits_come_from_the_environment() -> None:
    limits = BodyLimits.from_env({"CCROUTER_MAX_BODY_MB": "2", "CCROUTER_BODY_TIMEOUT_S": "1.5"})
    assert limits == BodyLimits(2 * 2**20, 1.5)
    assert BodyLimits.from_env({}) == BodyLimits(64 * 2**20, 30.0)
    with pytest.raises(ConfigError, match="CCROUTER_MAX_BODY_MB='lots' must be a positive"):
        BodyLimits.from_env({"CCROUTER_MAX_BODY_MB": "lots"})
