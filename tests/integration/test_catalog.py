"""The model catalog in the running app: fetched in the background, never on a request's path."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from ccrouter.app import create_app
from ccrouter.catalog.store import read_cache
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.models import GATING_MODELS
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
