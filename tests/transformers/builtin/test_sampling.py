from __future__ import annotations

from typing import Any

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.sampling import SamplingTransformer
from tests.transformers.kit import (
    ctx,
    messages_body,
    post,
    provider_config,
    request,
)

OPTIONS = {
    "max_tokens": 1000,
    "temperature": 0.2,
    "top_p": 0.9,
    "top_k": 20,
    "repetition_penalty": 1.05,
}


def test_options_override_sampling_and_cap_max_tokens() -> None:
    out = SamplingTransformer(OPTIONS).transform_request(
        request({"max_tokens": 5000, "temperature": 1.0}), ctx()
    )
    assert out.body["max_tokens"] == 1000
    assert {k: out.body[k] for k in ("temperature", "top_p", "top_k", "repetition_penalty")} == {
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 20,
        "repetition_penalty": 1.05,
    }


def test_max_tokens_is_a_cap_only_and_odd_options_are_ignored() -> None:
    out = SamplingTransformer(
        {"max_tokens": 1000, "temperature": "warm", "top_p": True}
    ).transform_request(request({"max_tokens": 10, "temperature": 0.7}), ctx())
    assert out.body["max_tokens"] == 10
    assert out.body["temperature"] == 0.7 and "top_p" not in out.body
    assert (
        "max_tokens"
        not in SamplingTransformer({"max_tokens": 5}).transform_request(request(), ctx()).body
    )


async def test_model_level_sampling_reaches_the_provider(
    make_app: Any, fake: FakeOpenRouter
) -> None:
    config = provider_config(
        "p", model_use={"m": [["sampling", {"temperature": 0.1, "top_k": 10}]]}
    )
    response = await post(make_app(config), messages_body("p,m", temperature=0.9))
    assert response.status_code == 200, response.text
    sent = fake.requests[-1].body
    assert sent is not None
    assert sent["temperature"] == 0.1 and sent["top_k"] == 10
