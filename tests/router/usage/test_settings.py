from __future__ import annotations

from pathlib import Path

import pytest

from ccrouter.usage.settings import UsageSettings, usage_settings


def test_no_block_means_on_in_ccrouter_home_for_90_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path))
    settings = usage_settings(None)
    assert settings == UsageSettings()
    assert settings.enabled and settings.retain_days == 90
    assert settings.ledger_path() == tmp_path / "usage.db"


def test_every_key(tmp_path: Path) -> None:
    settings = usage_settings({"enabled": False, "path": "ledger.db", "retainDays": 7}, tmp_path)
    assert settings == UsageSettings(False, tmp_path / "ledger.db", 7)


def test_home_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert usage_settings({"path": "~/u.db"}).ledger_path() == tmp_path / "u.db"


def test_zero_days_keeps_everything_and_nonsense_falls_back() -> None:
    assert usage_settings({"retainDays": 0}).retain_days == 0
    assert usage_settings({"retainDays": "x"}).retain_days == 90
    assert usage_settings({"path": "  "}).path is None


def test_the_config_carries_the_usage_block(tmp_path: Path) -> None:
    from ccrouter.config.model import load_config

    path = tmp_path / "config.json"
    path.write_text('{"Usage": {"path": "u.db", "retainDays": 30}}')
    assert load_config(path).usage == UsageSettings(True, tmp_path / "u.db", 30)
    assert load_config(None).usage == UsageSettings()


def test_the_schema_names_what_to_fix(tmp_path: Path) -> None:
    from ccrouter.config.model import load_config
    from ccrouter.errors import ConfigError

    path = tmp_path / "config.json"
    path.write_text('{"Usage": {"retainDays": -1, "enable": true}}')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value.problems)
    assert "Usage.retainDays" in text and "'enable'" in text
