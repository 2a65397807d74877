"""Replay recorded upstream SSE through a translator, and read the result back with the real SDK.

* ``pieces(raw, size)``: the bytes cut into 1-byte, 7-byte, whole-line or whole-file pieces.
* ``replay(raw, ctx, size)``: decode with ``SSEDecoder`` and drive ``OpenAIStreamTranslator`` the
  way the orchestrator does (comment -> keepalive, ``[DONE]``/EOF -> finish, UpstreamError -> fail).
* ``shape(events)``: a compact, readable event sequence for golden assertions.
* ``sdk_final_message(events)`` / ``sdk_create(body)``: the official ``anthropic`` client reading
  our output from an ``httpx2.MockTransport`` (the SDK's own HTTP stack).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anthropic
import httpx2  # anthropic 2.x runs on httpx2 and rejects an httpx client
import orjson
from anthropic.types import Message

from ccrouter.errors import UpstreamError
from ccrouter.sse import SSEDecoder, encode_events
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from ccrouter.transformers.chat.stream import OpenAIStreamTranslator
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import Event

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "openrouter_sse"
SIZES = ("1-byte", "7-byte", "line", "file")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def pieces(raw: bytes, size: str) -> list[bytes]:
    if size == "file":
        return [raw]
    if size == "line":
        return raw.splitlines(keepends=True)
    step = int(size.split("-")[0])
    return [raw[i : i + step] for i in range(0, len(raw), step)]


def replay(raw: bytes, ctx: TranslationContext, size: str = "file") -> list[Event]:
    """Translate a recorded upstream stream; the output is validated before it is returned."""
    translator = OpenAIStreamTranslator(ctx)
    decoder = SSEDecoder()
    events: list[Event] = []
    try:
        for piece in pieces(raw, size):
            for sse in decoder.feed(piece):
                if sse.comment is not None:
                    events += translator.keepalive()
                elif sse.data == "[DONE]":
                    return _checked(events + translator.finish())
                else:
                    events += translator.feed(orjson.loads(sse.data))
        for sse in decoder.flush():
            if sse.comment is None and sse.data != "[DONE]":
                events += translator.feed(orjson.loads(sse.data))
        events += translator.finish()
    except UpstreamError as exc:
        events += translator.fail(exc)
    return _checked(events)


def _checked(events: list[Event]) -> list[Event]:
    assert_valid_anthropic_stream(events)
    return events


_SHORT = {
    "text_delta": "text",
    "thinking_delta": "thinking",
    "signature_delta": "signature",
    "input_json_delta": "json",
}


def shape(events: list[Event]) -> list[str]:
    """``["message_start", "text[", "text*2", "]", "message_delta:end_turn", "message_stop"]``."""
    out: list[str] = []
    for name, data in events:
        if name == "content_block_start":
            token = data["content_block"]["type"] + "["
        elif name == "content_block_stop":
            token = "]"
        elif name == "content_block_delta":
            token = _SHORT[data["delta"]["type"]]
        elif name == "message_delta":
            token = f"message_delta:{data['delta']['stop_reason']}"
        elif name == "error":
            token = f"error:{data['error']['type']}"
        else:
            token = name
        base = out[-1].split("*")[0] if out else None
        if name == "content_block_delta" and base == token:
            count = int(out[-1].split("*")[1]) if "*" in out[-1] else 1
            out[-1] = f"{token}*{count + 1}"
        else:
            out.append(token)
    return out


def _client(handler: Any) -> anthropic.AsyncAnthropic:
    http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    return anthropic.AsyncAnthropic(
        api_key="x", base_url="http://test", http_client=http, max_retries=0
    )


_REQUEST: dict[str, Any] = {
    "model": "claude-sonnet-5-5",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "hi"}],
}


async def sdk_final_message(events: list[Event]) -> Message:
    """What the official SDK's stream accumulator makes of our events."""
    body = encode_events(events)

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body, headers={"content-type": "text/event-stream"})

    async with _client(handler) as client:
        async with client.messages.stream(**_REQUEST) as stream:
            return await stream.get_final_message()


async def sdk_create(body: dict[str, Any]) -> Message:
    """What the official SDK makes of a non-streaming response body."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=orjson.dumps(body))

    async with _client(handler) as client:
        message: Message = await client.messages.create(**_REQUEST)
        return message
