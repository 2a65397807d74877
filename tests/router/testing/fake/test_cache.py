"""The fake's prompt cache: a repeated prefix on the same model is read from the cache."""

from __future__ import annotations

from typing import Any

import orjson

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.cache import PromptCache, prompt_parts


def body(*texts: str) -> dict[str, Any]:
    return {"system": "S" * 400, "messages": [{"role": "user", "content": t} for t in texts]}


def test_a_repeated_prefix_on_the_same_model_is_cached() -> None:
    cache = PromptCache()
    assert cache.read("m", body("a" * 400)) == 0  # cold
    grown = body("a" * 400, "b" * 40)
    expected = sum(len(p) for p in prompt_parts(grown)[:2]) // 4
    assert cache.read("m", grown) == expected
    assert cache.read("other", grown) == 0  # another model's cache is its own
    assert cache.read("m", body("z")) == sum(len(p) for p in prompt_parts(body())[:1]) // 4


def test_the_cache_keeps_a_bounded_number_of_prompts() -> None:
    cache = PromptCache(keep=2)
    cache.read("m", body("first"))
    cache.read("m", {"system": "x"})
    cache.read("m", {"system": "y"})
    assert cache.read("m", body("first")) == 0  # forgotten
    assert cache.read(None, body()) == 0 and cache.read("m", None) == 0


async def test_the_fake_reports_cache_reads_in_the_usage() -> None:
    fake = FakeOpenRouter()
    payload = {"model": "m", "messages": [{"role": "user", "content": "x" * 4000}]}
    raw = orjson.dumps(payload)
    first = orjson.loads(fake.respond("POST", "/api/v1/chat/completions", {}, raw).pieces[0])
    again = orjson.loads(fake.respond("POST", "/api/v1/chat/completions", {}, raw).pieces[0])
    assert first["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    cached = again["usage"]["prompt_tokens_details"]["cached_tokens"]
    assert 900 < cached < again["usage"]["prompt_tokens"]
    fake.reset()
    cold = orjson.loads(fake.respond("POST", "/api/v1/chat/completions", {}, raw).pieces[0])
    assert cold["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
