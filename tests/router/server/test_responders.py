"""The answer's routing headers, and the JSON and stream responders, over a recording ``send``."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccrouter.config.model import Target
from ccrouter.dispatch.fallback import Outcome, StreamResult
from ccrouter.errors import Attempt, UpstreamError, to_anthropic_error
from ccrouter.routing.rules import Decision
from ccrouter.server.responders import (
    EVENT_STREAM,
    JSON,
    routing_headers,
    send_error,
    send_json,
    send_stream,
)
from ccrouter.types import Message

A, B = Target("p", "a"), Target("p", "b")
DECISION = Decision("think", A, "effort 'max'", (B,))


class Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.sent: list[Message] = []
        self._fail_on = fail_on

    async def __call__(self, message: Message) -> None:
        if len(self.sent) == self._fail_on:
            raise OSError("client went away")
        self.sent.append(message)

    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])


def test_a_success_names_route_answering_model_and_everything_tried() -> None:
    outcome = Outcome([Attempt("p,a", 429, "slow down")], B)
    headers = dict(routing_headers(JSON, "req_1", DECISION, outcome))
    assert headers == {
        b"content-type": b"application/json",
        b"request-id": b"req_1",
        b"x-ccrouter-route": b"think",
        b"x-ccrouter-model": b"p,b",
        b"x-ccrouter-tried": b"p,a (429), p,b (ok)",
    }


def test_a_failure_names_the_routes_choice_and_what_failed() -> None:
    outcome = Outcome([Attempt("p,a", 500, "boom"), Attempt("p,b", None, "refused")])
    headers = dict(routing_headers(JSON, "req_1", DECISION, outcome))
    assert headers[b"x-ccrouter-model"] == b"p,a"
    assert headers[b"x-ccrouter-tried"] == b"p,a (500), p,b (failed)"


@pytest.mark.parametrize(
    "decision", [None, Decision("default", None, "no route configured")], ids=["unrouted", "none"]
)
def test_without_a_model_there_is_no_model_header(decision: Decision | None) -> None:
    headers = dict(routing_headers(EVENT_STREAM, "req_1", decision, Outcome()))
    assert b"x-ccrouter-model" not in headers
    assert headers[b"x-ccrouter-route"] == (decision.route.encode() if decision else b"-")
    assert headers[b"x-ccrouter-tried"] == b""


async def test_json_has_its_length_and_the_body() -> None:
    send = Recorder()
    await send_json(send, 200, {"type": "message", "text": "é"}, [(b"content-type", JSON)])
    assert send.sent[0]["status"] == 200
    assert send.headers()[b"content-length"] == str(len(send.sent[1]["body"])).encode()
    assert orjson.loads(send.sent[1]["body"]) == {"type": "message", "text": "é"}


async def test_an_error_adds_its_own_headers() -> None:
    wire = to_anthropic_error(UpstreamError("no", status=429, retry_after=2, retryable=True), "r")
    send = Recorder()
    await send_error(send, wire, routing_headers(JSON, "r", DECISION, Outcome()))
    assert send.sent[0]["status"] == 429
    assert send.headers()[b"retry-after"] == b"2"
    assert send.headers()[b"x-ccrouter-route"] == b"think"
    assert orjson.loads(send.sent[1]["body"])["error"]["type"] == "rate_limit_error"


class Rest:
    """The rest of a stream, remembering whether it was closed."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.closed = False
        self._chunks = iter(chunks)

    def __aiter__(self) -> Rest:
        return self

    async def __anext__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        self.closed = True


def result_of(rest: Rest) -> StreamResult:
    return StreamResult(b"event: message_start\n\n", rest)  # type: ignore[arg-type]


async def test_a_stream_sends_the_held_events_then_the_rest_then_ends() -> None:
    send, rest = Recorder(), Rest([b"one", b"two"])
    await send_stream(send, result_of(rest), [(b"content-type", EVENT_STREAM)])
    assert send.headers()[b"cache-control"] == b"no-cache"
    bodies: list[Any] = [m["body"] for m in send.sent[1:]]
    assert bodies == [b"event: message_start\n\n", b"one", b"two", b""]
    assert [m["more_body"] for m in send.sent[1:]] == [True, True, True, False]
    assert rest.closed


@pytest.mark.parametrize("fail_on", [0, 1, 2])
async def test_the_upstream_is_closed_when_sending_fails(fail_on: int) -> None:
    send, rest = Recorder(fail_on=fail_on), Rest([b"one"])
    with pytest.raises(OSError):
        await send_stream(send, result_of(rest), [])
    assert rest.closed
