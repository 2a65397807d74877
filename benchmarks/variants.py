"""Start ccrouter with proposed performance changes applied from outside, to measure them.

    python benchmarks/variants.py --variants gc_freeze,aiohttp CONFIG PORT

Benchmark-only: each variant monkeypatches the running process the way the corresponding change
in core code would behave (README "Findings" gives the change itself, as a diff for the owner).
Core files are not edited. ``ab.py`` runs variants side by side; with no variants this is
``python -m ccrouter serve --config CONFIG --port PORT`` without the CLI.

Variants:

- ``gc_freeze``: after start-up, ``gc.collect(); gc.freeze()`` and a higher gen-0 threshold, so
  the collector stops rescanning the ~80,000 objects that live for the process's whole life.
- ``aiohttp``: the upstream call through aiohttp's ``ClientSession`` directly instead of httpx
  on the aiohttp transport; ``asyncio.timeout`` instead of ``asyncio.wait_for`` (no extra Task).
- ``timeout``: only the ``asyncio.timeout`` part, keeping httpx.
- ``no_proxy_headers``: uvicorn's ``proxy_headers=False`` (no ProxyHeadersMiddleware per request).
- ``no_request_log``: the per-request info line switched off (to measure what it costs).
- ``cheap_log``: the same request line, cheaper: ``logging._srcfile = None`` (no caller lookup
  per record) and a formatter that formats the timestamp once per second.
- ``fast_sse``: the translating pipe splits upstream bytes on blank lines and parses ``data:``
  payloads straight from bytes, skips transformers whose ``transform_chunk`` is the identity, and
  encodes events with a per-name prefix; anything unusual falls back to the generic decoder.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

VARIANTS: dict[str, Callable[[], None]] = {}


def variant(fn: Callable[[], None]) -> Callable[[], None]:
    VARIANTS[fn.__name__] = fn
    return fn


@variant
def gc_freeze() -> None:
    import uvicorn

    original = uvicorn.Server.startup

    async def startup(self: Any, sockets: Any = None) -> None:
        await original(self, sockets=sockets)
        gc.collect()
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)

    uvicorn.Server.startup = startup  # type: ignore[method-assign]


class _AiohttpResponse:
    """The slice of ``httpx.Response`` the dispatcher uses, over an aiohttp response."""

    __slots__ = ("_r", "status_code", "headers")

    def __init__(self, response: Any) -> None:
        self._r = response
        self.status_code = response.status
        self.headers = response.headers

    async def aread(self) -> bytes:
        return await self._r.read()  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        self._r.release()

    def aiter_bytes(self) -> Any:
        return self._r.content.iter_any()


@variant
def aiohttp() -> None:
    import aiohttp as aio
    import orjson

    from ccrouter import dispatch

    session: aio.ClientSession | None = None

    async def send(
        client: Any, prepared: Any, *, stream: bool, first_byte_timeout_s: float,
        read_timeout_s: float, connect_timeout_s: float,
    ) -> Any:  # fmt: skip
        nonlocal session
        if session is None:
            connector = aio.TCPConnector(limit=512, limit_per_host=0, keepalive_timeout=60)
            session = aio.ClientSession(connector=connector)
        req = prepared.request
        async with asyncio.timeout(first_byte_timeout_s if stream else read_timeout_s):
            response = await session.post(req.url, data=orjson.dumps(req.body), headers=req.headers)
        return _AiohttpResponse(response)

    dispatch.send = send  # type: ignore[assignment]


@variant
def timeout() -> None:
    import httpx
    import orjson

    from ccrouter import dispatch

    async def send(
        client: Any, prepared: Any, *, stream: bool, first_byte_timeout_s: float,
        read_timeout_s: float, connect_timeout_s: float,
    ) -> Any:  # fmt: skip
        req = prepared.request
        request = client.build_request(
            "POST", req.url, content=orjson.dumps(req.body), headers=req.headers,
            timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
        )  # fmt: skip
        async with asyncio.timeout(first_byte_timeout_s if stream else read_timeout_s):
            return await client.send(request, stream=True)

    dispatch.send = send  # type: ignore[assignment]


@variant
def no_proxy_headers() -> None:
    import uvicorn

    original = uvicorn.Config.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["proxy_headers"] = False
        original(self, *args, **kwargs)

    uvicorn.Config.__init__ = init  # type: ignore[method-assign]


@variant
def no_request_log() -> None:
    from ccrouter import log as ccrouter_log

    original = ccrouter_log.setup_logging

    def setup(level: str = "info") -> None:
        original(level)
        ccrouter_log.request_log.setLevel(logging.WARNING)

    ccrouter_log.setup_logging = setup
    from ccrouter import serve

    serve.setup_logging = setup  # type: ignore[attr-defined]


@variant
def cheap_log() -> None:
    import time

    from ccrouter import log as ccrouter_log

    class SecondCachedFormatter(logging.Formatter):
        _second = -1
        _text = ""

        def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
            second = int(record.created)
            if second != self._second:
                self._second = second
                self._text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
            return f"{self._text},{int(record.msecs):03d}"

    original = ccrouter_log.setup_logging

    def setup(level: str = "info") -> None:
        original(level)
        logging._srcfile = None  # type: ignore[attr-defined]
        for handler in logging.getLogger("ccrouter").handlers:
            if getattr(handler, "_ccrouter", False):
                handler.setFormatter(SecondCachedFormatter(handler.formatter._fmt))  # type: ignore[union-attr]

    ccrouter_log.setup_logging = setup
    from ccrouter import serve

    serve.setup_logging = setup  # type: ignore[attr-defined]


@variant
def fast_sse() -> None:
    import orjson

    from ccrouter import pipes
    from ccrouter.errors import UpstreamError
    from ccrouter.transformers.base import Transformer

    prefixes: dict[str, bytes] = {}

    def encode_events(events: list[tuple[str, dict[str, Any]]]) -> bytes:
        parts = []
        for name, data in events:
            prefix = prefixes.get(name)
            if prefix is None:
                prefix = prefixes[name] = b"event: " + name.encode() + b"\ndata: "
            parts.append(prefix)
            parts.append(orjson.dumps(data))
            parts.append(b"\n\n")
        return b"".join(parts)

    base = pipes.TranslatingPipe
    generic_feed = base.feed

    class FastPipe(base):  # type: ignore[misc, valid-type]
        def __init__(self, ctx: Any, chain: Any) -> None:
            super().__init__(ctx, chain)
            self._active = tuple(
                t
                for t in self._reverse
                if type(t).transform_chunk is not Transformer.transform_chunk
            )
            self._pending = b""
            self._generic = False

        def feed(self, raw: bytes) -> bytes:
            if self._generic:
                return generic_feed(self, raw)
            buffer = self._pending + raw if self._pending else raw
            if b"\r" in buffer:  # CR line ends: the generic decoder handles every case
                self._generic, self._pending = True, b""
                return generic_feed(self, buffer)
            *blocks, self._pending = buffer.split(b"\n\n")
            events: list[Any] = []
            translator = self._translator
            for block in blocks:
                if not block:
                    continue
                if block[0] == 58:  # b":" a comment: OpenRouter's keep-alive
                    if b"\n" not in block:
                        events += translator.keepalive()
                        continue
                if not block.startswith(b"data: ") or b"\n" in block:
                    out = generic_feed(self, block + b"\n\n")
                    if out:
                        events.append(("__raw__", out))  # type: ignore[arg-type]
                    continue
                data = block[6:]
                if self._done or not data:
                    continue
                if data == b"[DONE]":
                    self._done = True
                    continue
                try:
                    chunk = orjson.loads(data)
                except orjson.JSONDecodeError:
                    raise UpstreamError(
                        f"{self._ctx.provider},{self._ctx.upstream_model} sent malformed JSON",
                        status=500, retryable=True,
                    ) from None  # fmt: skip
                if not isinstance(chunk, dict):
                    continue
                if self._active:
                    pieces = [chunk]
                    for transformer in self._active:
                        pieces = [
                            o for p in pieces for o in transformer.transform_chunk(p, self._ctx)
                        ]
                    for piece in pieces:
                        events += translator.feed(piece)
                else:
                    events += translator.feed(chunk)
            if not events:
                return b""
            if any(name == "__raw__" for name, _ in events):
                return b"".join(
                    data if name == "__raw__" else encode_events([(name, data)])  # type: ignore[misc]
                    for name, data in events
                )
            return encode_events(events)

        def finish(self) -> bytes:
            tail = b""
            if self._pending and not self._generic:
                pending, self._pending = self._pending, b""
                tail = self.feed(pending + b"\n\n")
            return tail + super().finish()

    pipes.TranslatingPipe = FastPipe  # type: ignore[misc]
    from ccrouter import dispatch

    dispatch.TranslatingPipe = FastPipe  # type: ignore[misc]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="", help="comma-separated: " + ", ".join(VARIANTS))
    parser.add_argument("config", type=Path)
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    for name in filter(None, args.variants.split(",")):
        VARIANTS[name]()
    from ccrouter.serve import serve

    return serve(args.config, None, args.port)


if __name__ == "__main__":
    sys.exit(main())
