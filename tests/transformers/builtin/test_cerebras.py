from __future__ import annotations

from typing import Any

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.cerebras import CerebrasTransformer
from tests.transformers.kit import (
    ctx,
    messages_body,
    post,
    provider_config,
    request,
)


def test_reasoning_and_cache_control_are_removed() -> None:
    body = {
        "reasoning": {"effort": "high"},
        "reasoning_effort": "high",
        "cache_control": {"type": "ephemeral"},
    }
    out = CerebrasTransformer().transform_request(request(body), ctx())
    assert "reasoning" not in out.body and "cache_control" not in out.body
    assert out.body["reasoning_effort"] == "high"
    assert out.headers["authorization"] == "Bearer k"


async def test_request_reaches_cerebras(make_app: Any, fake: FakeOpenRouter) -> None:
    config = provider_config("cerebras", use=["cerebras"], models=["gpt-oss-120b"])
    response = await post(make_app(config), messages_body("cerebras,gpt-oss-120b"))
    assert response.status_code == 200, response.text
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-test-cerebras"
