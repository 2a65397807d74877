from __future__ import annotations

from typing import Any

import pytest

from ccrouter.transformers.chat.reasoning import (
    anthropic_budget,
    effort_for_budget,
    reasoning_params,
    replay_reasoning,
    tool_turn_lacks_thinking,
)
from ccrouter.transformers.chat.reasoning_codec import pack, producer_of, seal
from ccrouter.transformers.context import Dialect, TranslationContext

CLAUDE = "anthropic/claude-sonnet-4.5"
DEEPSEEK = "deepseek/deepseek-chat"
GEMINI = "google/gemini-3-pro-preview"


def ctx(model: str = DEEPSEEK, dialect: Dialect = "openrouter") -> TranslationContext:
    return TranslationContext(
        requested_model="claude-opus-5-5", upstream_model=model, dialect=dialect
    )


def enabled(budget: int, max_tokens: int = 32000) -> dict[str, Any]:
    return {"max_tokens": max_tokens, "thinking": {"type": "enabled", "budget_tokens": budget}}


def adaptive(effort: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "max_tokens": 32000,
        "thinking": {"type": "adaptive", "display": "omitted"},
    }
    if effort is not None:
        body["output_config"] = {"effort": effort}
    return body


def thinking(text: str, signature: str) -> dict[str, Any]:
    return {"type": "thinking", "thinking": text, "signature": signature}


# --- thinking / effort -> reasoning -------------------------------------------------------------


def test_budget_becomes_reasoning_max_tokens_for_claude() -> None:
    assert reasoning_params(enabled(8000), ctx(CLAUDE)) == {"reasoning": {"max_tokens": 8000}}


def test_claude_budget_is_raised_to_the_1024_minimum() -> None:
    assert reasoning_params(enabled(500), ctx(CLAUDE)) == {"reasoning": {"max_tokens": 1024}}


def test_claude_budget_is_lowered_below_max_tokens() -> None:
    assert reasoning_params(enabled(31999, max_tokens=20000), ctx(CLAUDE)) == {
        "reasoning": {"max_tokens": 19999}
    }


def test_claude_reasoning_is_omitted_when_no_valid_budget_fits() -> None:
    assert reasoning_params(enabled(8000, max_tokens=1024), ctx(CLAUDE)) == {}
    assert anthropic_budget(2000, 1) is None


@pytest.mark.parametrize(
    ("budget", "effort"),
    [
        (1024, "low"),
        (4095, "low"),
        (4096, "medium"),
        (16383, "medium"),
        (16384, "high"),
        (31999, "high"),
    ],
)
def test_budget_maps_to_effort_for_other_families(budget: int, effort: str) -> None:
    assert effort_for_budget(budget) == effort
    assert reasoning_params(enabled(budget), ctx(DEEPSEEK)) == {"reasoning": {"effort": effort}}


@pytest.mark.parametrize("effort", ["low", "medium", "high", "xhigh", "max"])
def test_adaptive_thinking_uses_the_requested_effort(effort: str) -> None:
    assert reasoning_params(adaptive(effort), ctx(DEEPSEEK)) == {"reasoning": {"effort": effort}}
    assert reasoning_params(adaptive(effort), ctx(CLAUDE)) == {"reasoning": {"effort": effort}}


def test_adaptive_thinking_without_effort_is_medium() -> None:
    assert reasoning_params(adaptive(), ctx(GEMINI)) == {"reasoning": {"effort": "medium"}}


def test_unknown_effort_value_falls_back_to_medium() -> None:
    assert reasoning_params(adaptive("turbo"), ctx()) == {"reasoning": {"effort": "medium"}}


def test_disabled_or_absent_thinking_sends_no_reasoning_at_all() -> None:
    body = {
        "max_tokens": 1000,
        "thinking": {"type": "disabled"},
        "output_config": {"effort": "high"},
    }
    assert reasoning_params(body, ctx()) == {}
    assert reasoning_params({"max_tokens": 1000, "output_config": {"effort": "high"}}, ctx()) == {}
    assert reasoning_params({"max_tokens": 1000, "thinking": "yes"}, ctx()) == {}


def test_display_is_never_forwarded() -> None:
    assert "display" not in str(reasoning_params(adaptive("high"), ctx(CLAUDE)))


def test_claude_effort_is_omitted_when_max_tokens_cannot_exceed_the_minimum_budget() -> None:
    body = adaptive("high")
    body["max_tokens"] = 1
    assert reasoning_params(body, ctx(CLAUDE)) == {}


