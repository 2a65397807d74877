"""Finding, reading, interpolating and schema-checking config files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccrouter.config.load import (
    DEFAULT_CONFIG,
    interpolate,
    read_raw,
    resolve_config_path,
    schema_problems,
    unresolved_vars,
)
from ccrouter.errors import ConfigError


def test_location_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CCROUTER_CONFIG", str(tmp_path / "env.json"))
    assert resolve_config_path(tmp_path / "flag.json") == tmp_path / "flag.json"
    assert resolve_config_path(None) == tmp_path / "env.json"
    monkeypatch.delenv("CCROUTER_CONFIG")
    monkeypatch.delenv("CCROUTER_HOME", raising=False)  # tests get a temporary one
    assert resolve_config_path(None) == Path.home() / ".ccrouter" / "config.json"


def test_interpolation_of_both_forms_and_unknown_variables_stay() -> None:
    env = {"KEY": "sk-1", "HOST_NAME": "h"}
    value = {"a": "$KEY", "b": ["${HOST_NAME}:1", "$MISSING"], "c": 3, "d": "pre-${KEY}-post"}
    assert interpolate(value, env) == {
        "a": "sk-1",
        "b": ["h:1", "$MISSING"],
        "c": 3,
        "d": "pre-sk-1-post",
    }
    assert unresolved_vars("$A and ${B}") == ["A", "B"]


def test_missing_file_means_the_embedded_default(tmp_path: Path) -> None:
    raw, text = read_raw(tmp_path / "absent.json")
    assert raw == DEFAULT_CONFIG and text is None
    assert schema_problems(raw) == []


def test_json5_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("{\n // comment\n \"PORT\": 1234, 'LOG': false,\n}\n")
    raw, _ = read_raw(path)
    assert raw == {"PORT": 1234, "LOG": False}


def test_broken_json_says_where(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"PORT": 1 "HOST": "x"}')
    with pytest.raises(ConfigError) as info:
        read_raw(path)
    assert "line 1" in str(info.value)


def test_schema_problems_have_paths_and_fixes() -> None:
    problems = schema_problems(
        {
            "PORT": "abc",
            "Providers": [{"name": "x"}],
            "Router": {"default": "no-comma-here", "thinkTrigger": {"efforts": ["huge"]}},
        }
    )
    text = "\n".join(map(str, problems))
    assert 'PORT: got "abc"; expected the port to listen on' in text
    assert "Providers[0]: 'api_base_url' is a required property; add it" in text
    assert "Router.default" in text and "provider,model" in text
    assert "Router.thinkTrigger.efforts[0]" in text
