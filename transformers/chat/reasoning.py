"""Thinking -> reasoning: the request knobs, and the replay of earlier thinking blocks.

Request side (``reasoning_params``):

    thinking.type      openrouter dialect                          openai dialect
    enabled + budget   anthropic: reasoning.max_tokens (clamped)   reasoning_effort from budget
                       others: reasoning.effort from budget
    adaptive / other   reasoning.effort = output_config.effort     reasoning_effort (<= high)
                       (medium when absent)
    disabled / absent  nothing (never effort "none": some models make reasoning mandatory)

Replay (``replay_reasoning``): Claude Code echoes thinking blocks verbatim. A bare signature is
Anthropic's own (from a Claude-named model); ``ccr1.<family>.…`` envelopes carry the
``reasoning_details`` and the model that produced them (see ``reasoning_codec``). A block goes
back to the model that produced it, whatever its name; to another model of the same known family
(not "other", where a shared family means nothing); and Claude's signed details to any Claude
model. It is replayed as ``reasoning_details`` (OpenRouter), ``reasoning`` (OpenRouter, text
without details) or ``reasoning_content`` (plain OpenAI-compatible servers); a signature the
target cannot verify is never sent.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from ccrouter.transformers.chat.reasoning_codec import (
    PREFIX,
    Sealed,
    anthropic_details,
    producer_of,
    unseal,
)
from ccrouter.transformers.context import Family, TranslationContext
from ccrouter.types import JSON

EFFORTS = frozenset({"minimal", "low", "medium", "high", "xhigh", "max"})
_OPENAI_EFFORT = {"minimal": "low", "xhigh": "high", "max": "high"}
ANTHROPIC_FORMAT = "anthropic-claude-v1"  # reasoning_codec.ANTHROPIC_FORMAT
MIN_ANTHROPIC_BUDGET = 1024


def effort_for_budget(budget: int) -> str:
    if budget < 4096:
        return "low"
    return "medium" if budget < 16384 else "high"


def anthropic_budget(budget: int, max_tokens: Any) -> int | None:
    """A budget Claude accepts (>= 1024 and < max_tokens), or None when none exists."""
    budget = max(budget, MIN_ANTHROPIC_BUDGET)
    if _is_int(max_tokens) and max_tokens <= budget:
        budget = max_tokens - 1
    return budget if budget >= MIN_ANTHROPIC_BUDGET else None


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _budget(thinking: JSON) -> int | None:
    budget = thinking.get("budget_tokens")
    return budget if thinking.get("type") == "enabled" and _is_int(budget) else None


def _requested_effort(body: JSON) -> str:
    config = body.get("output_config")
    effort = config.get("effort") if isinstance(config, dict) else None
    return effort if effort in EFFORTS else "medium"


def reasoning_params(body: JSON, ctx: TranslationContext) -> JSON:
    """``{"reasoning": …}`` / ``{"reasoning_effort": …}`` / ``{}`` for the request's thinking."""
    thinking = body.get("thinking")
    if not isinstance(thinking, dict) or thinking.get("type") == "disabled":
        return {}
    budget = _budget(thinking)
    # Unknown types (e.g. "between_tools") still ask for thinking: treat them like adaptive.
    effort = effort_for_budget(budget) if budget is not None else _requested_effort(body)
    if ctx.dialect == "openai":
        return {"reasoning_effort": _OPENAI_EFFORT.get(effort, effort)}
    if ctx.family != "anthropic":
        return {"reasoning": {"effort": effort}}
    max_tokens = body.get("max_tokens")
    if budget is not None:
        clamped = anthropic_budget(budget, max_tokens)
        return {"reasoning": {"max_tokens": clamped}} if clamped else {}
    # OpenRouter derives a budget >= 1024 from the effort; it must stay below max_tokens.
    if _is_int(max_tokens) and max_tokens <= MIN_ANTHROPIC_BUDGET:
        return {}
    return {"reasoning": {"effort": effort}}


def replay_reasoning(
    blocks: list[JSON], ctx: TranslationContext, target: Family | None = None
) -> JSON:
    """Assistant-message fields replaying ``thinking``/``redacted_thinking`` blocks, in order.

    ``target`` is ``ctx.family``, for a caller that has already read it (once per request).
    """
    if target is None:
        target = ctx.family
    me = producer_of(ctx.provider, ctx.upstream_model)
    details: list[JSON] = []
    texts: list[str] = []
    for block in blocks:
        thinking = block.get("type") == "thinking"
        if thinking:
            sealed, text = block.get("signature"), block.get("thinking")
        else:
            sealed, text = block.get("data"), None
        if not isinstance(sealed, str) or not sealed:
            continue  # unsigned thinking cannot be verified by anyone: never replay it
        # `startswith` first: most signatures are Anthropic's own, and unseal() is a call.
        envelope = unseal(sealed) if sealed.startswith(PREFIX) else None
        if envelope is not None:
            packed = _replayable(envelope, me, target)
            if packed is not None:
                details.extend(packed)
                texts.append(text if isinstance(text, str) and text else _details_text(packed))
        elif target == "anthropic":
            details.append(_anthropic_detail(thinking, text, sealed, len(details)))
            if isinstance(text, str):
                texts.append(text)
    if ctx.dialect == "openrouter" and (details or target == "anthropic"):
        return {"reasoning_details": details} if details else {}  # Claude: signed details only
    joined = "\n".join(t for t in texts if t)
    if not joined:
        return {}
    # Plain servers (DeepSeek: "Missing reasoning_content") take the text; on OpenRouter a
    # same-family turn that came with reasoning text but no details sends the text back.
    return {"reasoning_content" if ctx.dialect == "openai" else "reasoning": joined}


def _replayable(envelope: Sealed, me: str, target: Family) -> list[JSON] | None:
    """What of an envelope the target may get back: all of it for its producer (or its family,
    when known), Claude's signed details for a Claude model; None: nothing, drop the block."""
    if envelope.producer == me:
        return envelope.details
    if envelope.family == target and (target != "other" or envelope.producer is None):
        return envelope.details
    if target == "anthropic":
        return anthropic_details(envelope.details) or None
    return None


def _anthropic_detail(thinking: bool, text: Any, sealed: str, index: int) -> JSON:
    if thinking:
        return {
            "type": "reasoning.text",
            "text": text if isinstance(text, str) else "",
            "signature": sealed,
            "format": ANTHROPIC_FORMAT,
            "index": index,
        }
    return {
        "type": "reasoning.encrypted",
        "data": sealed,
        "format": ANTHROPIC_FORMAT,
        "index": index,
    }


def _details_text(details: list[JSON]) -> str:
    return "".join(
        d["text"]
        for d in details
        if d.get("type") == "reasoning.text" and isinstance(d.get("text"), str)
    )


def opens_with_signed_thinking(message: JSON) -> bool:
    """Whether an assistant message replays a signed Claude thinking block first."""
    details = message.get("reasoning_details")
    if not details:
        return False
    first = details[0]
    if first.get("type") == "reasoning.text":
        return bool(first.get("signature"))
    return first.get("type") == "reasoning.encrypted" and bool(first.get("data"))


def tool_turn_lacks_thinking(messages: list[JSON]) -> bool:
    """Claude with thinking on rejects a final tool-calling assistant turn that does not start
    with its signed thinking ("Expected `thinking` or `redacted_thinking`…"). Signatures cannot be
    forged, so the caller turns thinking off for such a request (e.g. right after a model switch).
    """
    for message in reversed(messages):
        if message.get("role") == "assistant":
            return bool(message.get("tool_calls")) and not opens_with_signed_thinking(message)
    return False
