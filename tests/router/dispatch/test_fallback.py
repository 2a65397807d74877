"""Fallback chains and resilience, with faults injected by the fake OpenRouter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ccrouter.app import CCRouterApp
from ccrouter.dispatch.cooldown import Cooldowns
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import BadJSON, Cut, HttpError, MidStreamError, Refuse, Text
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from tests.conftest import base_config, user_message

# Chunks spaced out, so content really reaches the client before the fault (one network read
# holding both would rightly still fall back: nothing had been sent).
SLOW = Text("This answer is going to break somewhere in the middle.", chunk_delay=0.03)
CHAIN = ["openrouter,model-a", "openrouter,model-b", "openrouter,model-c"]


def chain_config(**resilience: Any) -> dict[str, Any]:
    config = base_config()
    config["Providers"][0]["models"] += ["model-a", "model-c"]
    config["Router"]["default"] = CHAIN
    config["Resilience"].update(resilience)
    return config


@pytest.fixture
def chain_app(make_app: Callable[..., CCRouterApp]) -> CCRouterApp:
    return make_app(chain_config())


async def post(app: CCRouterApp, stream: bool, **body: Any) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=15
    ) as c:
        return await c.post("/v1/messages", json=user_message(stream=stream, **body))


def text_of(response: httpx.Response, stream: bool) -> str:
    if not stream:
        return "".join(b.get("text", "") for b in response.json()["content"])
    events = assert_valid_anthropic_stream(response.content)
    return "".join(e[1]["delta"].get("text", "") for e in events if e[0] == "content_block_delta")


def models_asked(fake: FakeOpenRouter) -> list[str]:
    return [r.body["model"] for r in fake.requests if r.body]


@pytest.mark.parametrize("stream", [True, False])
async def test_429_moves_on_to_the_next_model(
    chain_app: CCRouterApp, fake: FakeOpenRouter, stream: bool
) -> None:
    fake.script("model-a", HttpError(429, "rate limited", error_type="rate_limit_exceeded"))
    response = await post(chain_app, stream)
    assert response.status_code == 200
    assert text_of(response, stream) == "Hello from model-b"
    assert models_asked(fake) == ["model-a", "model-b"]
    assert (
        response.headers["x-ccrouter-tried"] == "openrouter,model-a (429), openrouter,model-b (ok)"
    )
    assert response.headers["x-ccrouter-model"] == "openrouter,model-b"


@pytest.mark.parametrize("stream", [True, False])
async def test_500_on_every_model_names_each_and_stops_client_retries(
    chain_app: CCRouterApp, fake: FakeOpenRouter, stream: bool
) -> None:
    fake.default = HttpError(500, "upstream exploded")
    response = await post(chain_app, stream)
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["type"] == "api_error"
    for model in ("model-a", "model-b", "model-c"):
        assert f"openrouter,{model}" in error["message"]
    assert "upstream exploded" in error["message"]
    assert response.headers["x-should-retry"] == "false"
    assert models_asked(fake) == ["model-a", "model-b", "model-c"]


@pytest.mark.parametrize("stream", [True, False])
async def test_400_does_not_fall_back(
    chain_app: CCRouterApp, fake: FakeOpenRouter, stream: bool
) -> None:
    fake.script("model-a", HttpError(400, "your request is malformed"))
    response = await post(chain_app, stream)
    assert response.status_code == 400
    assert "malformed" in response.json()["error"]["message"]
    assert models_asked(fake) == ["model-a"]


@pytest.mark.parametrize("status", [401, 402, 403])
async def test_key_credit_and_permission_errors_do_not_fall_back(
    chain_app: CCRouterApp, fake: FakeOpenRouter, status: int
) -> None:
    fake.script("model-a", HttpError(status, "no"))
    response = await post(chain_app, True)
    assert response.status_code == status
    assert models_asked(fake) == ["model-a"]


@pytest.mark.parametrize("stream", [True, False])
async def test_connection_refused_moves_on(
    chain_app: CCRouterApp, fake: FakeOpenRouter, stream: bool
) -> None:
    fake.script("model-a", Refuse())
    response = await post(chain_app, stream)
    assert response.status_code == 200
    assert text_of(response, stream) == "Hello from model-b"
    assert "openrouter,model-a (failed)" in response.headers["x-ccrouter-tried"]


async def test_first_byte_slower_than_the_timeout_moves_on(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    app = make_app(chain_config(firstByteTimeoutMs=200))
    fake.script("model-a", Text("too slow", first_byte_delay=2.0))
    response = await post(app, True)
    assert text_of(response, True) == "Hello from model-b"


async def test_non_streaming_request_timeout_moves_on(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    app = make_app({**chain_config(), "API_TIMEOUT_MS": 300})
    fake.script("model-a", Text("too slow", first_byte_delay=2.0))
    response = await post(app, False)
    assert text_of(response, False) == "Hello from model-b"


@pytest.mark.parametrize(
    "fault", [MidStreamError(after_chunks=1), Cut(after_chunks=1), BadJSON(after_chunks=1)]
)
async def test_failure_before_any_content_falls_back_invisibly(
    chain_app: CCRouterApp, fake: FakeOpenRouter, fault: Any
) -> None:
    fake.script("model-a", fault)
    response = await post(chain_app, True)
    assert response.status_code == 200
    assert text_of(response, True) == "Hello from model-b"


@pytest.mark.parametrize(
    ("fault", "fragment"),
    [
        (MidStreamError(SLOW, after_chunks=3, message="provider fell over"), "provider fell over"),
        (Cut(SLOW, after_chunks=3), "connection lost"),
        (BadJSON(SLOW, after_chunks=3), "malformed JSON"),
    ],
)
async def test_failure_after_content_ends_with_an_error_event(
    chain_app: CCRouterApp, fake: FakeOpenRouter, fault: Any, fragment: str
) -> None:
    fake.script("model-a", fault)
    response = await post(chain_app, True)
    assert response.status_code == 200
    events = assert_valid_anthropic_stream(response.content)
    assert events[-1][0] == "error"
    assert fragment in events[-1][1]["error"]["message"]
    assert models_asked(fake) == ["model-a"]  # after the first byte there is no going back


async def test_a_failing_model_cools_down_and_comes_back(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    app = make_app(chain_config(cooldownAfterFailures=2, cooldownSeconds=30))
    now = [1000.0]
    app.dispatcher.cooldowns = Cooldowns(clock=lambda: now[0])
    fake.script("model-a", HttpError(503, "down"), HttpError(503, "down"))
    for _ in range(2):
        assert (await post(app, True)).status_code == 200
    assert models_asked(fake) == ["model-a", "model-b", "model-a", "model-b"]
    fake.requests.clear()
    await post(app, True)
    assert models_asked(fake) == ["model-b"]  # model-a is cooling down: skipped
    now[0] += 31
    fake.requests.clear()
    await post(app, True)
    assert models_asked(fake) == ["model-a"]  # back after the cooldown


async def test_retry_after_cools_a_model_at_once(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    app = make_app(chain_config(cooldownAfterFailures=5))
    fake.script("model-a", HttpError(429, "slow down", retry_after=60))
    await post(app, True)
    fake.requests.clear()
    await post(app, True)
    assert models_asked(fake) == ["model-b"]


async def test_short_retry_after_on_the_last_model_is_waited_out(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    config = chain_config(maxRetryAfterWaitMs=2000)
    config["Router"]["default"] = "openrouter,model-a"
    app = make_app(config)
    fake.script("model-a", HttpError(429, "wait a moment", retry_after=0.2))
    response = await post(app, True)
    assert response.status_code == 200
    assert models_asked(fake) == ["model-a", "model-a"]


async def test_all_rate_limited_passes_retry_after_on(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    app = make_app(chain_config(maxRetryAfterWaitMs=0))
    fake.default = HttpError(429, "rate limited", retry_after=7)
    response = await post(app, False)
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert response.headers["retry-after"] == "7"
    assert "x-should-retry" not in response.headers


async def test_context_length_error_moves_to_the_long_context_chain(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    config = chain_config()
    config["Router"]["default"] = "openrouter,model-a"
    app = make_app(config)
    fake.script(
        "model-a",
        HttpError(
            400,
            "This model's maximum context length is 8192 tokens",
            error_type="context_length_exceeded",
        ),
    )
    response = await post(app, True)
    assert response.status_code == 200
    assert models_asked(fake) == ["model-a", "model-long"]


async def test_fallback_block_and_global_chain_extend_the_route(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    config = chain_config()
    config["Router"]["default"] = "openrouter,model-a"
    config["fallback"] = {"default": ["openrouter,model-b"], "global": ["openrouter,model-c"]}
    app = make_app(config)
    fake.default = HttpError(502, "bad gateway")
    response = await post(app, True)
    assert response.status_code == 500
    assert models_asked(fake) == ["model-a", "model-b", "model-c"]


async def test_status_shows_the_models_tried(chain_app: CCRouterApp, fake: FakeOpenRouter) -> None:
    fake.script("model-a", HttpError(429, "rate limited"))
    await post(chain_app, True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=chain_app), base_url="http://t"
    ) as c:
        recent = (await c.get("/api/status")).json()["recent"][-1]
    assert recent["tried"] == "openrouter,model-a (429), openrouter,model-b (ok)"


@pytest.mark.parametrize("stream", [True, False])
async def test_one_log_line_names_route_model_fallbacks_reason_timing_and_cost(
    chain_app: CCRouterApp, fake: FakeOpenRouter, stream: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from ccrouter.testing.fake.script import Usage

    fake.script("model-a", HttpError(429, "rate limited"))
    fake.script(
        "model-b", Text("ok", usage=Usage(prompt_tokens=10, completion_tokens=2, cost=0.00042))
    )
    with caplog.at_level("INFO", logger="ccrouter.request"):
        await post(chain_app, stream)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "ccrouter.request"]
    assert "route=default model=openrouter,model-b" in line
    assert "fallbacks=(openrouter,model-b),(openrouter,model-c)" in line
    assert "reason='no other rule matched'" in line and "decide_ms=" in line
    assert "tried=[openrouter,model-a (429), openrouter,model-b (ok)]" in line
    assert "cost=0.000420" in line and " gen=gen-" in line


@pytest.mark.parametrize("stream", [True, False])
async def test_all_failed_says_each_distinct_reason_once_and_keeps_the_routing_headers(
    chain_app: CCRouterApp, fake: FakeOpenRouter, stream: bool
) -> None:
    fake.script("model-a", HttpError(429, "rate limited"))
    fake.script("model-b", HttpError(429, "rate limited"))
    fake.script("model-c", Refuse())
    response = await post(chain_app, stream)
    message = response.json()["error"]["message"]
    alike = "All models failed: openrouter,model-a and openrouter,model-b: openrouter returned 429"
    assert message.startswith(alike), message
    assert message.count("rate limited") == 1
    assert "; openrouter,model-c: cannot connect" in message
    assert response.headers["x-ccrouter-route"] == "default"
    assert response.headers["x-ccrouter-model"] == "openrouter,model-a"  # the route's choice
    assert response.headers["x-ccrouter-tried"] == (
        "openrouter,model-a (429), openrouter,model-b (429), openrouter,model-c (failed)"
    )
