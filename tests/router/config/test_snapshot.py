"""A snapshot is built whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccrouter.config.snapshot import build_state, watched_paths
from ccrouter.errors import ConfigError


def test_unknown_transformer_is_a_config_error_naming_provider_model_and_known(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "Providers": [
                    {
                        "name": "p",
                        "api_base_url": "http://127.0.0.1/v1",
                        "transformer": {"m1": {"use": ["nosuch"]}},
                    }
                ]
            }
        )
    )
    with pytest.raises(ConfigError) as info:
        build_state(path)
    problem = info.value.problems[0]
    assert problem.path == "Providers[0].transformer.m1.use"
    assert "'nosuch'" in problem.message and "'p'" in problem.message and "'m1'" in problem.message
    assert "openrouter" in problem.message  # the known names


def test_broken_custom_router_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "custom_routers").mkdir()
    (tmp_path / "custom_routers" / "bad.py").write_text("def route(:\n")
    path = tmp_path / "config.json"
    path.write_text("{}")
    state = build_state(path)
    assert state.custom_routers == ()
    assert "bad.py" in state.load_problems[0]
    assert tmp_path / "custom_routers" in watched_paths(state, path)


def test_embedded_default_without_a_file() -> None:
    state = build_state(None)
    assert state.config.path is None
    assert state.config.routes["default"]
