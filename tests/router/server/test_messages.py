"""POST /v1/messages end to end: app over ASGITransport, fake OpenRouter behind it."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import httpx
import orjson
import pytest

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import Text
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from tests.conftest import user_message
from tests.recording.cases import request_names
from tests.recording.server import Recording


async def test_sdk_streams_an_answer_from_the_default_route(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    fake.script("model-default", Text("Hello there, friend."))
    async with sdk.messages.stream(
        model="claude-opus-5-5", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        message = await stream.get_final_message()
    assert message.content[0].type == "text"
    assert message.content[0].text == "Hello there, friend."
    assert message.stop_reason == "end_turn"
    assert message.model == "claude-opus-5-5"
    assert message.usage.output_tokens > 0
    assert fake.requests[-1].body["model"] == "model-default"


async def test_sdk_gets_a_non_streaming_message(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    fake.script("model-default", Text("Plain answer."))
    message = await sdk.messages.create(
        model="claude-opus-5-5", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    )
    assert message.content[0].text == "Plain answer."  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"


async def test_stream_passes_the_validator_and_has_routing_headers(
    client: httpx.AsyncClient, fake: FakeOpenRouter
) -> None:
    response = await client.post("/v1/messages?beta=true", json=user_message(stream=True))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["x-ccrouter-route"] == "default"
    assert response.headers["x-ccrouter-model"] == "openrouter,model-default"
    assert response.headers["request-id"].startswith("req_")
    events = assert_valid_anthropic_stream(response.content)
    assert events[0][0] == "message_start"
    assert b"[DONE]" not in response.content


@pytest.mark.parametrize("recorded", request_names(), indirect=True)
async def test_every_recorded_claude_code_request_is_accepted(
    client: httpx.AsyncClient, fake: FakeOpenRouter, recorded: Recording
) -> None:
    recording = recorded
    if recording["method"] != "POST":
        response = await client.get(recording["path"], params=recording.get("query") or {})
        assert response.status_code == 200, response.text
        return
    headers = {
        k: v
        for k, v in recording["headers"]
        if k.lower() not in ("host", "content-length", "connection", "accept-encoding")
    }
    response = await client.post(
        recording["path"],
        params=recording.get("query") or {},
        content=orjson.dumps(recording["body"]),
        headers=headers,
    )
    assert response.status_code == 200, response.text
    if recording["path"].endswith("/count_tokens"):
        assert response.json()["input_tokens"] > 0
        return
    if recording["body"].get("stream"):
        assert_valid_anthropic_stream(response.content)
    else:
        assert response.json()["type"] == "message"
    forwarded = fake.requests[-1].body
    assert forwarded is not None
    dumped = orjson.dumps(forwarded)
    for leaked in (
        b"context_management",
        b"x-anthropic-billing-header",
        b"safeguards",
        b"output_config",
    ):
        assert leaked not in dumped, f"{leaked!r} leaked upstream"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1,2]", "JSON object"),
        (orjson.dumps({"model": "m", "max_tokens": 5}), "messages"),
        (orjson.dumps({"model": "m", "messages": []}), "max_tokens"),
        (orjson.dumps({"model": "m", "max_tokens": "lots", "messages": []}), "max_tokens"),
        (orjson.dumps({"max_tokens": 5, "messages": []}), "model"),
        (
            orjson.dumps(
                {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": 3}]}
            ),
            "messages[0].content",
        ),
        (
            orjson.dumps({"model": "m", "max_tokens": 5, "messages": [], "temperature": "hot"}),
            "temperature",
        ),
    ],
)
async def test_bad_input_gets_an_anthropic_400_naming_the_field(
    client: httpx.AsyncClient, body: bytes, fragment: str
) -> None:
    response = await client.post("/v1/messages", content=body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["type"] == "error"
    assert payload["error"]["type"] == "invalid_request_error"
    assert fragment in payload["error"]["message"]
    assert "Traceback" not in response.text


async def test_unknown_fields_and_block_types_are_accepted(client: httpx.AsyncClient) -> None:
    body = user_message(
        stream=True,
        speed="fast",
        some_future_field={"x": 1},
        messages=[
            {
                "role": "user",
                "content": [{"type": "text", "text": "hi"}, {"type": "hologram", "data": 1}],
            }
        ],
    )
    response = await client.post("/v1/messages", json=body)
    assert response.status_code == 200
    assert_valid_anthropic_stream(response.content)


async def test_upstream_error_comes_back_in_anthropic_shape(
    client: httpx.AsyncClient, fake: FakeOpenRouter
) -> None:
    from ccrouter.testing.fake.script import HttpError

    fake.script("model-default", HttpError(400, "bad things in your request"))
    response = await client.post("/v1/messages", json=user_message())
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "bad things" in error["message"]
    assert "sk-or-test-key" not in response.text
    assert response.headers["x-should-retry"] == "false"


@pytest.mark.parametrize("stream", [True, False])
async def test_errors_carry_the_routing_headers_of_a_success(
    client: httpx.AsyncClient, fake: FakeOpenRouter, stream: bool
) -> None:
    from ccrouter.testing.fake.script import HttpError

    fake.script("model-default", HttpError(400, "bad things in your request"))
    response = await client.post("/v1/messages", json=user_message(stream=stream))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.headers["request-id"] == response.json()["request_id"]
    assert response.headers["x-ccrouter-route"] == "default"
    assert response.headers["x-ccrouter-model"] == "openrouter,model-default"
    assert response.headers["x-ccrouter-tried"] == "openrouter,model-default (400)"


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (orjson.dumps({"model": "m", "max_tokens": 5}), 400)],
)
async def test_errors_before_routing_say_no_route_and_nothing_tried(
    client: httpx.AsyncClient, body: bytes, status: int
) -> None:
    response = await client.post("/v1/messages", content=body)
    assert response.status_code == status
    assert response.headers["x-ccrouter-route"] == "-"
    assert "x-ccrouter-model" not in response.headers
    assert response.headers["x-ccrouter-tried"] == ""


async def test_count_tokens_counts_offline(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/messages/count_tokens?beta=true",
        json={"model": "claude-opus-5-5", "messages": [{"role": "user", "content": "hello world"}]},
    )
    assert response.status_code == 200
    assert response.json()["input_tokens"] > 0


async def test_models_are_listed_in_anthropic_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/models?limit=1000")
    payload = response.json()
    assert payload["has_more"] is False
    assert {"type", "id", "display_name", "created_at"} <= set(payload["data"][0])
    assert payload["first_id"] == payload["data"][0]["id"]


async def test_probes_answer_200(client: httpx.AsyncClient) -> None:
    assert (await client.head("/")).status_code == 200
    assert (await client.head("/api/hello")).status_code == 200
    health = (await client.get("/health")).json()
    assert health["status"] == "ok"
    assert health["tokenizer"]


async def test_unknown_path_is_an_anthropic_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found_error"


async def test_apikey_is_required_when_configured(make_app: Any) -> None:
    app = make_app(APIKEY="secret-key")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        denied = await c.post("/v1/messages", json=user_message())
        assert denied.status_code == 401
        assert denied.headers["x-ccrouter-route"] == "-"
        assert denied.json()["error"]["type"] == "authentication_error"
        assert "secret-key" not in denied.text
        wrong = await c.post("/v1/messages", json=user_message(), headers={"x-api-key": "nope"})
        assert wrong.status_code == 401
        ok = await c.post(
            "/v1/messages", json=user_message(), headers={"authorization": "Bearer secret-key"}
        )
        assert ok.status_code == 200
        ok2 = await c.post("/v1/messages", json=user_message(), headers={"x-api-key": "secret-key"})
        assert ok2.status_code == 200


async def test_missing_provider_key_is_an_authentication_error_naming_the_variable(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import base_config

    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    config = base_config()
    config["Providers"][0]["api_key"] = "$OPENROUTER_API_KEY"
    config["Providers"][0]["api_base_url"] = "https://openrouter.ai/api/v1/chat/completions"
    app = make_app(config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        health = (await c.get("/health")).json()
        assert health["status"] == "degraded"
        response = await c.post("/v1/messages", json=user_message())
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "authentication_error"
    assert "OPENROUTER_API_KEY" in error["message"]


# --- the raw ASGI handler: how each request ends, and the one record it leaves ---------------


class RawClient:
    """Sends one body, then reports a disconnect when asked again; ``send`` may fail on a call."""

    def __init__(self, body: bytes, fail_on_send: int | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self._body: bytes | None = body
        self._fail_on_send = fail_on_send

    async def receive(self) -> dict[str, Any]:
        body, self._body = self._body, None
        if body is None:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(self, message: Any) -> None:
        if len(self.sent) == self._fail_on_send:
            raise OSError("the client's socket broke")
        self.sent.append(message)

    async def post(self, app: Any) -> None:
        scope = {"type": "http", "method": "POST", "path": "/v1/messages", "headers": []}
        await app(scope, self.receive, self.send)


@pytest.mark.parametrize(
    ("body", "upstream_fails", "status", "route", "tried"),
    [
        (orjson.dumps(user_message()), False, "ok", "default", ""),
        (b"{not json", False, "error 400", "-", ""),
        (
            orjson.dumps(user_message()),
            True,
            "error 400",
            "default",
            "openrouter,model-default (400)",
        ),
    ],
    ids=["ok", "bad-body", "upstream-400"],
)
async def test_each_request_leaves_one_record_saying_how_it_ended(
    app: Any,
    fake: FakeOpenRouter,
    body: bytes,
    upstream_fails: bool,
    status: str,
    route: str,
    tried: str,
) -> None:
    from ccrouter.testing.fake.script import HttpError

    if upstream_fails:
        fake.script("model-default", HttpError(400, "no"))
    await RawClient(body).post(app)
    assert app.stats.requests == 1
    record = app.stats.recent[-1]
    assert (record.status, record.route, record.tried) == (status, route, tried)


async def test_a_client_that_leaves_while_the_model_thinks_cancels_the_work(
    app: Any, fake: FakeOpenRouter
) -> None:
    fake.script("model-default", Text("too late", first_byte_delay=5.0))
    client = RawClient(orjson.dumps(user_message(stream=True)))
    await asyncio.wait_for(client.post(app), 3.0)  # the watcher notices within WATCH_AFTER_S
    assert client.sent == []
    assert app.stats.recent[-1].status == "client disconnected"


async def test_a_failure_after_the_stream_began_is_recorded_without_a_second_answer(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = RawClient(orjson.dumps(user_message(stream=True)), fail_on_send=2)
    await client.post(app)
    assert [m["type"] for m in client.sent] == ["http.response.start", "http.response.body"]
    assert app.stats.recent[-1].status == "error 500"
    assert "unexpected error handling req_" in caplog.text
