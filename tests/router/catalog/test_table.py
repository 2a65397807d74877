from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccrouter.catalog.facts import ModelFacts, Price
from ccrouter.catalog.store import Fetched
from ccrouter.catalog.table import Catalog, CatalogView, build_view
from ccrouter.config.model import Config, load_config
from ccrouter.errors import ConfigError
from tests.conftest import FAKE_BASE, base_config

URL = f"{FAKE_BASE}/models"
FETCHED = Fetched(
    URL,
    1000.0,
    {
        "a/m": ModelFacts("a/m", 128_000, 8192, True, True, True, Price(1.0, 2.0)),
        "b/n": ModelFacts("b/n", 32_768, tools=False),
    },
)


def config_with(tmp_path: Path, models: list[Any]) -> Config:
    raw = base_config()
    raw["Providers"][0]["models"] = models
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw))
    return load_config(path)


def test_plain_string_models_keep_working(tmp_path: Path) -> None:
    config = config_with(tmp_path, ["a/m", "b/n"])
    assert config.providers["openrouter"].models == ("a/m", "b/n")
    view = build_view(config, {URL: FETCHED})
    assert view.lookup("openrouter", "a/m") == FETCHED.models["a/m"]
    assert view.lookup("OpenRouter", "b/n") == FETCHED.models["b/n"]
    assert view.lookup("openrouter", "unknown/x") is None
    assert view.lookup("other", "a/m") is None


def test_object_entries_state_facts_that_win_over_the_fetched(tmp_path: Path) -> None:
    stated = {
        "id": "a/m",
        "context": 64_000,
        "vision": False,
        "price": {"output": 3.0, "cacheRead": 0.1},
    }
    config = config_with(tmp_path, [stated, "b/n", {"id": "local/q", "tools": False}])
    assert config.providers["openrouter"].models == ("a/m", "b/n", "local/q")
    view = build_view(config, {URL: FETCHED})
    assert view.lookup("openrouter", "a/m") == ModelFacts(
        "a/m", 64_000, 8192, True, False, True, Price(1.0, 3.0, 0.1)
    )
    assert view.lookup("openrouter", "local/q") == ModelFacts("local/q", tools=False)
    # with nothing fetched, the statements alone count
    assert build_view(config, {}).lookup("openrouter", "a/m") == ModelFacts(
        "a/m", context=64_000, vision=False, price=Price(output=3.0, cache_read=0.1)
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"context": 1000},
        {"id": "x", "context": "big"},
        {"id": "x", "ctx": 1},
        {"id": "x", "price": {"in": 1}},
    ],
)
def test_malformed_object_entries_are_config_errors(tmp_path: Path, entry: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        config_with(tmp_path, [entry])


def test_openrouter_variants_fall_back_to_the_base_model() -> None:
    view = CatalogView({("p", "a/m"): ModelFacts("a/m", 1000)})
    assert view.lookup("p", "a/m:free") == ModelFacts("a/m", 1000)
    assert CatalogView().lookup("p", "a/m") is None


def test_views_are_rebuilt_only_when_config_or_entries_change(tmp_path: Path) -> None:
    config = config_with(tmp_path, ["a/m"])
    catalog = Catalog()
    empty = catalog.view(config)
    assert catalog.view(config) is empty and empty.lookup("openrouter", "a/m") is None
    catalog.put(FETCHED)
    view = catalog.view(config)
    assert view is not empty and view.lookup("openrouter", "a/m") is not None
    assert catalog.view(config) is view


def test_an_older_copy_never_replaces_a_fresher_one() -> None:
    catalog = Catalog({URL: FETCHED})
    catalog.put(Fetched(URL, 10.0))
    assert catalog.entries[URL] is FETCHED
    newer = Fetched(URL, 2000.0)
    catalog.put(newer)
    assert catalog.entries[URL] is newer


def test_models_lists_in_order(tmp_path: Path) -> None:
    view = build_view(config_with(tmp_path, []), {URL: FETCHED})
    assert [f.id for _, f in view.models()] == ["a/m", "b/n"]
    assert list(view.models("nope")) == []
