from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest

from ccrouter.catalog.fetch import (
    FetchError,
    fetch_models,
    httpx_getter,
    models_url,
    request_headers,
)
from ccrouter.config.model import ProviderConfig
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.models import GATING_MODELS


def provider(base: str, key: str = "sk-test", kind: str = "openai") -> ProviderConfig:
    return ProviderConfig("p", base, base, key, kind, "openai")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://openrouter.ai/api/v1/chat/completions", "https://openrouter.ai/api/v1/models"),
        ("https://openrouter.ai/api/v1/", "https://openrouter.ai/api/v1/models"),
        ("http://localhost:11434/v1", "http://localhost:11434/v1/models"),
        ("https://api.anthropic.com/v1/messages", "https://api.anthropic.com/v1/models"),
        (
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
            "https://generativelanguage.googleapis.com/v1beta/openai/models",
        ),
    ],
)
def test_models_url_comes_from_the_base_url(base: str, url: str) -> None:
    assert models_url(base) == url


def test_headers_carry_the_providers_own_auth() -> None:
    assert request_headers(provider("http://x"))["authorization"] == "Bearer sk-test"
    anthropic = request_headers(provider("http://x", kind="anthropic"))
    assert anthropic["x-api-key"] == "sk-test" and "authorization" not in anthropic
    assert request_headers(provider("http://x", key="")) == {"accept": "application/json"}


async def test_fetch_from_the_fake() -> None:
    fake = FakeOpenRouter(models=list(GATING_MODELS))
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        models = await fetch_models(
            httpx_getter(client), provider("http://fake/api/v1/chat/completions")
        )
    assert models["fake/cap-8k"].max_output == 8192
    assert fake.requests[-1].path == "/api/v1/models"
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-test"


async def test_fetch_over_tcp() -> None:
    fake = FakeOpenRouter(models=list(GATING_MODELS))
    async with fake.serve() as base, httpx.AsyncClient() as client:
        models = await fetch_models(httpx_getter(client), provider(base))
    assert models["fake/ctx-32k"].context == 32_768


@pytest.mark.parametrize(
    ("status", "body", "why"),
    [(401, b"{}", "HTTP 401"), (200, b"<html>", "not JSON"), (200, b'"x"', "not a model list")],
)
async def test_bad_answers_are_fetch_errors(status: int, body: bytes, why: str) -> None:
    async def get(url: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        return status, body

    with pytest.raises(FetchError, match=why) as caught:
        await fetch_models(get, provider("http://x/v1"))
    assert "sk-test" not in str(caught.value)


async def test_unreachable_is_a_fetch_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        with pytest.raises(FetchError, match="http://x/v1/models: ConnectError"):
            await fetch_models(httpx_getter(client), provider("http://x/v1"))
