"""Tool names fit OpenAI's rules deterministically; tool ids fit Claude Code's, reversibly."""

from __future__ import annotations

import re

import pytest

from ccrouter.transformers.chat.tool_names import (
    client_tool_id,
    upstream_tool_id,
    upstream_tool_name,
)

VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def test_names_that_fit_are_untouched() -> None:
    assert upstream_tool_name("Write") == "Write"
    assert upstream_tool_name("mcp__github__create_issue") == "mcp__github__create_issue"


@pytest.mark.parametrize(
    "name", ["mcp__" + "very_long_server_name__" * 4 + "tool", "my.tool:v2", "ütf tool"]
)
def test_long_or_odd_names_are_shortened_deterministically(name: str) -> None:
    short = upstream_tool_name(name)
    assert VALID.match(short) and short == upstream_tool_name(name)
    assert upstream_tool_name(name + "x") != short


@pytest.mark.parametrize("upstream", ["call_abc123", "toolu_01XY"])
def test_valid_ids_are_kept(upstream: str) -> None:
    assert client_tool_id(upstream) == upstream == upstream_tool_id(upstream)


@pytest.mark.parametrize("upstream", ["functions.Bash:0", 42, "call abc", "id__thought__=="])
def test_invalid_ids_are_wrapped_reversibly(upstream: str | int) -> None:
    client = client_tool_id(upstream)
    assert re.match(r"^[a-zA-Z0-9_-]+$", client)
    assert upstream_tool_id(client) == str(upstream)


def test_missing_ids_are_generated_unique() -> None:
    assert client_tool_id(None) != client_tool_id("")
    assert client_tool_id(None).startswith("toolu_")
