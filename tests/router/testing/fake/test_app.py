"""The fake through both of its doors: ``fake.transport()`` and a real server from ``fake.serve()``."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import orjson
import pytest

from ccrouter.sse import ServerSentEvent, SSEDecoder
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.models import DEFAULT_MODELS
from ccrouter.testing.fake.script import (
    BadJSON,
    Cut,
    HttpError,
    MidStreamError,
    Refuse,
    Text,
    ToolCall,
    ToolCalls,
    spec_to_json,
)
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream


@dataclass
class Env:
    fake: FakeOpenRouter
    client: httpx.AsyncClient
    mode: Literal["transport", "server"]

    def url(self, path: str) -> str:
        return str(self.client.base_url.copy_with(path=path))


@pytest.fixture(params=["transport", "server"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    fake = FakeOpenRouter()
    if request.param == "transport":
        transport = fake.transport()
        async with httpx.AsyncClient(transport=transport, base_url="http://fake/api/v1") as client:
            yield Env(fake, client, "transport")
    else:
        async with (
            fake.serve() as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=5) as client,
        ):
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
            yield Env(fake, client, "server")


def chat(model: str = "m", stream: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
        **extra,
    }


def parse(raw: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    return decoder.feed(raw) + decoder.flush()


def data_of(events: list[ServerSentEvent]) -> list[dict[str, Any]]:
    return [e.json() for e in events if e.comment is None and e.data != "[DONE]"]


def content_of(chunks: list[dict[str, Any]]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


async def post_stream(
    env: Env, body: dict[str, Any]
) -> tuple[httpx.Response, list[ServerSentEvent]]:
    response = await env.client.post("/chat/completions", json={**body, "stream": True})
    return response, parse(response.content)


async def test_default_answer_as_json(env: Env) -> None:
    response = await env.client.post("/chat/completions", json=chat("vendor/x"))
    body = response.json()
    assert response.status_code == 200
    assert body["choices"][0]["message"]["content"] == "Hello from vendor/x"
    assert body["object"] == "chat.completion" and body["model"] == "vendor/x"
    assert response.headers["x-generation-id"] == body["id"]


async def test_default_answer_streamed(env: Env) -> None:
    response, events = await post_stream(env, chat("vendor/x"))
    assert response.headers["content-type"].startswith("text/event-stream")
    assert events[0].comment == "OPENROUTER PROCESSING"
    assert events[-1].data == "[DONE]"
    chunks = data_of(events)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert content_of(chunks) == "Hello from vendor/x"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert {c["id"] for c in chunks} == {response.headers["x-generation-id"]}


async def test_every_route_prefix(env: Env) -> None:
    for path in ("/api/v1/chat/completions", "/v1/chat/completions", "/chat/completions/"):
        response = await env.client.post(env.url(path), json=chat())
        assert response.json()["choices"][0]["message"]["content"] == "Hello from m"
    assert [r.path for r in env.fake.requests] == [
        "/api/v1/chat/completions",
        "/v1/chat/completions",
        "/chat/completions/",
    ]


async def test_requests_are_recorded(env: Env) -> None:
    raw = orjson.dumps(chat("a", messages=[{"role": "tool", "content": "x", "tool_call_id": "1"}]))
    headers = {"Authorization": "Bearer sk-test", "X-Title": "ccrouter"}
    await env.client.post("/chat/completions", content=raw, headers=headers)
    (recorded,) = env.fake.requests
    assert recorded.method == "POST" and recorded.path == "/api/v1/chat/completions"
    assert recorded.raw == raw and recorded.body == orjson.loads(raw)
    assert recorded.headers["authorization"] == "Bearer sk-test"
    assert recorded.headers["x-title"] == "ccrouter"
    assert recorded.model == "a" and recorded.has_tool_result


async def test_scripts_are_fifo_per_model_then_default(env: Env) -> None:
    env.fake.script("a", Text("a1"), Text("a2"))
    env.fake.script(None, Text("any"))
    answers = []
    for model in ("a", "b", "a", "a", "b"):
        response = await env.client.post("/chat/completions", json=chat(model))
        answers.append(response.json()["choices"][0]["message"]["content"])
    assert answers == ["a1", "any", "a2", "Hello from a", "Hello from b"]


async def test_on_rules_and_default(env: Env) -> None:
    env.fake.on(lambda r: r.has_tool_result, Text("done"))
    env.fake.default = lambda r: ToolCalls([ToolCall("Bash", {"command": "ls"}, id="c1")])
    first = (await env.client.post("/chat/completions", json=chat())).json()
    assert first["choices"][0]["message"]["tool_calls"][0]["id"] == "c1"
    tool_turn = chat(messages=[{"role": "tool", "tool_call_id": "c1", "content": "a.txt"}])
    second = (await env.client.post("/chat/completions", json=tool_turn)).json()
    assert second["choices"][0]["message"]["content"] == "done"


async def test_tool_calls_streamed(env: Env) -> None:
    calls = [ToolCall("Bash", {"command": "ls"}, id="a"), ToolCall("Read", {"p": 1}, id="b")]
    env.fake.script("m", ToolCalls(calls, variant="same_index", chunk_chars=4))
    _, events = await post_stream(env, chat())
    parts = [
        p
        for c in data_of(events)
        if c["choices"]
        for p in c["choices"][0]["delta"].get("tool_calls") or []
    ]
    by_id: dict[str, str] = {}
    current = ""
    for part in parts:
        current = part.get("id", current)
        by_id[current] = by_id.get(current, "") + part["function"].get("arguments", "")
    assert by_id == {"a": '{"command":"ls"}', "b": '{"p":1}'}
    assert data_of(events)[-2]["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("stream", [False, True])
async def test_http_error(env: Env, stream: bool) -> None:
    availability = {"code": "capacity_exhausted", "retryable": True, "retry_after": 2}
    env.fake.script(
        "m",
        HttpError(
            429, "rate limited", "rate_limit_exceeded", retry_after=2, availability=availability
        ),
    )
    response = await env.client.post("/chat/completions", json=chat(stream=stream))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (429, "rate limited")
    assert error["metadata"] == {"error_type": "rate_limit_exceeded", "availability": availability}
    assert (await env.client.post("/chat/completions", json=chat())).status_code == 200


async def test_mid_stream_error(env: Env) -> None:
    env.fake.script("m", MidStreamError(Text("abcdefgh", chunk_chars=2), after_chunks=2, code=502))
    response, events = await post_stream(env, chat())
    assert response.status_code == 200
    chunks = data_of(events)
    assert content_of(chunks[:-1]) == "ab"
    assert chunks[-1]["error"]["code"] == 502
    assert chunks[-1]["error"]["metadata"]["error_type"] == "provider_unavailable"
    assert chunks[-1]["choices"][0]["finish_reason"] == "error"
    assert events[-1].data != "[DONE]"


async def test_mid_stream_error_without_stream(env: Env) -> None:
    env.fake.script("m", MidStreamError(Text("abcdefgh", chunk_chars=2), after_chunks=2))
    response = await env.client.post("/chat/completions", json=chat())
    assert response.status_code == 200
    assert response.json()["choices"][0]["finish_reason"] == "error"


async def test_bad_json(env: Env) -> None:
    env.fake.script("m", BadJSON(after_chunks=2))
    _, events = await post_stream(env, chat())
    assert events[-1].data == "{this is not json"
    assert len(data_of(events[:-1])) == 2


@pytest.mark.parametrize("stream", [False, True])
async def test_cut_kills_the_connection_mid_body(env: Env, stream: bool) -> None:
    env.fake.script("m", Cut(Text("abcdefgh", chunk_chars=2), after_chunks=2))
    received = b""
    with pytest.raises(httpx.RemoteProtocolError):
        async with env.client.stream(
            "POST", "/chat/completions", json=chat(stream=stream)
        ) as response:
            assert response.status_code == 200
            async for piece in response.aiter_bytes():
                received += piece
    if stream:
        assert content_of(data_of(parse(received))) == "ab"
    assert env.fake.disconnects == 0  # the server's doing, not the client's
    assert (await env.client.post("/chat/completions", json=chat())).status_code == 200


async def test_refuse(env: Env) -> None:
    env.fake.script("m", Refuse())
    expected = httpx.ConnectError if env.mode == "transport" else httpx.RemoteProtocolError
    with pytest.raises(expected):
        await env.client.post("/chat/completions", json=chat())
    assert (await env.client.post("/chat/completions", json=chat())).status_code == 200


async def test_disconnect_counted_when_the_client_leaves_a_slow_stream(env: Env) -> None:
    env.fake.script("m", Text("x" * 200, chunk_chars=1, chunk_delay=0.01))
    async with env.client.stream("POST", "/chat/completions", json=chat(stream=True)) as response:
        async for _ in response.aiter_bytes():
            break
    assert await env.fake.wait_disconnect(timeout=2.0)
    assert env.fake.disconnects == 1


async def test_a_complete_slow_stream_is_no_disconnect(env: Env) -> None:
    env.fake.script("m", Text("abcdef", chunk_chars=2, chunk_delay=0.01, first_byte_delay=0.01))
    _, events = await post_stream(env, chat())
    assert content_of(data_of(events)) == "abcdef"
    assert not await env.fake.wait_disconnect(timeout=0.05)


async def test_first_byte_delay_lets_a_client_time_out(env: Env) -> None:
    env.fake.script("m", Text("late", first_byte_delay=5.0))
    started = time.monotonic()
    with pytest.raises((httpx.ReadTimeout, TimeoutError)):
        if env.mode == "server":
            await env.client.post(
                "/chat/completions", json=chat(), timeout=httpx.Timeout(5, read=0.2)
            )
        else:  # MockTransport ignores httpx timeouts; the caller's own deadline applies
            async with asyncio.timeout(0.2):
                await env.client.post("/chat/completions", json=chat())
    assert time.monotonic() - started < 2
    assert await env.fake.wait_disconnect(timeout=2.0)


async def test_messages_skin(env: Env) -> None:
    raw = orjson.dumps({"model": "anthropic/claude-sonnet-4.5", "max_tokens": 10, "messages": []})
    headers = {
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "x",
        "content-type": "application/json",
    }
    response = await env.client.post("/messages", content=raw, headers=headers)
    assert response.json()["content"] == [
        {"type": "text", "text": "Hello from anthropic/claude-sonnet-4.5"}
    ]
    assert response.headers["x-generation-id"].startswith("gen-")
    recorded = env.fake.requests[-1]
    assert recorded.raw == raw and recorded.headers["anthropic-beta"] == "x"
    stream_raw = orjson.dumps(
        {"model": "anthropic/claude-haiku-4.5", "stream": True, "messages": []}
    )
    streamed = await env.client.post(env.url("/v1/messages"), content=stream_raw)
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = assert_valid_anthropic_stream(streamed.content)
    text = "".join(
        d["delta"].get("text", "") for name, d in events if name == "content_block_delta"
    )
    assert text == "Hello from anthropic/claude-haiku-4.5"
    count = await env.client.post("/messages/count_tokens", content=raw)
    assert count.json()["input_tokens"] > 0


async def test_messages_skin_errors(env: Env) -> None:
    env.fake.script(None, HttpError(529, "overloaded", retry_after=1))
    response = await env.client.post("/messages", json={"model": "m", "messages": []})
    assert response.status_code == 529 and response.headers["retry-after"] == "1"
    assert response.json()["error"]["type"] == "overloaded_error"


async def test_models(env: Env) -> None:
    data = (await env.client.get("/models")).json()["data"]
    assert [m["id"] for m in data] == [m["id"] for m in DEFAULT_MODELS]
    for model in data:
        assert model["context_length"] > 0
        assert model["top_provider"]["max_completion_tokens"] > 0
        assert isinstance(model["supported_parameters"], list)
    env.fake.models = [{"id": "only/one", "context_length": 1000}]
    assert (await env.client.get(env.url("/v1/models"))).json() == {"data": env.fake.models}


async def test_unknown_route_is_a_404_and_recorded(env: Env) -> None:
    response = await env.client.get("/nope")
    assert response.status_code == 404 and response.json()["error"]["code"] == 404
    assert env.fake.requests[-1].path == "/api/v1/nope"


async def test_control_endpoints(env: Env) -> None:
    client = env.client
    script = {
        "model": "m",
        "responses": [spec_to_json(HttpError(503, "down")), spec_to_json(Text("up"))],
    }
    assert (await client.post(env.url("/_fake/script"), json=script)).json() == {"ok": True}
    rule = {"when": "tool_result", "response": {"type": "text", "text": "done"}}
    await client.post(env.url("/_fake/rule"), json=rule)
    await client.post(
        env.url("/_fake/default"), json={"response": {"type": "text", "text": "dflt"}}
    )
    assert (await client.post("/chat/completions", json=chat())).status_code == 503
    assert (await client.post("/chat/completions", json=chat())).json()["choices"][0]["message"][
        "content"
    ] == "up"
    tool_turn = chat(messages=[{"role": "tool", "tool_call_id": "1", "content": "x"}])
    assert (await client.post("/chat/completions", json=tool_turn)).json()["choices"][0]["message"][
        "content"
    ] == "done"
    assert (await client.post("/chat/completions", json=chat())).json()["choices"][0]["message"][
        "content"
    ] == "dflt"

    recorded = (await client.get(env.url("/_fake/requests"))).json()
    assert len(recorded) == 4  # control requests are not recorded
    assert recorded[0]["path"] == "/api/v1/chat/completions" and recorded[0]["body"]["model"] == "m"
    assert "content-type" in recorded[0]["headers"]
    assert (await client.get(env.url("/_fake/stats"))).json() == {"requests": 4, "disconnects": 0}

    assert (await client.post(env.url("/_fake/reset"))).json() == {"ok": True}
    assert env.fake.requests == []
    answer = (await client.post("/chat/completions", json=chat())).json()
    assert answer["choices"][0]["message"]["content"] == "Hello from m"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_fake/script", b'{"model": "m", "responses": [{"type": "nope"}]}'),
        ("/_fake/script", b"{not json"),
        ("/_fake/rule", b'{"when": "sometimes", "response": {"type": "refuse"}}'),
        ("/_fake/default", b"{}"),
    ],
)
async def test_control_endpoints_reject_bad_input(env: Env, path: str, body: bytes) -> None:
    response = await env.client.post(env.url(path), content=body)
    assert response.status_code == 400
    assert "fake OpenRouter" in response.json()["error"]["message"]
    assert env.fake.pending("m") == 0


async def test_reset(env: Env) -> None:
    env.fake.script("m", Text("queued"))
    env.fake.default = Text("custom")
    await env.client.post("/chat/completions", json=chat("other"))
    env.fake.reset()
    assert (env.fake.requests, env.fake.disconnects, env.fake.pending("m")) == ([], 0, 0)
    answer = (await env.client.post("/chat/completions", json=chat())).json()
    assert answer["choices"][0]["message"]["content"] == "Hello from m"


async def test_wait_disconnect_gives_up_after_the_timeout() -> None:
    started = time.monotonic()
    assert not await FakeOpenRouter().wait_disconnect(timeout=0.05)
    assert time.monotonic() - started < 1


async def test_many_concurrent_long_streams_over_tcp() -> None:
    fake = FakeOpenRouter(models=[])
    fake.default = Text("y" * 1600, chunk_chars=8)  # 200 content chunks
    limits = httpx.Limits(max_connections=32)
    async with (
        fake.serve() as base_url,
        httpx.AsyncClient(base_url=base_url, limits=limits) as client,
    ):

        async def one() -> str:
            response = await client.post("/chat/completions", json=chat(stream=True))
            return content_of(data_of(parse(response.content)))

        answers = await asyncio.wait_for(asyncio.gather(*(one() for _ in range(32))), timeout=20)
    assert answers == ["y" * 1600] * 32


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
async def test_runs_as_a_process(tmp_path: Path, stop_signal: signal.Signals) -> None:
    script = tmp_path / "script.json"
    script.write_bytes(
        orjson.dumps({"scripts": [{"model": "m", "responses": [spec_to_json(Text("from file"))]}]})
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ccrouter.testing.fake",
        "--port",
        "0",
        "--script",
        str(script),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=15)).decode()
        assert line.startswith("fake-openrouter listening on http://127.0.0.1:")
        base_url = line.split(" on ", 1)[1].strip() + "/api/v1"
        async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:

            async def answer() -> str:
                body = (await client.post("/chat/completions", json=chat())).json()
                return str(body["choices"][0]["message"]["content"])

            assert await answer() == "from file"
            scripted = {"model": "m", "responses": [{"type": "text", "text": "over http"}]}
            await client.post("/_fake/script", json=scripted)
            assert await answer() == "over http"
            assert (await client.get("/_fake/stats")).json()["requests"] == 2
            process.send_signal(stop_signal)  # with the client's keep-alive connection still open
            assert await asyncio.wait_for(process.wait(), timeout=10) == 0
        assert await process.stderr.read() == b""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_models_control_route(env: Env) -> None:
    client = env.client
    body = {"models": [{"id": "fake/ctx-32k", "context": 32_768}], "replace": True}
    answer = await client.post(env.url("/_fake/models"), json=body)
    assert answer.json() == {"ok": True, "models": 1}
    data = (await client.get("/models")).json()["data"]
    assert [m["id"] for m in data] == ["fake/ctx-32k"]
    assert data[0]["context_length"] == 32_768
    bad = await client.post(env.url("/_fake/models"), json={"models": [{"nope": 1}]})
    assert bad.status_code == 400
    assert (await client.post(env.url("/_fake/models"), json=[])).status_code == 400
