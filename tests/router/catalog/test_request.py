from __future__ import annotations

from typing import Any

from ccrouter.catalog.request import adjusted, has_images, needs_of
from ccrouter.catalog.verdict import FITS, Needs, Verdict

IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}


def claude_code_body(**extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 32_000,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "Bash", "input_schema": {"type": "object"}}],
        "thinking": {"type": "enabled", "budget_tokens": 16_000},
        "output_config": {"effort": "high"},
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        **extra,
    }


def test_needs_of_a_claude_code_request() -> None:
    assert needs_of(claude_code_body(), 12_345) == Needs(
        12_345, 32_000, tools=True, images=False, reasoning=True, thinking_budget=16_000
    )
    plain = needs_of({"max_tokens": 0, "thinking": {"type": "disabled"}}, 5)
    assert plain == Needs(5, None)
    adaptive = needs_of({"thinking": {"type": "adaptive", "budget_tokens": 1}}, 5)
    assert adaptive.reasoning and adaptive.thinking_budget is None


def test_images_anywhere_in_the_conversation() -> None:
    assert not has_images(claude_code_body())
    earlier = {"role": "user", "content": [{"type": "text", "text": "look"}, IMAGE]}
    assert has_images({"messages": [earlier, {"role": "user", "content": "and now?"}]})
    in_tool_result = {"type": "tool_result", "tool_use_id": "t", "content": [IMAGE]}
    assert has_images({"messages": [{"role": "user", "content": [in_tool_result]}]})
    assert not has_images({"messages": "nope"})


def test_adjusted_clamps_without_touching_the_original() -> None:
    body = claude_code_body()
    assert adjusted(body, FITS) is body
    out = adjusted(body, Verdict("clamped", "x", max_tokens=8192, thinking_budget=8191))
    assert out["max_tokens"] == 8192 and out["thinking"]["budget_tokens"] == 8191
    assert body["max_tokens"] == 32_000 and body["thinking"]["budget_tokens"] == 16_000


def test_adjusted_drops_every_reasoning_parameter() -> None:
    body = claude_code_body(output_config={"effort": "high", "format": {"type": "json"}})
    out = adjusted(body, Verdict("clamped", "x", drop_reasoning=True))
    assert "thinking" not in out and "context_management" not in out
    assert out["output_config"] == {"format": {"type": "json"}}
    only_effort = adjusted(claude_code_body(), Verdict("clamped", "x", drop_reasoning=True))
    assert "output_config" not in only_effort
    mixed = claude_code_body(
        context_management={"edits": [{"type": "clear_thinking_20251015"}, {"type": "other"}]}
    )
    kept = adjusted(mixed, Verdict("clamped", "x", drop_reasoning=True))
    assert kept["context_management"] == {"edits": [{"type": "other"}]}
    assert "thinking" in body
