"""Secrets never printed: which keys count, $VARs stay visible, masking inside messages."""

from __future__ import annotations

import pytest

from ccrouter.cli.secrets import is_secret_key, mask_tree, redact, secret_leaves, secret_values


@pytest.mark.parametrize(
    "name",
    [
        "api_key",
        "APIKEY",
        "x-api-key",
        "accessToken",
        "client_secret",
        "password",
        "Authorization",
        "api_keys",
    ],
)
def test_secret_key_names(name: str) -> None:
    assert is_secret_key(name)


@pytest.mark.parametrize(
    "name", ["keywords", "name", "models", "api_base_url", "Router", "longContextThreshold"]
)
def test_ordinary_key_names(name: str) -> None:
    assert not is_secret_key(name)


def test_mask_tree() -> None:
    raw = {
        "APIKEY": "inbound-1234567",
        "Providers": [
            {
                "api_key": "$OPENROUTER_API_KEY",
                "api_keys": ["sk-aaaaaaaaaa", "${OTHER}"],
                "headers": {"Authorization": "Bearer abcdefgh"},
                "api_base_url": "https://user:pw1234@host.example/v1?key=AIzaSECRET&alt=sse",
                "max_tokens": 100,
                "note": "sk-looks-like-a-key",
            }
        ],
        "Router": {"thinkTrigger": {"keywords": ["ultrathink"]}},
    }
    masked = mask_tree(raw)
    provider = masked["Providers"][0]
    assert masked["APIKEY"] == "inbo…(15 chars)"
    assert provider["api_key"] == "$OPENROUTER_API_KEY"
    assert provider["api_keys"] == ["sk-a…(13 chars)", "${OTHER}"]
    assert provider["headers"]["Authorization"] == "Bear…(15 chars)"
    assert provider["api_base_url"] == "https://user:***@host.example/v1?key=***&alt=sse"
    assert provider["max_tokens"] == 100
    assert provider["note"] == "sk-l…(19 chars)"
    assert masked["Router"] == raw["Router"]
    assert {path for path, _, _ in secret_leaves(raw)} == {
        ("APIKEY",),
        ("Providers", 0, "api_keys", 0),
        ("Providers", 0, "headers", "Authorization"),
        ("Providers", 0, "api_base_url"),
        ("Providers", 0, "note"),
    }


def test_secret_values_include_expanded_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCR_TEST_SECRET", "from-the-environment")
    assert "from-the-environment" in secret_values({"api_key": "$CCR_TEST_SECRET"})
    monkeypatch.delenv("CCR_TEST_SECRET")
    assert secret_values({"api_key": "$CCR_TEST_SECRET"}) == []


def test_redact() -> None:
    text = 'failed with inbound-1234567; got {"name": "x", "api_key": "sk-or-v1-abcdef'
    out = redact(text, ["inbound-1234567"])
    assert "inbound-1234567" not in out and "abcdef" not in out
    assert '"name": "x"' in out
    assert redact("'api_key': '$VAR'", []) == "'api_key': '$VAR'"
