"""The base transformer is the identity on every hook."""

from __future__ import annotations

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.context import TranslationContext


def test_every_hook_is_the_identity() -> None:
    t = Transformer({"a": 1})
    ctx = TranslationContext("c", "m")
    req = UpstreamRequest("http://x", {}, {"model": "m"})
    assert t.transform_request(req, ctx) is req
    assert t.transform_response({"x": 1}, ctx) == {"x": 1}
    assert t.transform_chunk({"y": 2}, ctx) == [{"y": 2}]
    assert t.finish_stream(ctx) == [] and t.options == {"a": 1}