def test_unknown_thinking_type_is_treated_like_adaptive() -> None:
    body = {"max_tokens": 32000, "thinking": {"type": "between_tools"}}
    assert reasoning_params(body, ctx()) == {"reasoning": {"effort": "medium"}}


@pytest.mark.parametrize(
    ("effort", "expected"),
    [("low", "low"), ("medium", "medium"), ("high", "high"), ("xhigh", "high"), ("max", "high")],
)
def test_openai_dialect_uses_reasoning_effort_capped_at_high(effort: str, expected: str) -> None:
    assert reasoning_params(adaptive(effort), ctx(dialect="openai")) == {
        "reasoning_effort": expected
    }


def test_openai_dialect_maps_budgets_to_reasoning_effort() -> None:
    assert reasoning_params(enabled(31999), ctx(CLAUDE, "openai")) == {"reasoning_effort": "high"}


def test_openai_dialect_sends_nothing_when_thinking_is_off() -> None:
    assert (
        reasoning_params(
            {"max_tokens": 10, "thinking": {"type": "disabled"}}, ctx(dialect="openai")
        )
        == {}
    )


# --- replay of earlier thinking -----------------------------------------------------------------


def test_anthropic_signed_thinking_is_replayed_as_reasoning_details_for_claude() -> None:
    blocks = [thinking("plan", "EqQBsig"), {"type": "redacted_thinking", "data": "EncData"}]
    assert replay_reasoning(blocks, ctx(CLAUDE)) == {
        "reasoning_details": [
            {
                "type": "reasoning.text",
                "text": "plan",
                "signature": "EqQBsig",
                "format": "anthropic-claude-v1",
                "index": 0,
            },
            {
                "type": "reasoning.encrypted",
                "data": "EncData",
                "format": "anthropic-claude-v1",
                "index": 1,
            },
        ]
    }


def test_omitted_display_thinking_with_a_signature_is_still_replayed_for_claude() -> None:
    details = replay_reasoning([thinking("", "EqQBsig")], ctx(CLAUDE))["reasoning_details"]
    assert details[0]["text"] == "" and details[0]["signature"] == "EqQBsig"


def test_foreign_thinking_signature_is_dropped_after_model_switch() -> None:
    gemini_sig = pack(
        [{"type": "reasoning.encrypted", "data": "g", "format": "google-gemini-v1"}], "google"
    )
    assert replay_reasoning([thinking("t", gemini_sig)], ctx(CLAUDE)) == {}
    assert replay_reasoning([thinking("t", "EqQBsig")], ctx(GEMINI)) == {}
    assert replay_reasoning([{"type": "redacted_thinking", "data": "Enc"}], ctx(DEEPSEEK)) == {}


def test_packed_reasoning_of_the_same_family_is_replayed_unchanged_and_in_order() -> None:
    first = [
        {"type": "reasoning.text", "text": "a", "format": "google-gemini-v1", "index": 0},
        {
            "type": "reasoning.encrypted",
            "data": "sig1",
            "id": "tool_1",
            "format": "google-gemini-v1",
            "index": 1,
        },
    ]
    second = [
        {
            "type": "reasoning.encrypted",
            "data": "sig2",
            "id": "tool_2",
            "format": "google-gemini-v1",
            "index": 0,
        }
    ]
    blocks = [
        thinking("a", pack(first, "google")),
        {"type": "redacted_thinking", "data": pack(second, "google")},
    ]
    assert replay_reasoning(blocks, ctx(GEMINI)) == {"reasoning_details": first + second}


def test_same_family_text_without_details_is_replayed_as_reasoning_on_openrouter() -> None:
    blocks = [thinking("I should call the tool.", pack([], "deepseek"))]
    assert replay_reasoning(blocks, ctx(DEEPSEEK)) == {"reasoning": "I should call the tool."}


def test_claude_thinking_is_never_replayed_as_plain_reasoning_text() -> None:
    assert replay_reasoning([thinking("t", pack([], "anthropic"))], ctx(CLAUDE)) == {}


def test_unsigned_thinking_is_never_replayed() -> None:
    assert replay_reasoning([thinking("t", "")], ctx(CLAUDE)) == {}
    assert replay_reasoning([{"type": "thinking", "thinking": "t"}], ctx(CLAUDE)) == {}


