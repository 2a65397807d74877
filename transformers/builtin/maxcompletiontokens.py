"""``maxcompletiontokens``: send ``max_completion_tokens`` instead of ``max_tokens``.

OpenAI's o-series and GPT-5 reject ``max_tokens``. Request: the value moves to
``max_completion_tokens`` (an explicit ``max_completion_tokens`` already in the body wins).
Response: nothing.
"""

from __future__ import annotations

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.context import TranslationContext


class MaxCompletionTokensTransformer(Transformer):
    name = "maxcompletiontokens"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        body = req.body
        if "max_tokens" in body:
            value = body.pop("max_tokens")
            body.setdefault("max_completion_tokens", value)
        return req
