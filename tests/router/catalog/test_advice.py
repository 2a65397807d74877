from __future__ import annotations

import json
from pathlib import Path

from ccrouter.catalog.advice import nearest, unknown_route_models
from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.store import Fetched
from ccrouter.config.model import Config, load_config
from tests.conftest import FAKE_BASE, base_config

URL = f"{FAKE_BASE}/models"
KNOWN = ["deepseek/deepseek-chat", "deepseek/deepseek-r1", "moonshotai/kimi-k2", "model-default"]
ENTRIES = {URL: Fetched(URL, 1.0, {m: ModelFacts(m) for m in KNOWN})}


def config(tmp_path: Path, **router: object) -> Config:
    raw = base_config()
    raw["Router"] = {"default": "openrouter,model-default", **router}
    raw["Providers"][0]["models"] = ["model-default", {"id": "local/stated", "context": 1000}]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw))
    return load_config(path)


def test_nearest() -> None:
    assert nearest("deepseek/deepseek-caht", KNOWN)[0] == "deepseek/deepseek-chat"
    assert nearest("kimi-k2", KNOWN) == ["moonshotai/kimi-k2"]
    assert nearest("zzzz", KNOWN) == []


def test_route_models_the_provider_does_not_list(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        think="openrouter,deepseek/deepseek-caht",
        background=["openrouter,deepseek/deepseek-r1:free", "openrouter,local/stated"],
        webSearch="openrouter,zzzz",
    )
    assert unknown_route_models(cfg, ENTRIES) == [
        "Router.think: openrouter does not list a model 'deepseek/deepseek-caht' "
        "(did you mean 'deepseek/deepseek-chat', 'deepseek/deepseek-r1'?)",
        "Router.webSearch: openrouter does not list a model 'zzzz'",
    ]


def test_no_fetched_list_no_warning(tmp_path: Path) -> None:
    assert unknown_route_models(config(tmp_path, think="openrouter,nope"), {}) == []
