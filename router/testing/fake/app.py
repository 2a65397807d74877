"""A scriptable fake OpenRouter: the upstream every ccrouter test and benchmark talks to.

    fake = FakeOpenRouter()
    fake.script("model-a", HttpError(429, "rate limited", retry_after=2), Text("ok"))
    async with httpx.AsyncClient(transport=fake.transport(), base_url=...) as client: ...
    async with fake.serve() as base_url: ...   # real uvicorn on 127.0.0.1, base_url ends in /api/v1

Routes, each under ``/api/v1``, ``/v1`` and bare: ``POST /chat/completions``, ``POST /messages``
(the Anthropic skin), ``POST /messages/count_tokens``, ``GET /models`` (``fake.models``; see
``fake/models.py``). Control routes for a fake in another process (``python -m
ccrouter.testing.fake``): ``POST /_fake/script`` ``{"model", "responses"}``, ``POST /_fake/rule``
``{"when", "response"}``, ``POST /_fake/default`` ``{"response"}``, ``POST /_fake/models``
``{"models", "replace"?}``, ``GET /_fake/requests``, ``GET /_fake/stats``, ``POST /_fake/reset``.

Every non-control request is recorded in ``fake.requests``. A client abandoning a response before
its end (http.disconnect in server mode, ``aclose()`` before the end in transport mode) counts in
``fake.disconnects``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

from ccrouter.testing.fake.anthropic import ANTHROPIC
from ccrouter.testing.fake.cache import PromptCache
from ccrouter.testing.fake.chat import CHAT
from ccrouter.testing.fake.models import (
    DEFAULT_MODELS,
    entries_from_json,
    model_entry,
    replace_entry,
)
from ccrouter.testing.fake.render import Context, Dialect, Reply, json_reply, render
from ccrouter.testing.fake.script import (
    HttpError,
    Predicate,
    RecordedRequest,
    Refuse,
    Responder,
    Script,
)
from ccrouter.testing.fake.server import abort_connection, run_process, serve_in_loop
from ccrouter.types import ASGIApp, Receive, Scope, Send


class FakeOpenRouter:
    def __init__(
        self, *, models: Sequence[Mapping[str, Any]] | None = None, provider: str = "FakeProvider"
    ) -> None:
        self.requests: list[RecordedRequest] = []
        self.disconnects = 0
        self.models: list[dict[str, Any]] = [
            dict(model) for model in (DEFAULT_MODELS if models is None else models)
        ]
        self.provider = provider
        self._script = Script()
        self.cache = PromptCache()  # prompt prefixes seen per model: cache reads in the usage
        self._disconnect_event: asyncio.Event | None = None
        self._routes: dict[tuple[str, str], Callable[[RecordedRequest], Reply]] = {
            ("POST", "/chat/completions"): lambda request: self._answer(request, CHAT),
            ("POST", "/messages"): lambda request: self._answer(request, ANTHROPIC),
            ("POST", "/messages/count_tokens"): _count_tokens,
            ("GET", "/models"): lambda request: json_reply(200, {"data": self.models}),
        }
        self._controls: dict[tuple[str, str], Callable[[Any], Reply]] = {
            ("POST", "/_fake/script"): lambda body: self._load({"scripts": [body]}),
            ("POST", "/_fake/rule"): lambda body: self._load({"rules": [body]}),
            ("POST", "/_fake/default"): self._control_default,
            ("POST", "/_fake/models"): self._control_models,
            ("GET", "/_fake/requests"): self._control_requests,
            ("GET", "/_fake/stats"): self._control_stats,
            ("POST", "/_fake/reset"): self._control_reset,
        }

    # -- scripting -------------------------------------------------------------------------------

    @property
    def default(self) -> Responder:
        """The answer when no queue or rule applies: a spec or ``(RecordedRequest) -> spec``."""
        return self._script.default

    @default.setter
    def default(self, response: Responder) -> None:
        self._script.default = response

    def script(self, model: str | None, *responses: Responder) -> None:
        """Queue answers for requests whose body ``model`` is ``model`` (``None``: any model)."""
        self._script.add(model, responses)

    def on(self, when: Predicate, response: Responder) -> None:
        """A persistent rule, checked after the queues and before the default."""
        self._script.on(when, response)

    def load(self, data: Mapping[str, Any]) -> None:
        """Apply a JSON script (see ``Script.load``) plus ``"models"`` (see ``set_model``); the
        ``--script`` file has this shape."""
        models = entries_from_json(data["models"]) if "models" in data else []
        self._script.load({key: value for key, value in data.items() if key != "models"})
        for entry in models:
            replace_entry(self.models, entry)

    def set_model(self, model_id: str, **facts: Any) -> None:
        """Add or replace one ``GET /models`` entry; ``facts`` as ``model_entry`` takes them."""
        replace_entry(self.models, model_entry(model_id, **facts))

    def pending(self, model: str | None) -> int:
        return self._script.pending(model)

    def reset(self) -> None:
        self._script.reset()
        self.cache.clear()
        self.requests.clear()
        self.disconnects = 0

    async def wait_disconnect(self, timeout: float = 1.0, count: int = 1) -> bool:
        """Wait until ``count`` disconnects have been counted since the last reset."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.disconnects < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._disconnect_event = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await event.wait()
        return True

    def _count_disconnect(self) -> None:
        self.disconnects += 1
        if self._disconnect_event is not None:
            self._disconnect_event.set()

    # -- requests → replies (I/O-free) -----------------------------------------------------------

    def respond(self, method: str, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        endpoint = _endpoint(path)
        control = self._controls.get((method, endpoint))
        if control is not None:
            return self._control(control, raw)
        request = RecordedRequest.from_http(method, path, headers, raw)
        self.requests.append(request)
        route = self._routes.get((method, endpoint))
        if route is None:
            return _error(404, f"fake OpenRouter: no route {method} {path}")
        return route(request)

    def _answer(self, request: RecordedRequest, dialect: Dialect) -> Reply:
        spec = self._script.choose(request)
        answered = not isinstance(spec, HttpError | Refuse)  # a refused prompt warms nothing
        cached = self.cache.read(request.model, request.body) if answered else 0
        context = Context.new(request.model, len(request.raw), self.provider, cached)
        return render(spec, context, request.stream, dialect)

    def _control(self, control: Callable[[Any], Reply], raw: bytes) -> Reply:
        try:
            body = orjson.loads(raw) if raw else None
            return control(body)
        except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
            return _error(400, f"fake OpenRouter: {exc}")

    def _load(self, data: Mapping[str, Any]) -> Reply:
        self._script.load(data)
        return json_reply(200, {"ok": True})

    def _control_default(self, body: Any) -> Reply:
        if not isinstance(body, dict) or "response" not in body:
            raise ValueError('the body must be {"response": spec}')
        return self._load({"default": body["response"]})

    def _control_models(self, body: Any) -> Reply:
        if not isinstance(body, dict) or "models" not in body:
            raise ValueError('the body must be {"models": [...], "replace"?: bool}')
        entries = entries_from_json(body["models"])
        if body.get("replace"):
            self.models.clear()
        for entry in entries:
            replace_entry(self.models, entry)
        return json_reply(200, {"ok": True, "models": len(self.models)})

    def _control_requests(self, body: Any) -> Reply:
        return json_reply(200, [request.to_json() for request in self.requests])

    def _control_stats(self, body: Any) -> Reply:
        return json_reply(200, {"requests": len(self.requests), "disconnects": self.disconnects})

    def _control_reset(self, body: Any) -> Reply:
        self.reset()
        return json_reply(200, {"ok": True})

    # -- server mode -----------------------------------------------------------------------------

    @property
    def app(self) -> ASGIApp:
        """The ASGI app (the fake itself; a plain object so servers detect ASGI 3)."""
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the whole request, answer it from the script, write the reply."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        raw = await _read_body(receive)
        if raw is None:
            return  # the client left before sending its body
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        reply = self.respond(scope["method"], scope["path"], headers, raw)
        await _AsgiWriter(scope, receive, send, self._count_disconnect).write(reply)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> AbstractAsyncContextManager[str]:
        """Serve on uvicorn in the running loop; yields ``http://HOST:PORT/api/v1``."""
        return self._serve(host, port)

    @asynccontextmanager
    async def _serve(self, host: str, port: int) -> AsyncIterator[str]:
        async with serve_in_loop(self.app, host, port) as bound:
            yield f"http://{host}:{bound}/api/v1"

    # -- transport mode --------------------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process transport for ``httpx.AsyncClient(transport=..., base_url=...)``."""
        return httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        reply = self.respond(request.method, request.url.path, request.headers, request.content)
        if reply.first_byte_delay > 0:
            try:
                await asyncio.sleep(reply.first_byte_delay)
            except asyncio.CancelledError:
                self._count_disconnect()  # e.g. the client's first-byte timeout fired
                raise
        if reply.ending == "refuse":
            raise httpx.ConnectError("fake OpenRouter refused the connection", request=request)
        stream = _ReplyStream(reply, request, self._count_disconnect)
        return httpx.Response(reply.status, headers=list(reply.headers), stream=stream)


class _ReplyStream(httpx.AsyncByteStream):
    def __init__(
        self, reply: Reply, request: httpx.Request, on_abandon: Callable[[], None]
    ) -> None:
        self._reply = reply
        self._request = request
        self._on_abandon = on_abandon
        self._finished = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        reply = self._reply
        pieces = reply.pieces if reply.chunk_delay else (b"".join(reply.pieces),)
        for number, piece in enumerate(pieces):
            if number:
                await asyncio.sleep(reply.chunk_delay)
            yield piece
        self._finished = True  # a cut is the server's doing, not the client abandoning it
        if reply.ending == "cut":
            message = "peer closed connection without sending complete message body"
            raise httpx.RemoteProtocolError(message, request=self._request)

    async def aclose(self) -> None:
        if not self._finished:
            self._finished = True
            self._on_abandon()


class _AsgiWriter:
    """Writes one ``Reply`` over ASGI, noticing a client that leaves during a delay."""

    def __init__(
        self, scope: Scope, receive: Receive, send: Send, on_abandon: Callable[[], None]
    ) -> None:
        self._scope, self._receive, self._send = scope, receive, send
        self._on_abandon = on_abandon
        self._gone = asyncio.Event()
        self._watcher: asyncio.Future[None] | None = None

    async def write(self, reply: Reply) -> None:
        if reply.first_byte_delay or reply.chunk_delay:
            self._watcher = asyncio.ensure_future(self._watch())
        try:
            if await self._left_during(reply.first_byte_delay):
                return
            if reply.ending == "refuse":
                await self._drop()
                return
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
            await self._send(
                {"type": "http.response.start", "status": reply.status, "headers": headers}
            )
            if await self._body(reply) and reply.ending == "cut":
                await self._drop()
        finally:
            if self._watcher is not None:
                self._watcher.cancel()

    async def _body(self, reply: Reply) -> bool:
        """Send the pieces; ``False`` when the client left first."""
        more = reply.ending == "cut"
        if not reply.chunk_delay:  # all chunks in one send: the fast path benchmarks take
            await self._send(
                {"type": "http.response.body", "body": b"".join(reply.pieces), "more_body": more}
            )
            return True
        last = len(reply.pieces) - 1
        for number, piece in enumerate(reply.pieces):
            if number and await self._left_during(reply.chunk_delay):
                return False
            await self._send(
                {"type": "http.response.body", "body": piece, "more_body": more or number < last}
            )
        if last < 0:
            await self._send({"type": "http.response.body", "body": b"", "more_body": more})
        return True

    async def _watch(self) -> None:
        while (await self._receive())["type"] != "http.disconnect":
            pass
        self._gone.set()

    async def _left_during(self, delay: float) -> bool:
        if delay > 0 and not self._gone.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._gone.wait()
        if self._gone.is_set():
            self._on_abandon()
            return True
        return False

    async def _drop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        if not abort_connection(self._scope):
            # Not served by fake_server: raising makes the server close the connection.
            raise ConnectionAbortedError("fake OpenRouter drops this connection")
        while (await self._receive())["type"] != "http.disconnect":
            pass  # returning once uvicorn saw the disconnect keeps it from logging an error


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


_ENDPOINTS = ("/messages/count_tokens", "/chat/completions", "/messages", "/models")


def _endpoint(path: str) -> str:
    """Match by suffix, so any provider's URL shape reaches the fake (``/v1beta/openai/…``)."""
    path = path.rstrip("/") or "/"
    control = path.find("/_fake/")
    if control >= 0:
        return path[control:]
    for endpoint in _ENDPOINTS:
        if path.endswith(endpoint):
            return endpoint
    return path


def _error(status: int, message: str) -> Reply:
    return json_reply(status, {"error": {"code": status, "message": message}})


def _count_tokens(request: RecordedRequest) -> Reply:
    return json_reply(200, {"input_tokens": max(1, len(request.raw) // 4)})


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ccrouter.testing.fake", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--script", type=Path, help="JSON: {scripts, rules, default}")
    args = parser.parse_args(argv)
    fake = FakeOpenRouter()
    if args.script is not None:
        fake.load(orjson.loads(args.script.read_bytes()))
    run_process(fake.app, args.host, args.port, "fake-openrouter")


if __name__ == "__main__":
    main()
