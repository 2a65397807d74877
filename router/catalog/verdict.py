"""Can this model take this request? Pure functions of the model's facts and the request's needs.

    judge(facts, needs) -> Verdict
        fits      send as is
        clamped   send with max_tokens lowered to what the model can write (a thinking budget
                  kept below it) and/or without reasoning parameters it does not accept
        skipped   do not send: no tools, text-only with images, or a prompt its context cannot hold

Only stated facts gate: ``None`` (unknown) never skips or clamps. Checks are a few comparisons;
no I/O, no allocation on the common "fits" path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ccrouter.catalog.facts import ModelFacts

# Tokens kept free for the answer when judging whether a prompt fits a context window
# (or the request's max_tokens, when smaller). Claude Code compacts at about this margin too.
OUTPUT_RESERVE = 4096
MIN_THINKING_BUDGET = 1024  # Anthropic's floor for thinking.budget_tokens

Kind = Literal["fits", "clamped", "skipped"]
Lack = Literal["context", "tools", "vision"]


@dataclass(frozen=True, slots=True)
class Needs:
    """What one request asks of a model, computed once per request."""

    input_tokens: int
    max_tokens: int | None = None
    tools: bool = False
    images: bool = False
    reasoning: bool = False  # thinking on, or an effort asked for
    thinking_budget: int | None = None

    @property
    def reserve(self) -> int:
        return min(self.max_tokens or OUTPUT_RESERVE, OUTPUT_RESERVE)


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: Kind
    why: str = ""  # for the log line, x-ccrouter-tried and ccrouter explain
    max_tokens: int | None = None  # clamped: what to send instead
    thinking_budget: int | None = None  # clamped: the budget to send instead
    drop_reasoning: bool = False  # clamped: send no reasoning parameters
    lacks: Lack | None = None  # skipped: what the model lacks
    context: int | None = None  # skipped for context: the model's window

    def __str__(self) -> str:
        return f"{self.kind}: {self.why}" if self.why else self.kind


FITS = Verdict("fits")


def judge(facts: ModelFacts | None, needs: Needs) -> Verdict:
    if facts is None:
        return FITS
    skipped = _skipped(facts, needs)
    if skipped is not None:
        return skipped
    return _clamped(facts, needs)


def _skipped(facts: ModelFacts, needs: Needs) -> Verdict | None:
    if needs.tools and facts.tools is False:
        return Verdict("skipped", "model takes no tools", lacks="tools")
    if needs.images and facts.vision is False:
        return Verdict("skipped", "model is text-only, request has images", lacks="vision")
    context = facts.context
    if context is not None and needs.input_tokens + needs.reserve > context:
        why = f"context {context} < {needs.input_tokens} input + {needs.reserve} output tokens"
        return Verdict("skipped", why, lacks="context", context=context)
    return None


def output_limit(facts: ModelFacts, input_tokens: int) -> int | None:
    """The most tokens the model can write for this input: its cap, and what its window leaves."""
    limit = facts.max_output
    if facts.context is not None:
        room = facts.context - input_tokens
        limit = room if limit is None else min(limit, room)
    return limit


def _clamped(facts: ModelFacts, needs: Needs) -> Verdict:
    notes: list[str] = []
    max_tokens = needs.max_tokens
    limit = output_limit(facts, needs.input_tokens)
    if max_tokens is not None and limit is not None and max_tokens > limit:
        source = "output cap" if limit == facts.max_output else "context left"
        notes.append(f"max_tokens {max_tokens} -> {limit} ({source})")
        max_tokens = limit
    budget = needs.thinking_budget
    drop = needs.reasoning and facts.reasoning is False
    if drop:
        notes.append("no reasoning parameters (model takes none)")
    elif budget is not None and notes and max_tokens is not None and budget >= max_tokens:
        budget = max_tokens - 1
        if budget < MIN_THINKING_BUDGET:
            drop = True
            notes.append(f"thinking off (no budget >= {MIN_THINKING_BUDGET} fits below max_tokens)")
        else:
            notes.append(f"thinking budget {needs.thinking_budget} -> {budget}")
    if not notes:
        return FITS
    return Verdict(
        "clamped",
        "; ".join(notes),
        max_tokens=max_tokens if max_tokens != needs.max_tokens else None,
        thinking_budget=budget if budget != needs.thinking_budget and not drop else None,
        drop_reasoning=drop,
    )


def too_long_message(input_tokens: int, largest_context: int) -> str:
    """Anthropic's own wording, which Claude Code reads to compact and retry."""
    return f"prompt is too long: {input_tokens} tokens > {largest_context} maximum"
