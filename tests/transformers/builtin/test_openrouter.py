from __future__ import annotations

import copy
from typing import Any

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import Text
from ccrouter.transformers.builtin.openrouter import REFERER, OpenRouterTransformer
from tests.conftest import base_config
from tests.transformers.kit import ctx, messages_body, post, request, stream_text

KIMI_ONLY = {"provider": {"only": ["moonshotai/fp8"]}}


def test_adds_session_user_and_attribution() -> None:
    req = OpenRouterTransformer().transform_request(
        request(), ctx(session_id="sess-1", user_hash="ccr_abc")
    )
    assert req.body["session_id"] == "sess-1"
    assert req.body["user"] == "ccr_abc"
    assert req.headers["HTTP-Referer"] == REFERER
    assert req.headers["X-Title"] == "ccrouter"
    assert "models" not in req.body and "provider" not in req.body


def test_leaves_out_what_is_unknown_and_keeps_user_headers() -> None:
    req = request()
    req.headers.update({"http-referer": "https://mine.example", "X-OpenRouter-Title": "mine"})
    out = OpenRouterTransformer().transform_request(req, ctx())
    assert "session_id" not in out.body and "user" not in out.body
    assert out.headers["http-referer"] == "https://mine.example"
    assert "HTTP-Referer" not in out.headers and "X-Title" not in out.headers


def test_options_become_provider_routing_and_body_fields() -> None:
    options = {
        "provider": {"order": ["a", "b"], "allow_fallbacks": False, "max_price": {"prompt": 1}},
        "transforms": ["middle-out"],
    }
    transformer = OpenRouterTransformer(options)
    out = transformer.transform_request(request(), ctx())
    assert out.body["provider"] == options["provider"]
    assert out.body["transforms"] == ["middle-out"]
    out.body["provider"]["order"].append("c")  # a later step editing the body...
    assert transformer.options["provider"]["order"] == ["a", "b"]  # ...never edits the config


def test_fallback_models_become_models_list() -> None:
    context = ctx(model="deepseek/deepseek-chat", dialect="openrouter")
    context.extras["fallback_models"] = ["moonshotai/kimi-k2", "deepseek/deepseek-chat", "x/y"]
    out = OpenRouterTransformer().transform_request(
        request({"model": "deepseek/deepseek-chat"}), context
    )
    assert out.body["models"] == ["deepseek/deepseek-chat", "moonshotai/kimi-k2", "x/y"]
    context.extras["fallback_models"] = []
    assert "models" not in OpenRouterTransformer().transform_request(request(), context).body


def test_provider_then_model_level_runs_are_harmless_and_model_options_win() -> None:
    context = ctx(session_id="s", user_hash="u")
    context.extras["fallback_models"] = ["b/b"]
    provider_level = OpenRouterTransformer({"provider": {"sort": "price", "only": ["x"]}})
    model_level = OpenRouterTransformer(KIMI_ONLY)
    once = model_level.transform_request(
        provider_level.transform_request(request(), context), context
    )
    again = model_level.transform_request(copy.deepcopy(once), context)
    assert once.body == again.body and once.headers == again.headers
    assert once.body["provider"] == {"sort": "price", "only": ["moonshotai/fp8"]}
    assert once.body["models"] == ["some/model", "b/b"]
    assert list(once.headers).count("X-Title") == 1


async def test_model_level_provider_routing_reaches_openrouter(
    make_app: Any, fake: FakeOpenRouter
) -> None:
    config = base_config()
    provider = config["Providers"][0]
    provider["models"].append("moonshotai/kimi-k2")
    provider["transformer"]["moonshotai/kimi-k2"] = {"use": [["openrouter", KIMI_ONLY]]}
    fake.script("moonshotai/kimi-k2", Text("kimi here"))
    body = messages_body(
        "openrouter,moonshotai/kimi-k2", stream=True, metadata={"user_id": "user_x"}
    )
    response = await post(make_app(config), body, {"x-claude-code-session-id": "sess-42"})
    assert response.status_code == 200, response.text
    assert stream_text(response) == "kimi here"
    sent = fake.requests[-1]
    assert sent.body is not None
    assert sent.body["model"] == "moonshotai/kimi-k2"
    assert sent.body["provider"] == {"only": ["moonshotai/fp8"]}
    assert sent.body["session_id"] == "sess-42"
    assert sent.body["user"].startswith("ccr_")
    assert sent.headers["http-referer"] == REFERER
    assert sent.headers["x-title"] == "ccrouter"


async def test_other_models_of_the_provider_get_no_routing(
    make_app: Any, fake: FakeOpenRouter
) -> None:
    config = base_config()
    config["Providers"][0]["transformer"]["moonshotai/kimi-k2"] = {
        "use": [["openrouter", KIMI_ONLY]]
    }
    response = await post(make_app(config), messages_body("openrouter,model-default"))
    assert response.status_code == 200, response.text
    assert fake.requests[-1].body is not None
    assert "provider" not in fake.requests[-1].body
