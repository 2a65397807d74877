"""``CCROUTER_HOME`` and the files in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccrouter.config.load import resolve_config_path
from ccrouter.config.model import build_config
from ccrouter.home import (
    ccrouter_home,
    default_config_path,
    ensure_home,
    log_path,
    pid_path,
    rotate_log,
)


def test_home_defaults_to_dot_ccrouter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CCROUTER_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ccrouter_home() == tmp_path / ".ccrouter"


def test_ccrouter_home_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path / "h"))
    assert ensure_home() == tmp_path / "h" and (tmp_path / "h").is_dir()
    assert pid_path() == tmp_path / "h" / "ccrouter.pid"
    assert log_path() == tmp_path / "h" / "ccrouter.log"


def test_ccrouter_home_moves_the_default_config_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path / "h"))
    monkeypatch.delenv("CCROUTER_CONFIG", raising=False)
    assert default_config_path() == tmp_path / "h" / "config.json"
    assert resolve_config_path(None) == tmp_path / "h" / "config.json"
    # the embedded default config's relative paths are relative to the home as well
    assert build_config({}, None).custom_router_paths == (tmp_path / "h" / "custom_routers",)


def test_rotate_log(tmp_path: Path) -> None:
    log = tmp_path / "ccrouter.log"
    rotate_log(log, limit=10)  # missing: nothing to do
    log.write_text("x" * 5)
    rotate_log(log, limit=10)
    assert log.exists()
    log.write_text("y" * 11)
    rotate_log(log, limit=10)
    assert not log.exists() and (tmp_path / "ccrouter.log.1").read_text() == "y" * 11
