"""``groq``: Groq's OpenAI-compatible API, which rejects fields other servers ignore.

Request: ``$schema`` removed from tool parameters, ``cache_control`` removed everywhere,
``top_k`` and the reasoning knobs (``reasoning``, ``reasoning_effort``; only some Groq models take
an effort) dropped, and replayed reasoning (``reasoning_content``/``reasoning_details``) removed
from assistant messages — Groq refuses unknown message properties.

Response and stream: tool calls whose id is missing or repeats an earlier call's get a fresh
``call_…`` id, so each call stays its own block.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chunks import (
    delta_of,
    map_tool_parameters,
    message_of,
    request_state,
    strip_cache_control,
)
from ccrouter.transformers.context import TranslationContext
from ccrouter.transformers.schema_clean import without_schema_keyword
from ccrouter.types import JSON

_DROPPED = ("top_k", "reasoning", "reasoning_effort")
_MESSAGE_DROPPED = ("reasoning_content", "reasoning_details", "reasoning")


class GroqTransformer(Transformer):
    name = "groq"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        body = strip_cache_control(req.body)
        for key in _DROPPED:
            body.pop(key, None)
        map_tool_parameters(body, lambda params: without_schema_keyword(params, "$schema"))
        messages = body.get("messages")
        if isinstance(messages, list):
            body["messages"] = [_without_reasoning(m) for m in messages]
        req.body = body
        return req

    def transform_response(self, body: JSON, ctx: TranslationContext) -> JSON:
        message = message_of(body)
        calls = message.get("tool_calls") if message else None
        if isinstance(calls, list):
            ids = _CallIds()
            for position, call in enumerate(calls):
                if isinstance(call, dict):
                    call["id"] = ids.for_call(call.get("index", position), call.get("id"))
        return body

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        delta = delta_of(chunk)
        calls = delta.get("tool_calls") if delta else None
        if isinstance(calls, list) and calls:
            ids = request_state(ctx, self, _CallIds)
            for position, fragment in enumerate(calls):
                if isinstance(fragment, dict):
                    fragment["id"] = ids.for_call(
                        fragment.get("index", position), fragment.get("id")
                    )
        return [chunk]


@dataclass
class _CallIds:
    ids: dict[Any, str] = field(default_factory=dict)  # call index -> the id we gave it
    raw: dict[Any, Any] = field(default_factory=dict)  # call index -> the id upstream gave it
    used: set[str] = field(default_factory=set)

    def for_call(self, index: Any, upstream_id: Any) -> str:
        """The id for a fragment of call ``index``: its first good id, or a fresh one."""
        known = self.ids.get(index)
        if known is not None and upstream_id in (None, "", known, self.raw[index]):
            return known  # a later fragment of the same call
        fresh = not isinstance(upstream_id, str) or not upstream_id or upstream_id in self.used
        call_id = "call_" + secrets.token_hex(12) if fresh else str(upstream_id)
        self.ids[index], self.raw[index] = call_id, upstream_id
        self.used.add(call_id)
        return call_id


def _without_reasoning(message: Any) -> Any:
    if not isinstance(message, dict) or not any(k in message for k in _MESSAGE_DROPPED):
        return message
    return {k: v for k, v in message.items() if k not in _MESSAGE_DROPPED}
