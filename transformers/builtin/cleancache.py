"""``cleancache``: remove every ``cache_control`` breakpoint.

For servers that reject the field. Request: ``cache_control`` removed from the body, every
message and content part, and every tool (a tool *property* named ``cache_control`` stays).
Response: nothing. The core already drops breakpoints for models that don't cache explicitly;
this forces it for any model.
"""

from __future__ import annotations

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chunks import strip_cache_control
from ccrouter.transformers.context import TranslationContext


class CleanCacheTransformer(Transformer):
    name = "cleancache"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        req.body = strip_cache_control(req.body)
        return req
