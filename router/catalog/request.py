"""The request side of a verdict: what an Anthropic body needs, and the body a clamp sends.

``needs_of`` reads the few fields verdicts compare (tools, thinking, effort, max_tokens); the
image scan walks every message, so it runs only when some model is known to be text-only.
``adjusted`` returns a shallow copy with a clamped verdict applied; the body is never mutated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccrouter.catalog.verdict import Needs, Verdict


def needs_of(body: Mapping[str, Any], input_tokens: int, images: bool = False) -> Needs:
    thinking = body.get("thinking")
    thinking = thinking if isinstance(thinking, dict) else {}
    budget = thinking.get("budget_tokens")
    output_config = body.get("output_config")
    effort = output_config.get("effort") if isinstance(output_config, dict) else None
    max_tokens = body.get("max_tokens")
    return Needs(
        input_tokens=input_tokens,
        max_tokens=max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None,
        tools=bool(body.get("tools")),
        images=images,
        reasoning=thinking.get("type") in ("enabled", "adaptive") or effort is not None,
        thinking_budget=budget
        if isinstance(budget, int) and thinking.get("type") == "enabled"
        else None,
    )


def has_images(body: Mapping[str, Any]) -> bool:
    """Any image block anywhere in the conversation (tool results included)."""
    messages = body.get("messages")
    return isinstance(messages, list) and any(
        isinstance(m, dict) and _has_image(m.get("content")) for m in messages
    )


def _has_image(content: Any) -> bool:
    if not isinstance(content, list):
        return False
    for block in content:
        if isinstance(block, dict):
            kind = block.get("type")
            if kind == "image" or (kind == "tool_result" and _has_image(block.get("content"))):
                return True
    return False


def adjusted(body: dict[str, Any], verdict: Verdict) -> dict[str, Any]:
    """``body`` as the verdict says to send it (the same object when nothing changes)."""
    if verdict.kind != "clamped":
        return body
    out = dict(body)
    if verdict.max_tokens is not None:
        out["max_tokens"] = verdict.max_tokens
    thinking = out.get("thinking")
    if verdict.drop_reasoning:
        _drop_reasoning(out)
    elif verdict.thinking_budget is not None and isinstance(thinking, dict):
        out["thinking"] = {**thinking, "budget_tokens": verdict.thinking_budget}
    return out


def _drop_reasoning(out: dict[str, Any]) -> None:
    out.pop("thinking", None)
    output_config = out.get("output_config")
    if isinstance(output_config, dict) and "effort" in output_config:
        rest = {k: v for k, v in output_config.items() if k != "effort"}
        if rest:
            out["output_config"] = rest
        else:
            del out["output_config"]
    # clear_thinking edits are refused without thinking; other edits stay.
    management = out.get("context_management")
    if not isinstance(management, dict):
        return
    edits = management.get("edits")
    if isinstance(edits, list):
        kept = [e for e in edits if not (isinstance(e, dict) and "thinking" in str(e.get("type")))]
        if kept:
            out["context_management"] = {**management, "edits": kept}
        else:
            out.pop("context_management")
