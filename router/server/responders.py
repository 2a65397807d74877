"""How ``/v1/messages`` answers: a JSON body or an SSE stream, and the headers every answer has.

Every answer — a message, a stream, or an error — says which route was taken, which model was
chosen (when one was) and every model tried, so a failure is as easy to trace as a success.
"""

from __future__ import annotations

from typing import Any

import orjson

from ccrouter.dispatch.fallback import Outcome, StreamResult
from ccrouter.errors import WireError
from ccrouter.routing.rules import Decision
from ccrouter.types import Send

Headers = list[tuple[bytes, bytes]]

JSON = b"application/json"
EVENT_STREAM = b"text/event-stream"


def routing_headers(
    content_type: bytes, request_id: str, decision: Decision | None, outcome: Outcome
) -> Headers:
    """``x-ccrouter-route`` (``-`` before routing), ``x-ccrouter-model`` (the model that
    answered, else the one the route chose, when there is one) and ``x-ccrouter-tried``."""
    headers = [
        (b"content-type", content_type),
        (b"request-id", request_id.encode()),
        (b"x-ccrouter-route", decision.route.encode() if decision else b"-"),
    ]
    model = outcome.target or (decision.target if decision else None)
    if model is not None:
        headers.append((b"x-ccrouter-model", str(model).encode()))
    headers.append((b"x-ccrouter-tried", outcome.tried_header().encode()))
    return headers


async def send_json(send: Send, status: int, body: dict[str, Any], headers: Headers) -> None:
    payload = orjson.dumps(body)  # before the start: a body that cannot be encoded is a 500
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def send_error(send: Send, wire: WireError, headers: Headers) -> None:
    headers += [(k.encode(), v.encode()) for k, v in wire.headers.items()]
    await send_json(send, wire.status, wire.body, headers)


async def send_stream(send: Send, result: StreamResult, headers: Headers) -> None:
    """The held opening events, then the rest as it comes; the upstream is closed either way."""
    headers.append((b"cache-control", b"no-cache"))
    rest = result.rest
    try:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": result.first, "more_body": True})
        async for chunk in rest:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        await rest.aclose()
