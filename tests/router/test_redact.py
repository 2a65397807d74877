"""Configured secret values and credential patterns are masked; ordinary text is left alone."""

from __future__ import annotations

from ccrouter import redact
from ccrouter.config.model import build_config
from ccrouter.errors import AllModelsFailedError, Attempt, UpstreamError
from ccrouter.redact import REDACTED, Redactor, secret_strings


def test_patterns_catch_the_usual_key_shapes() -> None:
    text = redact.PATTERNS(
        "keys sk-or-v1-abc123 gsk_abcdefgh1234 AIzaSyA1234567890abcdefghij xai-abcdefgh12 "
        "Authorization: Bearer tok.en-1 api_key=xyz https://h/v1?key=secret1&alt=sse"
    )
    for secret in ("sk-or", "gsk_", "AIza", "xai-abc", "tok.en", "xyz", "secret1"):
        assert secret not in text, secret
    assert text.endswith("?[redacted]&alt=sse")


def test_ordinary_words_survive() -> None:
    text = "the task-force asked for a disk-backed cache; key points: none"
    assert redact.PATTERNS(text) == text


def test_configured_values_are_masked_longest_first() -> None:
    redactor = Redactor(["plainkey", "plainkey-longer", "short", "$GROQ_API_KEY", "${X}"])
    assert redactor.secret_count == 2  # too short and $VAR references are not secrets
    assert redactor("a plainkey-longer b plainkey") == f"a {REDACTED} b {REDACTED}"
    assert redactor("$GROQ_API_KEY short") == "$GROQ_API_KEY short"
    assert redactor("") == ""


def test_a_config_snapshot_knows_all_its_secrets_once() -> None:
    config = build_config(
        {
            "APIKEY": "inbound-secret",
            "Providers": [
                {"name": "groq", "api_base_url": "https://g/v1", "api_key": "plain-groq-key"},
                {"name": "local", "api_base_url": "http://127.0.0.1/v1", "api_key": "$NOPE"},
            ],
            "transformers": [{"path": "t.py", "options": {"apiKey": "transformer-key"}}],
            "Router": {"default": "groq,m"},
        },
        None,
    )
    assert config.redactor is config.redactor  # built once per snapshot
    text = config.redactor("plain-groq-key inbound-secret transformer-key $NOPE groq")
    assert text == f"{REDACTED} {REDACTED} {REDACTED} $NOPE groq"


def test_secret_strings_follow_secret_named_keys_only() -> None:
    raw = {"api_key": "a", "nested": {"token": ["b", "c"], "name": "n"}, "max_tokens": 5}
    assert sorted(secret_strings(raw)) == ["a", "b", "c"]


def test_errors_are_redacted_in_place_with_their_attempts() -> None:
    redactor = Redactor(["plain-config-key"])
    attempt = Attempt("p,m", 401, "bad key plain-config-key")
    error = AllModelsFailedError([attempt], UpstreamError("x", status=401))
    assert redactor.error(error) is error
    assert "plain-config-key" not in error.message and "plain-config-key" not in str(error)
    assert attempt.reason == f"bad key {REDACTED}"


def test_the_request_redactor_is_scoped() -> None:
    assert redact.current() is redact.PATTERNS
    token = redact.use(Redactor(["plain-config-key"]))
    try:
        assert redact.current()("plain-config-key") == REDACTED
    finally:
        redact.reset(token)
    assert redact.current() is redact.PATTERNS
