"""Model families decide what a target accepts."""

from __future__ import annotations

import pytest

from ccrouter.transformers.context import TranslationContext, family_of


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("anthropic/claude-sonnet-4.5", "anthropic"),
        ("claude-opus-5-5", "anthropic"),
        ("google/gemini-2.5-pro", "google"),
        ("openai/gpt-5", "openai"),
        ("deepseek/deepseek-r1", "deepseek"),
        ("x-ai/grok-4", "xai"),
        ("moonshotai/kimi-k2", "other"),
    ],
)
def test_family_of(model: str, family: str) -> None:
    assert family_of(model) == family


def test_context_defaults_and_tool_names() -> None:
    ctx = TranslationContext("claude-x", "google/gemini-2.5-pro")
    assert ctx.keeps_cache_control and ctx.message_id.startswith("msg_")
    ctx.tool_names["short"] = "mcp__long"
    assert ctx.client_tool_name("short") == "mcp__long" and ctx.client_tool_name("Write") == "Write"
    assert not TranslationContext("c", "deepseek/deepseek-chat").keeps_cache_control
