"""``build_route_request``: the frozen view every rule reads, built from body and headers."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest

from ccrouter.routing.features import (
    RouteRequest,
    build_route_request,
    session_id_of,
    strip_subagent_tag,
)
from tests.recording.driver import Recordings


def view(body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> RouteRequest:
    base = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    return build_route_request({**base, **(body or {})}, headers or {}, 0)


def json_user_id(**fields: Any) -> dict[str, Any]:
    return {"user_id": json.dumps({"device_id": "d", "account_uuid": "", **fields})}


LEGACY = {"user_id": "user_abc123_account__session_4f9c-legacy"}


@pytest.mark.parametrize(
    ("headers", "metadata", "expected"),
    [
        (
            {"x-claude-code-session-id": "from-header"},
            json_user_id(session_id="json"),
            "from-header",
        ),
        ({"x-claude-code-session-id": "from-header"}, LEGACY, "from-header"),
        ({}, json_user_id(session_id="from-json"), "from-json"),
        ({}, LEGACY, "4f9c-legacy"),
        ({}, json_user_id(), None),
        ({}, {"user_id": "{not json"}, None),
        ({}, {"user_id": "user_abc_account__session_"}, None),
        ({}, {"user_id": "plain-user"}, None),
        ({}, {"user_id": 42}, None),
        ({"x-claude-code-session-id": ""}, LEGACY, "4f9c-legacy"),
        ({}, None, None),
    ],
)
def test_session_id_priority_header_then_json_then_legacy(
    headers: dict[str, str], metadata: Any, expected: str | None
) -> None:
    body = {"metadata": metadata} if metadata is not None else {}
    assert session_id_of(body, headers) == expected
    assert view(body, headers).session_id == expected


def test_session_ids_are_capped() -> None:
    assert session_id_of({}, {"x-claude-code-session-id": "s" * 1000}) == "s" * 256


def test_recorded_requests_carry_the_header_session_id(
    claude_code: Recordings, claude_code_views: dict[str, RouteRequest]
) -> None:
    for name, view in claude_code_views.items():
        headers = {k.lower(): v for k, v in claude_code.request(name)["headers"]}
        assert view.session_id == headers["x-claude-code-session-id"], name


IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "x"}}


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([{"role": "user", "content": [IMAGE]}], True),
        ([{"role": "user", "content": [{"type": "tool_result", "content": [IMAGE]}]}], True),
        (
            [{"role": "user", "content": [{"type": "tool_result", "content": [{"type": "tool_result", "content": [IMAGE]}]}]}],
            True,
        ),
        ([{"role": "user", "content": [IMAGE]}, {"role": "assistant", "content": "ok"}], True),
        ([{"role": "user", "content": [IMAGE]}, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "and?"}], False),
        ([{"role": "user", "content": [{"type": "tool_result", "content": "text only"}]}], False),
        ([{"role": "user", "content": "an image, in words"}], False),
    ],
)  # fmt: skip
def test_images_in_the_latest_user_turn_including_tool_results(
    messages: list[Any], expected: bool
) -> None:
    assert view({"messages": messages}).has_image is expected


def test_betas_are_split_and_trimmed() -> None:
    headers = {"anthropic-beta": "claude-code-20250219, effort-2025-11-24,,"}
    assert view(headers=headers).betas == {"claude-code-20250219", "effort-2025-11-24"}
    assert view().betas == frozenset()


@pytest.mark.parametrize(
    ("system", "headers", "expected"),
    [
        ([{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.329.1a2; cc_entrypoint=cli; cc_is_subagent=true;"}], {}, True),
        ([{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.329.1a2; cc_entrypoint=cli;"}], {"x-claude-code-agent-id": "a1"}, True),
        ([{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.329.1a2; cc_entrypoint=cli;"}], {}, False),
        ("You are an agent for Claude Code", {}, False),
        # the mark counts only in the billing line, not quoted in a prompt or a later block
        ([{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.329.1a2;"}, {"type": "text", "text": "cc_is_subagent=true"}], {}, False),
        ("Explain cc_is_subagent=true to me", {}, False),
        ([{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.329.1a2;"}], {"x-claude-code-agent-id": ""}, False),
    ],
)  # fmt: skip
def test_subagents_are_recognised_by_header_or_billing_line(
    system: Any, headers: dict[str, str], expected: bool
) -> None:
    assert view({"system": system}, headers).is_subagent is expected


@pytest.mark.parametrize("index", [0, 1, 2])
def test_the_subagent_tag_is_found_in_any_system_block(index: int) -> None:
    blocks = [{"type": "text", "text": f"block {i}"} for i in range(3)]
    blocks[index]["text"] = "<CCR-SUBAGENT-MODEL>openrouter,x/y</CCR-SUBAGENT-MODEL>\nYou are…"
    assert view({"system": blocks}).subagent_model == "openrouter,x/y"


def test_strip_subagent_tag_removes_only_the_tag() -> None:
    tagged = "<CCR-SUBAGENT-MODEL>openrouter,x/y</CCR-SUBAGENT-MODEL>\n  You are a reviewer."
    blocks = [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.329.1a2;"},
        {"type": "text", "text": tagged, "cache_control": {"type": "ephemeral"}},
    ]
    body = {"model": "m", "system": blocks}
    before = copy.deepcopy(body)
    stripped = strip_subagent_tag(body)
    assert body == before  # a copy; the original is untouched
    assert stripped["system"][0] is blocks[0]
    assert stripped["system"][1] == {
        "type": "text",
        "text": "You are a reviewer.",
        "cache_control": {"type": "ephemeral"},
    }
    assert strip_subagent_tag({"system": tagged})["system"] == "You are a reviewer."
    untagged = {"system": [{"type": "text", "text": "plain"}]}
    assert strip_subagent_tag(untagged)["system"] == untagged["system"]
    no_system = {"model": "m"}
    assert strip_subagent_tag(no_system) is no_system


def test_thinking_effort_and_limits() -> None:
    v = view(
        {
            "thinking": {"type": "enabled", "budget_tokens": 8000},
            "output_config": {"effort": "max"},
            "max_tokens": 32000,
            "stream": True,
        }
    )
    assert (v.thinking_type, v.thinking_budget, v.effort, v.max_tokens, v.stream) == (
        "enabled",
        8000,
        "max",
        32000,
        True,
    )
    odd = view({"thinking": {"type": "enabled", "budget_tokens": "8000"}, "output_config": "x"})
    assert (odd.thinking_budget, odd.effort) == (None, None)
    assert view({"thinking": {}}).thinking_type is None


def test_the_model_probe() -> None:
    assert view({"max_tokens": 1}).is_probe
    assert not view({"max_tokens": 1, "stream": True}).is_probe
    assert not view({"max_tokens": 2}).is_probe


def test_tools_texts_and_web_search() -> None:
    v = view(
        {
            "system": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
            "tools": [
                {"name": "Bash", "input_schema": {}},
                {"type": "web_search_20250305", "name": "web_search"},
                "junk",
            ],
            "messages": [
                {"role": "user", "content": "first"},
                {"role": "assistant", "content": "answer"},
                {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            ],
        }
    )  # fmt: skip
    assert v.tool_names == {"Bash", "web_search"}
    assert v.tool_types == {"web_search_20250305"}
    assert v.has_web_search
    assert v.system_text == "one\ntwo"
    assert v.last_user_text == "a\nb"


def test_the_view_is_frozen_and_the_body_untouched(
    claude_code_views: dict[str, RouteRequest],
) -> None:
    body = copy.deepcopy(claude_code_views["c_tool_bash/002"].body)
    before = copy.deepcopy(body)
    v = build_route_request(body, {}, 5)
    assert body == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.model = "other"  # type: ignore[misc]


def test_missing_or_odd_fields_give_empty_values() -> None:
    v = build_route_request({"messages": "nope", "tools": None, "model": None}, {}, 0)
    assert (v.model, v.last_user_text, v.tool_names, v.max_tokens, v.session_id) == (
        "",
        "",
        frozenset(),
        0,
        None,
    )


def test_last_user_text_is_what_the_user_typed_not_claude_codes_reminders() -> None:
    from ccrouter.routing.features import build_route_request

    body = {
        "model": "m",
        "max_tokens": 1,
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "text",
                        "text": "<system-reminder>\n# gitStatus\nfix mysql migration\n</system-reminder>",
                    },
                    {"type": "text", "text": "say hi"},
                ],
            }
        ],
    }
    assert build_route_request(body, {}, 1).last_user_text == "say hi"


def test_the_agent_id_is_kept_for_the_session_key() -> None:
    assert view(headers={"x-claude-code-agent-id": "a17"}).agent_id == "a17"
    assert view().agent_id is None


COMPACT_PROMPT = (
    "Your task is to create a detailed summary of the conversation so far, paying close "
    "attention to the user's explicit requests and your previous actions.\n… wrap your analysis "
    "in <analysis> tags … <summary>…</summary>"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (COMPACT_PROMPT, True),
        (COMPACT_PROMPT.replace("the conversation so far", "this conversation"), True),
        (COMPACT_PROMPT.replace("the conversation so far", "the RECENT portion"), True),
        ("Your task is to create a detailed summary of my notes", False),  # no <analysis>
        ("summarise <analysis> please", False),
    ],
)
def test_the_compaction_prompt_is_recognised(text: str, expected: bool) -> None:
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": text}]}]}
    assert view(body).is_compaction is expected
