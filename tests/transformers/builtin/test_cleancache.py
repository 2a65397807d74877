from __future__ import annotations

import copy
from typing import Any

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.cleancache import CleanCacheTransformer
from tests.conftest import base_config
from tests.transformers.kit import ctx, messages_body, post, request

CACHE = {"type": "ephemeral"}


def test_every_breakpoint_is_removed() -> None:
    body = {
        "cache_control": CACHE,
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "s", "cache_control": CACHE}]},
            {
                "role": "user",
                "content": [{"type": "text", "text": "u", "cache_control": CACHE}],
                "cache_control": CACHE,
            },
        ],
        "tools": [
            {
                "type": "function",
                "function": {"name": "t", "parameters": {}, "cache_control": CACHE},
                "cache_control": CACHE,
            }
        ],
    }
    original = copy.deepcopy(body)
    out = CleanCacheTransformer().transform_request(request(body), ctx())
    assert "cache_control" not in repr(out.body)
    assert body == original


async def test_claude_target_loses_its_breakpoints(make_app: Any, fake: FakeOpenRouter) -> None:
    config = base_config()
    config["Providers"][0]["models"].append("anthropic/claude-sonnet-4.5")
    config["Providers"][0]["transformer"]["use"] = ["openrouter", "cleancache"]
    system = [{"type": "text", "text": "You are helpful.", "cache_control": CACHE}]
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": CACHE}]}
    ]
    body = messages_body(
        "openrouter,anthropic/claude-sonnet-4.5",
        system=system,
        messages=messages,
        cache_control=CACHE,
    )
    response = await post(make_app(config), body)
    assert response.status_code == 200, response.text
    assert b"cache_control" not in fake.requests[-1].raw


async def test_without_it_claude_keeps_them(make_app: Any, fake: FakeOpenRouter) -> None:
    config = base_config()
    config["Providers"][0]["models"].append("anthropic/claude-sonnet-4.5")
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": CACHE}]}
    ]
    response = await post(
        make_app(config), messages_body("openrouter,anthropic/claude-sonnet-4.5", messages=messages)
    )
    assert response.status_code == 200, response.text
    assert b"cache_control" in fake.requests[-1].raw
