from __future__ import annotations

from typing import Any

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.maxcompletiontokens import MaxCompletionTokensTransformer
from tests.transformers.kit import (
    ctx,
    messages_body,
    post,
    provider_config,
    request,
)


def test_max_tokens_is_renamed() -> None:
    out = MaxCompletionTokensTransformer().transform_request(request({"max_tokens": 500}), ctx())
    assert out.body["max_completion_tokens"] == 500
    assert "max_tokens" not in out.body


def test_an_explicit_max_completion_tokens_wins_and_absence_stays_absent() -> None:
    both = request({"max_tokens": 500, "max_completion_tokens": 200})
    assert (
        MaxCompletionTokensTransformer()
        .transform_request(both, ctx())
        .body["max_completion_tokens"]
        == 200
    )
    neither = MaxCompletionTokensTransformer().transform_request(request(), ctx()).body
    assert "max_tokens" not in neither and "max_completion_tokens" not in neither


async def test_provider_gets_max_completion_tokens(make_app: Any, fake: FakeOpenRouter) -> None:
    config = provider_config("openai", use=["maxcompletiontokens"], models=["gpt-5"])
    response = await post(make_app(config), messages_body("openai,gpt-5"))
    assert response.status_code == 200, response.text
    sent = fake.requests[-1].body
    assert sent is not None
    assert sent["max_completion_tokens"] == 32000 and "max_tokens" not in sent
