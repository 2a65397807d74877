"""``openrouter``: OpenRouter's request extras (CCR's transformer of the same name).

Request: ``session_id`` and ``user`` from the Claude Code session (sticky provider routing and
per-user grouping), ``models: [model, *fallbacks]`` when the route's fallback chain is handed to
OpenRouter, the attribution headers, and the options merged into the body as CCR does: the
``provider`` routing object key by key (so a model-level ``only`` refines a provider-level
``sort``), every other option replacing the body's value. A chain may run it twice (the
provider-level one, implicit for OpenRouter, then a model-level one with options): later options
win, everything else is idempotent.

Response: nothing. What CCR's transformer does on the way back (reasoning -> thinking, numeric
tool-call ids, the finish reason on the usage chunk, ``finish_reason: "error"`` chunks) and its
``cache_control`` stripping for non-Claude models are done by ccrouter's core translation.
"""

from __future__ import annotations

import copy

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.context import TranslationContext

REFERER = "https://github.com/ccrouter/ccrouter"
TITLE = "ccrouter"
# (header, value, names that count as already set)
_ATTRIBUTION = (
    ("HTTP-Referer", REFERER, ("http-referer",)),
    ("X-Title", TITLE, ("x-title", "x-openrouter-title")),
)


class OpenRouterTransformer(Transformer):
    name = "openrouter"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        body = req.body
        if ctx.session_id and "session_id" not in body:
            body["session_id"] = ctx.session_id[:256]
        if ctx.user_hash and "user" not in body:
            body["user"] = ctx.user_hash
        for key, value in self.options.items():
            if key == "provider" and isinstance(value, dict):
                current = body.get("provider")
                body["provider"] = {
                    **(current if isinstance(current, dict) else {}),
                    **copy.deepcopy(value),
                }
            else:
                body[key] = copy.deepcopy(value)  # options are shared by every request
        fallbacks = ctx.extras.get("fallback_models")
        if fallbacks and isinstance(body.get("model"), str):
            body["models"] = list(dict.fromkeys([body["model"], *fallbacks]))
        present = {name.lower() for name in req.headers}
        for header, value, aliases in _ATTRIBUTION:
            if present.isdisjoint(aliases):  # never override what the user set
                req.headers[header] = value
        return req
