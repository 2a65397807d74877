from __future__ import annotations

from typing import Any

import pytest

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.maxtoken import MaxTokenTransformer
from tests.transformers.kit import (
    ctx,
    messages_body,
    post,
    provider_config,
    request,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"max_tokens": 100000}, {"max_tokens": 65536}),
        ({"max_tokens": 1000}, {"max_tokens": 1000}),
        ({"max_completion_tokens": 100000}, {"max_completion_tokens": 65536}),
        ({}, {}),  # no cap is added
    ],
)
def test_lowers_to_the_cap(body: dict[str, Any], expected: dict[str, Any]) -> None:
    out = MaxTokenTransformer({"max_tokens": 65536}).transform_request(request(body), ctx())
    assert {k: v for k, v in out.body.items() if k.startswith("max_")} == expected


def test_without_a_valid_option_nothing_changes() -> None:
    for options in ({}, {"max_tokens": "lots"}, {"max_tokens": 0}):
        out = MaxTokenTransformer(options).transform_request(request({"max_tokens": 99}), ctx())
        assert out.body["max_tokens"] == 99


async def test_cap_reaches_the_provider(make_app: Any, fake: FakeOpenRouter) -> None:
    config = provider_config("p", use=[["maxtoken", {"max_tokens": 4096}]])
    response = await post(make_app(config), messages_body("p,m"))
    assert response.status_code == 200, response.text
    assert fake.requests[-1].body is not None
    assert fake.requests[-1].body["max_tokens"] == 4096
