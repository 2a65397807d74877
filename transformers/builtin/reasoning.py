"""``reasoning`` ``{"enable": true}``: thinking switches in the Qwen / DashScope / GLM style.

Request: ``enable_thinking`` says whether the client asked for thinking (a ``reasoning`` object
that is not disabled, or a ``reasoning_effort``), with ``thinking_budget`` when a budget is known
(``reasoning.max_tokens``, or the client's ``budget_tokens`` when the core passes it on in
``ctx.extras["thinking_budget"]``). GLM reads ``thinking: {"type": "enabled"|"disabled"}``
instead, so that is sent too, as CCR does. ``reasoning``/``reasoning_effort`` are removed.
``enable: false`` turns thinking off whatever the client asked.

Response and stream: ``reasoning_content`` -> ``reasoning``, so the core emits thinking blocks
(streamed and non-streamed alike).
"""

from __future__ import annotations

from typing import Any

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chunks import delta_of, message_of, reasoning_content_to_reasoning
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON


class ReasoningTransformer(Transformer):
    name = "reasoning"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        body = req.body
        reasoning = body.pop("reasoning", None)
        effort = body.pop("reasoning_effort", None)
        wanted = _asked(reasoning, effort) and self.options.get("enable", True) is not False
        body["enable_thinking"] = wanted
        if not wanted:
            body["thinking"] = {"type": "disabled"}
            body.pop("thinking_budget", None)
            return req
        budget = _budget(reasoning, ctx)
        body["thinking"] = {"type": "enabled"}
        if budget is not None:
            body["thinking_budget"] = budget
            body["thinking"]["budget_tokens"] = budget
        return req

    def transform_response(self, body: JSON, ctx: TranslationContext) -> JSON:
        reasoning_content_to_reasoning(message_of(body))
        return body

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        reasoning_content_to_reasoning(delta_of(chunk))
        return [chunk]


def _asked(reasoning: Any, effort: Any) -> bool:
    if isinstance(reasoning, dict):
        return reasoning.get("enabled") is not False and reasoning.get("effort") != "none"
    return isinstance(effort, str) and effort != "none"


def _budget(reasoning: Any, ctx: TranslationContext) -> int | None:
    for value in (
        reasoning.get("max_tokens") if isinstance(reasoning, dict) else None,
        ctx.extras.get("thinking_budget"),
    ):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None
