"""``streamoptions``: ask for token usage at the end of a stream.

Request: when streaming, ``stream_options.include_usage = true`` (other stream options kept).
The core already adds it for plain OpenAI-compatible providers; this makes it explicit for
OpenRouter-dialect providers and servers behind a custom transformer. Response: nothing.
"""

from __future__ import annotations

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.context import TranslationContext


class StreamOptionsTransformer(Transformer):
    name = "streamoptions"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        body = req.body
        if body.get("stream") is True:
            current = body.get("stream_options")
            body["stream_options"] = {
                **(current if isinstance(current, dict) else {}),
                "include_usage": True,
            }
        return req
