"""``deepseek``: DeepSeek's own API (``api.deepseek.com``).

Request: ``max_tokens`` (and ``max_completion_tokens``) capped at 8192, DeepSeek's output limit
(option ``max_tokens`` sets another cap); the reasoning knobs DeepSeek rejects (``reasoning``,
``reasoning_effort``) removed — the model name decides whether it thinks; earlier reasoning is
replayed as ``reasoning_content`` on assistant messages, which DeepSeek requires in a thinking
tool loop ("Missing `reasoning_content`"), so ``reasoning_details`` are turned into it.

Response and stream: ``reasoning_content`` -> ``reasoning``, so the core emits thinking blocks.
Tool calls pass untouched.
"""

from __future__ import annotations

from typing import Any

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chunks import (
    cap_output,
    delta_of,
    message_of,
    reasoning_content_to_reasoning,
)
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON

DEFAULT_MAX_TOKENS = 8192
_REJECTED = ("reasoning", "reasoning_effort")
_DETAIL_TEXT = {"reasoning.text": "text", "reasoning.summary": "summary"}


class DeepSeekTransformer(Transformer):
    name = "deepseek"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        body = req.body
        cap = self.options.get("max_tokens", DEFAULT_MAX_TOKENS)
        cap_output(body, cap if isinstance(cap, int) else DEFAULT_MAX_TOKENS)
        for key in _REJECTED:
            body.pop(key, None)
        messages = body.get("messages")
        if isinstance(messages, list):
            body["messages"] = [_replay_as_content(m) for m in messages]
        return req

    def transform_response(self, body: JSON, ctx: TranslationContext) -> JSON:
        reasoning_content_to_reasoning(message_of(body))
        return body

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        reasoning_content_to_reasoning(delta_of(chunk))
        return [chunk]


def _replay_as_content(message: Any) -> Any:
    if not isinstance(message, dict) or (
        "reasoning_details" not in message and "reasoning" not in message
    ):
        return message
    out = {k: v for k, v in message.items() if k not in ("reasoning_details", "reasoning")}
    if not out.get("reasoning_content"):
        text = message.get("reasoning")
        if not isinstance(text, str) or not text:
            text = _details_text(message.get("reasoning_details"))
        if text:
            out["reasoning_content"] = text
    return out


def _details_text(details: Any) -> str:
    if not isinstance(details, list):
        return ""
    pieces = []
    for item in details:
        if not isinstance(item, dict):
            continue
        field = _DETAIL_TEXT.get(str(item.get("type")))
        piece = item.get(field) if field else None
        if isinstance(piece, str):
            pieces.append(piece)
    return "".join(pieces)
