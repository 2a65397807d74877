"""The model catalog in the running app: fetched in the background, never on a request's path."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import anthropic
import httpx
import pytest

from ccrouter.app import CCRouterApp, create_app
from ccrouter.catalog.parse import parse_models
from ccrouter.catalog.store import Fetched, read_cache
from ccrouter.config.model import build_config
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.models import GATING_MODELS, model_entry
from tests.conftest import FAKE_BASE, base_config, user_message
from tests.servers import serve_app

MODELS_URL = f"{FAKE_BASE}/models"


class HeldModels(httpx.AsyncBaseTransport):
    """The fake, with ``GET …/models`` held until ``release`` is set."""

    def __init__(self, fake: FakeOpenRouter) -> None:
        self.inner = fake.transport()
        self.release = asyncio.Event()
        self.asked = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            self.asked.set()
            await self.release.wait()
        return await self.inner.handle_async_request(request)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CCROUTER_CATALOG_FETCH")
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


async def test_health_and_requests_never_wait_for_the_catalog(home: Path, tmp_path: Path) -> None:
    fake = FakeOpenRouter(models=list(GATING_MODELS))
    transport = HeldModels(fake)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config()))
    async with httpx.AsyncClient(transport=transport) as upstream:
        app = create_app(path, client=upstream, watch=False)
        async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=5) as client:
            assert (await client.get("/health")).status_code == 200
            answer = await client.post("/v1/messages", json=user_message())
            assert answer.status_code == 200  # answered while the catalog fetch is held
            async with asyncio.timeout(5):
                await transport.asked.wait()
            config = app.holder.current().config
            assert app.catalog.view(config).lookup("openrouter", "fake/cap-8k") is None
            transport.release.set()
            async with asyncio.timeout(5):
                while app.catalog.view(config).lookup("openrouter", "fake/cap-8k") is None:
                    await asyncio.sleep(0.01)
            await client.post("/v1/messages", json=user_message())
    assert [r.path for r in fake.requests].count("/api/v1/models") == 1
    assert read_cache(home / "catalog.json")[MODELS_URL].models["fake/ctx-32k"].context == 32_768


async def test_offline_start_uses_the_disk_copy(home: Path, tmp_path: Path) -> None:
    fake = FakeOpenRouter(models=list(GATING_MODELS))
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config()))
    async with httpx.AsyncClient(transport=fake.transport()) as upstream:
        app = create_app(path, client=upstream, watch=False)
        async with serve_app(app):
            async with asyncio.timeout(5):
                while MODELS_URL not in app.catalog.entries:
                    await asyncio.sleep(0.01)

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(offline)) as upstream:
        app = create_app(path, client=upstream, watch=False)
        async with serve_app(app):
            async with asyncio.timeout(5):
                while MODELS_URL not in app.catalog.entries:
                    await asyncio.sleep(0.01)
        config = app.holder.current().config
        assert app.catalog.view(config).lookup("openrouter", "fake/no-tools") is not None


# -- gating, with the official SDK as the client ------------------------------------------------

GATED_ROUTES = {
    "default": ["openrouter,fake/cap-8k"],
    "longContext": "openrouter,fake/cap-8k",
    "longContextThreshold": 10_000_000,  # the gate, not the long-context rule, moves requests
}
IMAGE = {
    "type": "image",
    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
}
BASH = {"name": "Bash", "description": "run", "input_schema": {"type": "object", "properties": {}}}


def gated_app(make_app: Callable[..., CCRouterApp], **routes: Any) -> CCRouterApp:
    models = [*GATING_MODELS, model_entry("fake/no-reasoning", reasoning=False)]
    app = make_app(base_config(Router={**GATED_ROUTES, **routes}))
    app.catalog.put(Fetched(MODELS_URL, time.time(), parse_models({"data": models})))
    return app


@pytest.fixture
def route_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(make_app: Callable[..., CCRouterApp], route_overrides: dict[str, Any]) -> CCRouterApp:
    return gated_app(make_app, **route_overrides)


def sent_models(fake: FakeOpenRouter) -> list[str | None]:
    return [r.model for r in fake.requests if r.path.endswith("/chat/completions")]


async def test_max_tokens_is_clamped_to_the_output_cap(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    message = await sdk.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=32_000,
        messages=[{"role": "user", "content": "hi"}],
        thinking={"type": "enabled", "budget_tokens": 16_000},
    )
    assert message.content[-1].type == "text"
    body = fake.requests[-1].body
    assert body is not None and body["max_tokens"] == 8192
    assert body.get("reasoning", {}).get("max_tokens", 0) < 8192


@pytest.mark.parametrize(
    "route_overrides",
    [{"default": ["openrouter,fake/ctx-32k"], "longContext": "openrouter,fake/cap-8k"}],
)
async def test_a_prompt_too_long_for_the_window_goes_to_long_context(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    raw = await sdk.messages.with_raw_response.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        messages=[{"role": "user", "content": "hello " * 40_000}],
    )
    assert sent_models(fake) == ["fake/cap-8k"]
    tried = raw.headers["x-ccrouter-tried"]
    assert tried.startswith("openrouter,fake/ctx-32k (skipped: context 32768 < ")
    assert tried.endswith("openrouter,fake/cap-8k (ok)")


@pytest.mark.parametrize(
    "route_overrides",
    [{"default": ["openrouter,fake/ctx-32k"], "longContext": "openrouter,fake/ctx-32k"}],
)
async def test_no_window_anywhere_is_anthropics_prompt_too_long(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        await sdk.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            messages=[{"role": "user", "content": "hello " * 40_000}],
        )
    error = caught.value.body
    assert isinstance(error, dict) and error["error"]["type"] == "invalid_request_error"
    assert re.fullmatch(r"prompt is too long: \d+ tokens > \d+ maximum", error["error"]["message"])
    assert sent_models(fake) == []


@pytest.mark.parametrize(
    "route_overrides", [{"default": ["openrouter,fake/no-tools", "openrouter,fake/cap-8k"]}]
)
async def test_tools_never_go_to_a_model_without_tools(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    raw = await sdk.messages.with_raw_response.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        tools=[BASH],  # type: ignore[list-item]
        messages=[{"role": "user", "content": "list files"}],
    )
    assert sent_models(fake) == ["fake/cap-8k"]
    assert (
        "openrouter,fake/no-tools (skipped: model takes no tools)"
        in raw.headers["x-ccrouter-tried"]
    )
    await sdk.messages.create(
        model="claude-sonnet-4-5", max_tokens=1024, messages=[{"role": "user", "content": "hi"}]
    )
    assert sent_models(fake)[-1] == "fake/no-tools"  # without tools it is fine


@pytest.mark.parametrize(
    "route_overrides",
    [{"default": ["openrouter,fake/text-only"], "image": "openrouter,fake/cap-8k"}],
)
async def test_images_never_go_to_a_text_only_model(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    messages: list[Any] = [
        {"role": "user", "content": [IMAGE, {"type": "text", "text": "what is this?"}]},
        {"role": "assistant", "content": "a dot"},
        {"role": "user", "content": "and its colour?"},  # the latest turn has no image
    ]
    raw = await sdk.messages.with_raw_response.create(
        model="claude-sonnet-4-5", max_tokens=1024, messages=messages
    )
    assert sent_models(fake) == ["fake/cap-8k"]
    assert "skipped: model is text-only" in raw.headers["x-ccrouter-tried"]


@pytest.mark.parametrize("route_overrides", [{"default": ["openrouter,fake/no-reasoning"]}])
async def test_reasoning_parameters_only_to_models_that_take_them(
    sdk: anthropic.AsyncAnthropic, fake: FakeOpenRouter
) -> None:
    await sdk.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=4096,
        thinking={"type": "enabled", "budget_tokens": 2048},
        messages=[{"role": "user", "content": "think"}],
    )
    body = fake.requests[-1].body
    assert body is not None
    assert not {"reasoning", "reasoning_effort", "include_reasoning"} & set(body)


async def test_v1_models_carries_what_the_catalog_knows(
    app: CCRouterApp, client: httpx.AsyncClient
) -> None:
    raw = base_config()["Providers"][0]
    raw["models"] = ["fake/cap-8k", "fake/ctx-32k", "unknown/model"]
    app.holder.swap(
        replace(app.holder.current(), config=build_config(base_config(Providers=[raw]), None))
    )
    data = {m["id"]: m for m in (await client.get("/v1/models")).json()["data"]}
    assert data["openrouter,fake/cap-8k"]["max_tokens"] == 8192
    assert data["openrouter,fake/ctx-32k"]["max_input_tokens"] == 32_768
    assert "max_input_tokens" not in data["openrouter,unknown/model"]
