from __future__ import annotations

import pytest

from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.verdict import (
    FITS,
    OUTPUT_RESERVE,
    Needs,
    Verdict,
    judge,
    output_limit,
    too_long_message,
)

CAP_8K = ModelFacts("cap-8k", context=200_000, max_output=8192, tools=True, reasoning=True)
CTX_32K = ModelFacts("ctx-32k", context=32_768, max_output=32_768, tools=True)
NO_TOOLS = ModelFacts("no-tools", context=128_000, tools=False)
TEXT_ONLY = ModelFacts("text-only", context=128_000, tools=True, vision=False, reasoning=False)
CLAUDE_CODE = Needs(input_tokens=20_000, max_tokens=32_000, tools=True)


def test_unknown_facts_never_gate() -> None:
    everything = Needs(10**7, 10**6, tools=True, images=True, reasoning=True, thinking_budget=10**6)
    assert judge(None, everything) is FITS
    assert judge(ModelFacts("m"), everything) is FITS


def test_max_tokens_is_clamped_to_the_output_cap() -> None:
    verdict = judge(CAP_8K, CLAUDE_CODE)
    assert verdict.kind == "clamped"
    assert verdict.max_tokens == 8192
    assert verdict.why == "max_tokens 32000 -> 8192 (output cap)"
    assert judge(CAP_8K, Needs(20_000, 4096, tools=True)) is FITS


def test_a_thinking_budget_stays_below_the_clamped_max_tokens() -> None:
    needs = Needs(1000, 32_000, reasoning=True, thinking_budget=16_000)
    verdict = judge(CAP_8K, needs)
    assert (verdict.max_tokens, verdict.thinking_budget, verdict.drop_reasoning) == (
        8192,
        8191,
        False,
    )
    small = ModelFacts("tiny", max_output=1000, reasoning=True)
    verdict = judge(small, needs)
    assert verdict.drop_reasoning and verdict.thinking_budget is None
    assert "thinking off" in verdict.why


def test_a_prompt_the_context_cannot_hold_is_skipped() -> None:
    needs = Needs(input_tokens=30_000, max_tokens=32_000)
    verdict = judge(CTX_32K, needs)
    assert verdict.kind == "skipped" and verdict.lacks == "context"
    assert verdict.context == 32_768
    assert verdict.why == f"context 32768 < 30000 input + {OUTPUT_RESERVE} output tokens"


def test_a_prompt_that_fits_gets_max_tokens_cut_to_the_room_left() -> None:
    verdict = judge(CTX_32K, Needs(input_tokens=20_000, max_tokens=32_000))
    assert verdict.kind == "clamped"
    assert verdict.max_tokens == 12_768
    assert "context left" in verdict.why


def test_the_reserve_is_never_more_than_the_request_asks() -> None:
    probe = Needs(input_tokens=32_000, max_tokens=1)
    assert judge(CTX_32K, probe) is FITS
    assert Needs(10, None).reserve == OUTPUT_RESERVE


@pytest.mark.parametrize(
    ("facts", "needs", "lacks"),
    [
        (NO_TOOLS, Needs(100, 1000, tools=True), "tools"),
        (TEXT_ONLY, Needs(100, 1000, images=True), "vision"),
    ],
)
def test_missing_capabilities_skip(facts: ModelFacts, needs: Needs, lacks: str) -> None:
    verdict = judge(facts, needs)
    assert verdict.kind == "skipped" and verdict.lacks == lacks
    assert judge(facts, Needs(100, 1000)) is FITS


def test_reasoning_parameters_only_to_models_that_take_them() -> None:
    verdict = judge(TEXT_ONLY, Needs(100, 1000, reasoning=True, thinking_budget=500))
    assert verdict == Verdict(
        "clamped", "no reasoning parameters (model takes none)", drop_reasoning=True
    )
    assert judge(CAP_8K, Needs(100, 1000, reasoning=True)) is FITS


def test_output_limit() -> None:
    assert output_limit(CAP_8K, 199_000) == 1000
    assert output_limit(ModelFacts("m"), 10) is None
    assert output_limit(ModelFacts("m", max_output=10), 10) == 10


def test_str_and_the_anthropic_message() -> None:
    assert str(FITS) == "fits"
    assert str(judge(NO_TOOLS, Needs(1, 1, tools=True))) == "skipped: model takes no tools"
    assert (
        too_long_message(150_000, 128_000) == "prompt is too long: 150000 tokens > 128000 maximum"
    )
