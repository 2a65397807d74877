"""``ccrouter models``: the catalog listing, filters, JSON, ``models refresh``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccrouter.catalog.facts import ModelFacts, Price
from ccrouter.catalog.store import Fetched, read_cache, write_cache
from ccrouter.cli.main import main
from ccrouter.cli.models import refresh
from ccrouter.config.model import load_config
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.models import GATING_MODELS
from tests.conftest import FAKE_BASE, base_config

URL = f"{FAKE_BASE}/models"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    raw = base_config()
    raw["Providers"][0]["models"] = [
        "model-default",
        {"id": "fake/cap-8k", "price": {"input": 1, "output": 2}},
    ]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw))
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CCROUTER_CONFIG", str(path))
    return path


@pytest.fixture
def cached(config: Path, tmp_path: Path) -> None:
    models = {
        "fake/cap-8k": ModelFacts("fake/cap-8k", 200_000, 8192, True, True, True, Price(3, 15)),
        "fake/no-tools": ModelFacts("fake/no-tools", 128_000, tools=False),
    }
    write_cache(tmp_path / "home" / "catalog.json", {URL: Fetched(URL, 1.0, models)})


def test_listing(cached: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == [
        "PROVIDER", "MODEL", "CONTEXT", "OUTPUT", "TOOLS", "VISION", "REASON", "$", "IN/OUT"
    ]  # fmt: skip
    cap = next(line for line in lines if "fake/cap-8k" in line).split()
    assert cap == ["openrouter", "fake/cap-8k", "200,000", "8,192", "yes", "yes", "yes", "1/2"]
    no_tools = next(line for line in lines if "fake/no-tools" in line).split()
    assert no_tools[2:8] == ["128,000", "?", "no", "?", "?", "?/?"]
    assert any(line.split()[:3] == ["openrouter", "model-default", "?"] for line in lines)
    assert f"{URL}: 2 models, fetched" in out


def test_query_provider_and_json(cached: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "NO-TOOLS", "--provider", "OpenRouter", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == [
        {"provider": "openrouter", "id": "fake/no-tools", "context": 128_000, "tools": False}
    ]
    assert main(["models", "nothing-like-this"]) == 1
    assert "no model matches 'nothing-like-this'" in capsys.readouterr().err
    assert main(["models", "--provider", "elsewhere"]) == 1
    assert "unknown provider 'elsewhere'" in capsys.readouterr().err


def test_without_a_catalog_the_config_statements_show(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "cap"]) == 0
    captured = capsys.readouterr()
    assert "ccrouter models refresh" in captured.err
    assert "fake/cap-8k" in captured.out and "1/2" in captured.out


async def test_refresh_fetches_every_provider(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeOpenRouter(models=list(GATING_MODELS))
    path = tmp_path / "home" / "catalog.json"
    async with fake.serve() as base:
        raw = base_config()
        raw["Providers"][0]["api_base_url"] = f"{base}/chat/completions"
        config.write_text(json.dumps(raw))
        assert await refresh(load_config(config), path) == 0
    assert f"{base}/models: 4 models" in capsys.readouterr().out
    assert read_cache(path)[f"{base}/models"].models["fake/ctx-32k"].context == 32_768


def test_refresh_says_what_failed(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = base_config()
    raw["Providers"][0]["api_base_url"] = "http://127.0.0.1:9/v1/chat/completions"
    config.write_text(json.dumps(raw))
    assert main(["models", "refresh"]) == 1
    err = capsys.readouterr().err
    assert "not refreshed: http://127.0.0.1:9/v1/models: ConnectError" in err
    assert "sk-or-test-key" not in err
