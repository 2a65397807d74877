"""Shared fixtures: a config factory, the fake OpenRouter, the app wired to it, clients, and
Claude Code's real requests (recorded once per session by tests/recording/)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import httpx2
import pytest

from ccrouter.app import CCRouterApp, create_app
from ccrouter.routing.features import RouteRequest
from ccrouter.testing.fake.app import FakeOpenRouter
from tests.recording.driver import RecordingError, Recordings, claude_binary, record_all
from tests.recording.server import Recording
from tests.routing_support import odd_views, recorded_views

FAKE_BASE = "http://fake-openrouter.test/api/v1"


def base_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "LOG_LEVEL": "warn",
        "Providers": [
            {
                "name": "openrouter",
                "api_base_url": f"{FAKE_BASE}/chat/completions",
                "api_key": "sk-or-test-key",
                "models": ["model-default", "model-think", "model-long", "model-bg", "model-b"],
                "transformer": {"use": ["openrouter"]},
            }
        ],
        "Router": {
            "default": "openrouter,model-default",
            "think": "openrouter,model-think",
            "longContext": "openrouter,model-long",
            "background": "openrouter,model-bg",
            "webSearch": "openrouter,model-search",
            "image": "openrouter,model-vision",
        },
        "Resilience": {"firstByteTimeoutMs": 2000, "connectTimeoutMs": 1000, "cooldownSeconds": 30},
        "CUSTOM_ROUTER_DIR": "no-custom-routers",
    }
    config.update(overrides)
    return config


@pytest.fixture(autouse=True)
def no_catalog_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    """No server a test starts (nor its child processes) fetches a provider's model list unless
    the test asks: some test configs name real providers, and no test touches the internet."""
    monkeypatch.setenv("CCROUTER_CATALOG_FETCH", "0")


@pytest.fixture(autouse=True)
def ccrouter_home_in_tmp(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test writes the user's ~/.ccrouter (usage ledger, catalog copy): CCROUTER_HOME is a
    fresh temporary folder unless the test sets its own."""
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path_factory.mktemp("ccrouter-home")))


@pytest.fixture(autouse=True)
def restore_ccrouter_logging() -> Iterator[None]:
    """Tests that run setup_logging() must not leave its handler behind for later tests."""
    logger = logging.getLogger("ccrouter")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    for handler in logger.handlers:
        if handler not in saved[0]:
            handler.flush()
            logger.removeHandler(handler)
    logger.propagate, logger.level = saved[1], saved[2]


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    def write(config: dict[str, Any] | None = None, **overrides: Any) -> Path:
        path = tmp_path / "config.json"
        path.write_text(
            json.dumps(config if config is not None else base_config(**overrides), indent=2)
        )
        return path

    return write


@pytest.fixture
def fake() -> FakeOpenRouter:
    return FakeOpenRouter()


@pytest.fixture
def upstream_client(fake: FakeOpenRouter) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=fake.transport())


@pytest.fixture
def make_app(
    write_config: Callable[..., Path], upstream_client: httpx.AsyncClient
) -> Callable[..., CCRouterApp]:
    def make(config: dict[str, Any] | None = None, **overrides: Any) -> CCRouterApp:
        return create_app(write_config(config, **overrides), client=upstream_client, watch=False)

    return make


@pytest.fixture
def app(make_app: Callable[..., CCRouterApp]) -> CCRouterApp:
    return make_app()


@pytest.fixture
async def client(app: CCRouterApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ccrouter.test", timeout=10
    ) as c:
        yield c


@pytest.fixture
async def sdk(app: CCRouterApp) -> AsyncIterator[anthropic.AsyncAnthropic]:
    """The official SDK as the client (it runs on httpx2, so it gets its own ASGI transport)."""
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://ccrouter.test", timeout=10
    ) as http:
        yield anthropic.AsyncAnthropic(
            api_key="test", base_url="http://ccrouter.test", http_client=http, max_retries=0
        )


@pytest.fixture(scope="session")
def claude_code(tmp_path_factory: pytest.TempPathFactory) -> Recordings:
    """Every case of tests/recording/cases.py, run once per session with the pinned Claude Code
    CLI against a local recording server (the requests live only in this session's temp dir)."""
    root = tmp_path_factory.mktemp("claude-code")
    try:
        recordings = asyncio.run(record_all(claude_binary(), root))
    except RecordingError as exc:
        pytest.fail(f"recording Claude Code's requests failed: {exc}")
    summary = {"seconds": round(recordings.seconds, 1), "requests": recordings.summary()}
    (root / "summary.json").write_text(json.dumps(summary, indent=2))
    return recordings


@pytest.fixture
def recorded(request: pytest.FixtureRequest, claude_code: Recordings) -> Recording:
    """Indirect parametrization: ``"case/NNN"`` -> that recorded request."""
    return claude_code.request(request.param)


@pytest.fixture(scope="session")
def claude_code_views(claude_code: Recordings) -> dict[str, RouteRequest]:
    """``"case/NNN"`` -> the routing view of every recorded ``POST /v1/messages``."""
    return recorded_views(claude_code)


@pytest.fixture
def view(
    request: pytest.FixtureRequest, claude_code_views: dict[str, RouteRequest]
) -> RouteRequest:
    """Indirect parametrization over ``tests.routing_support.EVERY_VIEW``: recorded or odd."""
    name: str = request.param
    return claude_code_views[name] if name in claude_code_views else odd_views()[name]


def user_message(text: str = "say hi", **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-opus-5-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }
