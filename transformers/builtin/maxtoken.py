"""``maxtoken`` ``{"max_tokens": N}``: cap the output length a provider accepts.

Request: ``max_tokens`` and ``max_completion_tokens`` lowered to ``N`` when they exceed it; a
request without one gets none (the provider's default applies). Response: nothing.
"""

from __future__ import annotations

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chunks import cap_output
from ccrouter.transformers.context import TranslationContext


class MaxTokenTransformer(Transformer):
    name = "maxtoken"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        cap = self.options.get("max_tokens")
        if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0:
            cap_output(req.body, cap)
        return req
