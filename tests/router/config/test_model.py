"""The frozen Config built from a CCR-style file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccrouter.config.model import Target, build_config, load_config, provider_url
from ccrouter.errors import ConfigError


def write(tmp_path: Path, config: dict) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.parametrize(
    ("base", "kind", "url"),
    [
        (
            "https://openrouter.ai/api/v1/chat/completions",
            "openai",
            "https://openrouter.ai/api/v1/chat/completions",
        ),
        ("https://api.deepseek.com/", "openai", "https://api.deepseek.com/chat/completions"),
        ("http://localhost:11434/v1", "openai", "http://localhost:11434/v1/chat/completions"),
        (
            "https://api.anthropic.com/v1/messages",
            "anthropic",
            "https://api.anthropic.com/v1/messages",
        ),
        ("https://api.anthropic.com", "anthropic", "https://api.anthropic.com/v1/messages"),
        ("https://openrouter.ai/api/v1", "anthropic", "https://openrouter.ai/api/v1/messages"),
    ],
)
def test_provider_urls_written_either_way(base: str, kind: str, url: str) -> None:
    assert provider_url(base, kind) == url  # type: ignore[arg-type]


def test_routes_chains_fallbacks_and_providers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OR_KEY", "sk-or-1")
    config = load_config(
        write(
            tmp_path,
            {
                "PORT": "4000",
                "Providers": [
                    {
                        "name": "OpenRouter",
                        "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
                        "api_key": "$OR_KEY",
                        "models": ["a/b"],
                    },
                    {
                        "name": "claude",
                        "api_base_url": "https://api.anthropic.com/v1/messages",
                        "api_key": "k",
                        "transformer": {"use": ["Anthropic"]},
                    },
                    {
                        "name": "local",
                        "api_base_url": "http://127.0.0.1:8080/v1",
                        "api_key": "",
                        "transformer": {
                            "use": ["maxtoken"],
                            "m": {"use": [["sampling", {"temperature": 0.2}]]},
                        },
                    },
                ],
                "Router": {
                    "default": ["OpenRouter,a/b", "claude,c"],
                    "think": "local,m",
                    "longContextThreshold": "1000",
                },
                "fallback": {"think": ["claude,c"], "global": ["OpenRouter,g"]},
            },
        )
    )
    assert config.port == 4000
    assert config.long_context_threshold == 1000
    openrouter = config.provider("openrouter")  # names match case-insensitively
    assert (
        openrouter is not None
        and openrouter.api_key == "sk-or-1"
        and openrouter.dialect == "openrouter"
    )
    assert config.providers["claude"].kind == "anthropic"
    local = config.providers["local"]
    assert local.missing_key is None  # loopback servers need no key
    assert [s.name for s in local.chain_for("m")] == ["maxtoken", "sampling"]
    assert config.chain("default") == (
        Target("OpenRouter", "a/b"),
        Target("claude", "c"),
        Target("OpenRouter", "g"),
    )
    assert config.chain("think") == (
        Target("local", "m"),
        Target("claude", "c"),
        Target("OpenRouter", "g"),
    )


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_KEY", raising=False)
    raw = {
        "Providers": [{"name": "p", "api_base_url": "https://x.test/v1", "api_key": "$NOPE_KEY"}]
    }
    from ccrouter.config.load import interpolate

    config = build_config(interpolate(raw), None)
    assert config.providers["p"].missing_key == "set the NOPE_KEY environment variable"


def test_unknown_provider_in_router_is_an_error_naming_route_and_known_providers(
    tmp_path: Path,
) -> None:
    provider = {"name": "local", "api_base_url": "http://127.0.0.1:1/v1"}
    raw = {"Providers": [provider], "Router": {"default": ["local,m", "ghost,m"]}}
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, raw))
    assert [str(p) for p in info.value.problems] == [
        "Router.default[1]: unknown provider 'ghost' (known: local); add it to Providers "
        "or correct the name"
    ]


def test_blank_apikey_is_no_key() -> None:
    assert build_config({"APIKEY": "  "}, None).apikey is None
    assert build_config({"APIKEY": " k "}, None).apikey == " k "


def test_invalid_file_lists_every_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, {"PORT": 0, "Providers": [{"api_base_url": 3}]}))
    paths = {p.path for p in info.value.problems}
    assert {"PORT", "Providers[0]", "Providers[0].api_base_url"} <= paths


def test_a_real_ccr_config_loads_unchanged(tmp_path: Path) -> None:
    text = """{
      "LOG": true, "LOG_LEVEL": "debug", "API_TIMEOUT_MS": "600000", "NON_INTERACTIVE_MODE": false,
      "OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "OPENAI_MODEL": "",
      "Providers": [{"name": "deepseek", "api_base_url": "https://api.deepseek.com/chat/completions",
        "api_key": "sk-x", "models": ["deepseek-chat"], "transformer": {"use": ["deepseek"], "deepseek-chat": {"use": ["tooluse"]}}}],
      "StatusLine": {"enabled": true, "currentStyle": "default", "default": {"modules": []}},
      "Router": {"default": "deepseek,deepseek-chat", "longContextThreshold": 60000},
    }"""
    path = tmp_path / "config.json"
    path.write_text(text)
    config = load_config(path)
    assert config.api_timeout_ms == 600000 and config.log_level == "debug"
