"""Preparing one attempt: translation or pass-through, keys, caps, and failure classification."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ccrouter.config.load import interpolate
from ccrouter.config.model import Target, build_config
from ccrouter.dispatch.attempt import RequestMeta, prepare, retry_after_of, user_hash_of
from ccrouter.errors import AuthenticationError, InvalidRequestError
from ccrouter.transformers.chat.reasoning_codec import pack

BODY: dict[str, Any] = {
    "model": "claude-opus-5-5",
    "max_tokens": 32000,
    "messages": [{"role": "user", "content": "hi"}],
    "safeguards": [{"type": "dangerous_tool_use"}],
    "metadata": {"user_id": '{"device_id":"d","session_id":"s"}'},
}
META = RequestMeta(
    "claude-opus-5-5",
    10,
    "s",
    "ccr_x",
    {"anthropic-version": "2023-06-01", "anthropic-beta": "b1", "x-api-key": "client-key"},
)


def config(**provider: Any) -> Any:
    base = {"name": "p", "api_base_url": "https://up.test/v1", "api_key": "sk-up", "models": ["m"]}
    return build_config(interpolate({"Providers": [{**base, **provider}]}), None)


def test_openai_provider_gets_a_translated_request_with_bearer_and_capped_tokens() -> None:
    prepared = prepare(config(max_tokens=4096), (), Target("p", "m"), BODY, META, stream=True)
    assert prepared.request.url == "https://up.test/v1/chat/completions"
    assert prepared.request.headers["authorization"] == "Bearer sk-up"
    assert prepared.request.body["model"] == "m" and prepared.request.body["max_tokens"] == 4096
    assert "safeguards" not in prepared.request.body and "metadata" not in prepared.request.body
    assert BODY["max_tokens"] == 32000  # the client's body is never changed


def test_anthropic_provider_is_passed_through_with_the_key_swapped() -> None:
    prepared = prepare(
        config(api_base_url="https://api.anthropic.com/v1/messages"),
        (),
        Target("p", "m"),
        BODY,
        META,
        True,
    )
    request = prepared.request
    assert request.headers["x-api-key"] == "sk-up"
    assert request.headers["anthropic-beta"] == "b1"
    assert "authorization" not in request.headers
    assert request.body == {**{k: v for k, v in BODY.items() if k != "safeguards"}, "model": "m"}


def test_use_bearer_for_anthropic_gateways() -> None:
    cfg = config(
        api_base_url="https://gw.test/v1/messages",
        transformer={"use": [["Anthropic", {"UseBearer": True}]]},
    )
    assert (
        prepare(cfg, (), Target("p", "m"), BODY, META, True).request.headers["authorization"]
        == "Bearer sk-up"
    )


def test_unknown_provider_and_missing_key_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidRequestError, match="unknown provider 'nope'.*known providers: p"):
        prepare(config(), (), Target("nope", "m"), BODY, META, True)
    monkeypatch.delenv("UNSET_KEY", raising=False)
    with pytest.raises(AuthenticationError, match="UNSET_KEY"):
        prepare(config(api_key="$UNSET_KEY"), (), Target("p", "m"), BODY, META, True)


def test_retry_after_forms() -> None:
    assert retry_after_of(httpx.Headers({"retry-after": "3"})) == 3
    assert retry_after_of(httpx.Headers({"retry-after-ms": "1500"})) == 1.5
    assert retry_after_of(httpx.Headers({})) is None
    assert (
        0
        <= (retry_after_of(httpx.Headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) or 0)
        <= 1
    )


def test_user_hash_is_stable_and_short() -> None:
    first = user_hash_of(BODY)
    assert first == user_hash_of(dict(BODY)) and first is not None and len(first) <= 128
    assert user_hash_of({}) is None


def test_the_pass_through_gets_claudes_bare_signature_back_from_an_envelope() -> None:
    detail = {
        "type": "reasoning.text",
        "text": "plan",
        "signature": "EqQBsig",
        "format": "anthropic-claude-v1",
    }
    sealed = pack([detail], "other", "gw,my-claude-alias")  # answered under a gateway's name
    turn = {
        "role": "assistant",
        "content": [{"type": "thinking", "thinking": "plan", "signature": sealed}],
    }
    body = {**BODY, "messages": [*BODY["messages"], turn, {"role": "user", "content": "go on"}]}
    anthropic = config(api_base_url="https://api.anthropic.com/v1/messages")
    prepared = prepare(anthropic, (), Target("p", "m"), body, META, True)
    replayed = prepared.request.body["messages"][1]["content"]
    assert replayed == [{"type": "thinking", "thinking": "plan", "signature": "EqQBsig"}]