def test_openai_dialect_replays_same_family_thinking_as_reasoning_content() -> None:
    sig = pack([{"type": "reasoning.text", "text": "ignored"}], "deepseek")
    blocks = [thinking("first", sig), thinking("second", sig), thinking("claude's", "EqQBsig")]
    assert replay_reasoning(blocks, ctx("deepseek-chat", "openai")) == {
        "reasoning_content": "first\nsecond"
    }


def test_openai_dialect_falls_back_to_the_packed_text_when_the_block_text_is_empty() -> None:
    sig = pack([{"type": "reasoning.text", "text": "packed"}], "deepseek")
    assert replay_reasoning([thinking("", sig)], ctx("deepseek-chat", "openai")) == {
        "reasoning_content": "packed"
    }


def test_openai_dialect_sends_no_reasoning_content_for_foreign_thinking() -> None:
    assert replay_reasoning([thinking("claude's", "EqQBsig")], ctx("deepseek-chat", "openai")) == {}


# --- the open tool turn on Claude ---------------------------------------------------------------


def test_open_tool_turn_without_signed_thinking_is_detected() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]},
        {"role": "tool", "tool_call_id": "1", "content": "ok"},
    ]
    assert tool_turn_lacks_thinking(messages)
    messages[1]["reasoning_details"] = [{"type": "reasoning.text", "text": "t", "signature": "s"}]
    assert not tool_turn_lacks_thinking(messages)


def test_finished_turn_needs_no_thinking_replay() -> None:
    messages = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "done"}]
    assert not tool_turn_lacks_thinking(messages)
    assert not tool_turn_lacks_thinking([{"role": "user", "content": "q"}])


# --- replay follows the model that produced the block -------------------------------------------

CLAUDE_DETAIL = {
    "type": "reasoning.text",
    "text": "plan",
    "signature": "EqQBsig",
    "format": "anthropic-claude-v1",
    "index": 0,
}


def on(provider: str, model: str) -> TranslationContext:
    context = ctx(model)
    context.provider = provider
    return context


@pytest.mark.parametrize(
    ("provider", "model"),
    [("gw", "my-alias"), ("local", "team/sonnet-prod"), ("proxy", "x"), ("gw", "ÆØÅ model")],
)
def test_claude_reasoning_under_an_odd_name_comes_back_to_the_same_model(
    provider: str, model: str
) -> None:
    sealed = seal([CLAUDE_DETAIL], "EqQBsig", "other", producer_of(provider, model))
    assert sealed.startswith("ccr1.other.")  # not a bare signature: the name is not Claude's
    assert replay_reasoning([thinking("plan", sealed)], on(provider, model)) == {
        "reasoning_details": [CLAUDE_DETAIL]
    }
    # Another odd name is another model: it does not get the block.
    assert replay_reasoning([thinking("plan", sealed)], on(provider, "other-alias")) == {}
    # A real Claude model verifies Claude's signed details wherever they came from.
    assert replay_reasoning([thinking("plan", sealed)], on("openrouter", CLAUDE)) == {
        "reasoning_details": [CLAUDE_DETAIL]
    }


def test_a_claude_named_model_keeps_anthropics_bare_signature() -> None:
    assert seal([CLAUDE_DETAIL], "EqQBsig", "anthropic", "openrouter," + CLAUDE) == "EqQBsig"


def test_reasoning_of_the_catch_all_family_goes_only_to_its_producer() -> None:
    detail = {"type": "reasoning.text", "text": "t", "format": "unknown", "index": 0}
    sealed = pack([detail], "other", producer_of("p", "fake/model-a"))
    assert replay_reasoning([thinking("t", sealed)], on("p", "fake/model-a")) == {
        "reasoning_details": [detail]
    }
    assert replay_reasoning([thinking("t", sealed)], on("p", "fake/model-b")) == {}
    legacy = pack([detail], "other")  # an envelope from before the producer was recorded
    assert replay_reasoning([thinking("t", legacy)], on("p", "fake/model-b")) == {
        "reasoning_details": [detail]
    }


def test_a_known_family_still_shares_its_reasoning() -> None:
    detail = {"type": "reasoning.text", "text": "t", "format": "google-gemini-v1", "index": 0}
    sealed = pack([detail], "google", producer_of("p", "google/gemini-2.5-pro"))
    assert replay_reasoning([thinking("t", sealed)], on("p", GEMINI)) == {
        "reasoning_details": [detail]
    }
