"""``sampling`` ``{max_tokens, temperature, top_p, top_k, repetition_penalty}``: fixed sampling.

Request: each sampling option given replaces (or adds) the body's value; ``max_tokens`` is a cap
like ``maxtoken`` (lowers, never adds). Options that are not numbers are ignored. Response:
nothing.
"""

from __future__ import annotations

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chunks import cap_output
from ccrouter.transformers.context import TranslationContext

SAMPLING_KEYS = ("temperature", "top_p", "top_k", "repetition_penalty")


class SamplingTransformer(Transformer):
    name = "sampling"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        options = self.options
        cap = options.get("max_tokens")
        if _is_number(cap) and isinstance(cap, int):
            cap_output(req.body, cap)
        for key in SAMPLING_KEYS:
            value = options.get(key)
            if _is_number(value):
                req.body[key] = value
        return req


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
