"""Route rows (cooldowns, recent failures, facts) and model rows (catalog + config)."""

from __future__ import annotations

from pathlib import Path

from ccrouter.catalog.table import Catalog
from ccrouter.config.model import Config, load_config
from ccrouter.dispatch.cooldown import Cooldowns
from ccrouter.ui.chains import failures_by_target, model_rows, route_rows
from tests.conftest import base_config


def config(tmp_path: Path) -> Config:
    import json

    raw = base_config()
    raw["Providers"][0]["models"][0] = {"id": "model-default", "context": 64000, "tools": True}
    raw["Router"]["default"] = ["openrouter,model-default", "openrouter,model-b"]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(raw))
    return load_config(path)


def test_failures_are_counted_per_model() -> None:
    events = [
        {"tried": "p,a (429), p,b (ok)", "status": "ok", "target": "p,b"},
        {"tried": "", "status": "error 502", "target": "p,a"},
        {"tried": "", "status": "ok", "target": "p,a"},
    ]
    assert failures_by_target(events) == {"p,a": 2}


def test_route_rows_show_cooldowns_failures_and_facts(tmp_path: Path) -> None:
    loaded = config(tmp_path)
    cooldowns = Cooldowns(clock=lambda: 100.0)
    cooldowns.failed("openrouter,model-b", after_failures=1, cooldown_s=30, retry_after=None)
    events = [{"route": "default", "at": 5.0, "tried": "openrouter,model-b (429), x (ok)"}]
    rows = route_rows(loaded, Catalog().view(loaded), cooldowns, events)
    default = next(r for r in rows if r["route"] == "default")
    first, second = default["chain"]
    assert first["facts"]["context"] == 64000 and first["facts"]["tools"] is True
    assert first["cooling_s"] == 0 and second["cooling_s"] == 30.0
    assert second["recent_failures"] == 1 and default["last_used"] == 5.0
    assert [r["route"] for r in rows][:2] == ["default", "background"]


def test_model_rows_list_config_models_with_their_routes(tmp_path: Path) -> None:
    loaded = config(tmp_path)
    rows = model_rows(loaded, Catalog().view(loaded))
    by_target = {r["target"]: r for r in rows}
    assert by_target["openrouter,model-default"]["used_by"] == ["default"]
    assert by_target["openrouter,model-b"]["used_by"] == ["default (fallback 1)"]
    assert by_target["openrouter,model-default"]["facts"]["context"] == 64000
    assert rows[0]["used_by"]  # used models first
