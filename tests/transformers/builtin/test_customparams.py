from __future__ import annotations

import copy
from typing import Any

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.customparams import CustomParamsTransformer, deep_merge
from tests.transformers.kit import (
    ctx,
    messages_body,
    post,
    provider_config,
    request,
)


def test_options_are_deep_merged_and_existing_scalars_kept() -> None:
    options = {
        "temperature": 0.1,
        "extra_body": {"a": {"b": 1}},
        "stream_options": {"include_usage": True},
        "seed": 7,
    }
    body = {"temperature": 0.9, "stream_options": {"x": 1}}
    out = CustomParamsTransformer(options).transform_request(request(body), ctx())
    assert out.body["temperature"] == 0.9
    assert out.body["stream_options"] == {"x": 1, "include_usage": True}
    assert out.body["extra_body"] == {"a": {"b": 1}} and out.body["seed"] == 7
    out.body["extra_body"]["a"]["b"] = 2
    assert options["extra_body"] == {"a": {"b": 1}}  # the config is never edited


def test_override_makes_options_win_and_is_not_sent() -> None:
    out = CustomParamsTransformer(
        {"override": True, "temperature": 0.1, "stop": ["x"]}
    ).transform_request(request({"temperature": 0.9, "stop": ["a", "b"]}), ctx())
    assert out.body["temperature"] == 0.1 and out.body["stop"] == ["x"]
    assert "override" not in out.body


def test_deep_merge_leaves_inputs_alone() -> None:
    base = {"a": {"b": {"c": 1}}, "keep": [1]}
    extra = {"a": {"b": {"d": 2}}, "keep": [2]}
    snapshot = copy.deepcopy((base, extra))
    assert deep_merge(base, extra, override=False) == {"a": {"b": {"c": 1, "d": 2}}, "keep": [1]}
    assert (base, extra) == snapshot


async def test_custom_fields_reach_the_provider(make_app: Any, fake: FakeOpenRouter) -> None:
    config = provider_config(
        "p",
        use=[
            ["customparams", {"enable_search": True, "chat_template_kwargs": {"thinking": False}}]
        ],
    )
    response = await post(make_app(config), messages_body("p,m"))
    assert response.status_code == 200, response.text
    sent = fake.requests[-1].body
    assert sent is not None
    assert sent["enable_search"] is True and sent["chat_template_kwargs"] == {"thinking": False}
