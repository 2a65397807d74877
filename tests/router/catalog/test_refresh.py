from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import httpx
import pytest

from ccrouter.catalog.fetch import httpx_getter
from ccrouter.catalog.refresh import (
    DEFAULT_INTERVAL_S,
    Refresher,
    RefreshSettings,
    providers_by_url,
    settings_of,
)
from ccrouter.catalog.store import Fetched, read_cache, write_cache
from ccrouter.catalog.table import Catalog
from ccrouter.config.model import Config, load_config
from ccrouter.errors import ConfigError
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.models import GATING_MODELS
from tests.conftest import FAKE_BASE, base_config

URL = f"{FAKE_BASE}/models"


@pytest.fixture(autouse=True)
def fetching_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCROUTER_CATALOG_FETCH")  # tests/conftest.py turns it off for all tests


def make_config(tmp_path: Path, **overrides: object) -> Config:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config(**overrides)))
    return load_config(path)


def test_settings(tmp_path: Path) -> None:
    assert settings_of(make_config(tmp_path), {}) == RefreshSettings(True, DEFAULT_INTERVAL_S)
    config = make_config(tmp_path, Catalog={"refreshHours": 2, "fetch": False})
    assert settings_of(config, {}) == RefreshSettings(False, 7200.0)
    assert not settings_of(make_config(tmp_path), {"CCROUTER_CATALOG_FETCH": "0"}).fetch


def test_one_fetch_per_models_url(tmp_path: Path) -> None:
    raw = base_config()
    raw["Providers"].append({**raw["Providers"][0], "name": "again"})
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw))
    by_url = providers_by_url(load_config(path))
    assert list(by_url) == [URL] and by_url[URL].name == "openrouter"


@pytest.fixture
def fake() -> FakeOpenRouter:
    return FakeOpenRouter(models=list(GATING_MODELS))


async def test_refresh_fetches_stores_and_skips_fresh_lists(
    tmp_path: Path, fake: FakeOpenRouter
) -> None:
    config = make_config(tmp_path)
    catalog = Catalog()
    path = tmp_path / "home" / "catalog.json"
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        refresher = Refresher(catalog, lambda: config, client, path)
        get = httpx_getter(client)
        assert await refresher.refresh(get) == {}
        assert catalog.view(config).lookup("openrouter", "fake/no-tools") is not None
        assert read_cache(path)[URL].models["fake/cap-8k"].max_output == 8192
        await refresher.refresh(get)  # fresh: not fetched again
        assert len(fake.requests) == 1
        await refresher.refresh(get, force=True)
        assert len(fake.requests) == 2


async def test_a_failing_provider_keeps_its_copy_and_is_left_alone_a_while(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path, Catalog={"refreshHours": 0.0001})
    old = Fetched(URL, time.time() - 3600)
    catalog = Catalog({URL: old})
    calls = 0

    async def down(url: str, headers: object) -> tuple[int, bytes]:
        nonlocal calls
        calls += 1
        return 503, b""

    refresher = Refresher(catalog, lambda: config, path=tmp_path / "c.json")
    with caplog.at_level("INFO", logger="ccrouter.catalog"):
        failed = await refresher.refresh(down)
    assert failed == {URL: f"{URL}: HTTP 503"}
    assert "model catalog not refreshed" in caplog.text and "sk-or-test-key" not in caplog.text
    assert catalog.entries[URL] is old
    await refresher.refresh(down)
    assert calls == 1  # RETRY_S has not passed


async def test_fetch_off_reads_nothing_unless_forced(tmp_path: Path, fake: FakeOpenRouter) -> None:
    config = make_config(tmp_path, Catalog={"fetch": False})
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        refresher = Refresher(Catalog(), lambda: config, client, tmp_path / "c.json")
        assert await refresher.refresh(httpx_getter(client)) == {}
        assert fake.requests == []
        await refresher.refresh(httpx_getter(client), force=True)
        assert len(fake.requests) == 1


async def test_run_loads_the_disk_copy_then_refreshes_until_stopped(
    tmp_path: Path, fake: FakeOpenRouter
) -> None:
    config = make_config(tmp_path)
    path = tmp_path / "catalog.json"
    other = "http://elsewhere/v1/models"
    write_cache(path, {other: Fetched(other, time.time())})
    catalog = Catalog()
    stop = asyncio.Event()
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        task = asyncio.ensure_future(Refresher(catalog, lambda: config, client, path).run(stop))
        async with asyncio.timeout(5):
            while URL not in catalog.entries:
                await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 5)
    assert set(catalog.entries) == {other, URL}
    assert set(read_cache(path)) == {other, URL}


async def test_an_unwritable_home_is_a_warning(
    tmp_path: Path, fake: FakeOpenRouter, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        refresher = Refresher(Catalog(), lambda: config, client, blocker / "catalog.json")
        await refresher.refresh(httpx_getter(client))
    assert "cannot write the model catalog" in caplog.text


async def test_reread_takes_a_copy_another_process_wrote(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    path = tmp_path / "catalog.json"
    catalog = Catalog()
    refresher = Refresher(catalog, lambda: config, path=path)
    await refresher.reread()  # no file yet: nothing
    assert catalog.entries == {}
    write_cache(path, {URL: Fetched(URL, 1.0)})
    await refresher.reread()
    assert catalog.entries[URL].fetched_at == 1.0
    write_cache(path, {URL: Fetched(URL, 2.0)})
    os.utime(path, (time.time() + 5, time.time() + 5))  # a later mtime even on coarse clocks
    await refresher.reread()
    assert catalog.entries[URL].fetched_at == 2.0


def test_the_schema_checks_the_catalog_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Catalog"):
        make_config(tmp_path, Catalog={"refreshHours": 0})
    with pytest.raises(ConfigError, match="Catalog"):
        make_config(tmp_path, Catalog={"refresh": 1})
