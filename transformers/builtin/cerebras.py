"""``cerebras``: Cerebras' OpenAI-compatible API.

Request: the OpenRouter-style ``reasoning`` object and ``cache_control`` removed (Cerebras
rejects both); Bearer auth is the core's default already. Response: nothing.
"""

from __future__ import annotations

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chunks import strip_cache_control
from ccrouter.transformers.context import TranslationContext


class CerebrasTransformer(Transformer):
    name = "cerebras"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        body = strip_cache_control(req.body)
        body.pop("reasoning", None)
        req.body = body
        return req
