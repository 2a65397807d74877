from __future__ import annotations

import copy
from typing import Any

import orjson

from ccrouter.transformers.chat.reasoning_codec import pack
from ccrouter.transformers.chat.request import to_openai_request
from ccrouter.transformers.context import Dialect, TranslationContext

CLAUDE = "anthropic/claude-sonnet-4.5"
DEEPSEEK = "deepseek/deepseek-chat"
GEMINI = "google/gemini-2.5-pro"
EPHEMERAL = {"type": "ephemeral"}
SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
ANTHROPIC_ONLY = (
    "metadata",
    "context_management",
    "safeguards",
    "speed",
    "service_tier",
    "container",
    "mcp_servers",
    "output_config",
    "output_format",
    "thinking",
    "system",
    "stop_sequences",
    "tool_choice",
)


def ctx(model: str = DEEPSEEK, dialect: Dialect = "openrouter") -> TranslationContext:
    return TranslationContext(
        requested_model="claude-opus-5-5", upstream_model=model, dialect=dialect
    )


def body(**extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-opus-5-5",
        "max_tokens": 32000,
        "messages": [{"role": "user", "content": "hi"}],
        **extra,
    }


def marked(content: str) -> dict[str, Any]:
    return {"type": "text", "text": content, "cache_control": EPHEMERAL}


def breakpoints(out: dict[str, Any]) -> list[str]:
    return [
        part["text"]
        for message in out["messages"]
        if isinstance(message["content"], list)
        for part in message["content"]
        if "cache_control" in part
    ]


# --- top-level fields ---------------------------------------------------------------------------


def test_model_is_the_upstream_model_and_max_tokens_is_kept() -> None:
    out = to_openai_request(body(), ctx())
    assert out == {
        "model": DEEPSEEK,
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 32000,
    }


def test_stop_sequences_become_stop_limited_to_four() -> None:
    out = to_openai_request(body(stop_sequences=["a", "b", "", "c", "d", "e"]), ctx())
    assert out["stop"] == ["a", "b", "c", "d"]


def test_sampling_parameters_pass_through_when_present() -> None:
    out = to_openai_request(body(temperature=0.2, top_p=0.9, top_k=40), ctx())
    assert (out["temperature"], out["top_p"], out["top_k"]) == (0.2, 0.9, 40)
    assert "temperature" not in to_openai_request(body(temperature=None), ctx())


def test_stream_flag_is_forwarded() -> None:
    assert to_openai_request(body(stream=True), ctx())["stream"] is True
    assert "stream" not in to_openai_request(body(), ctx())


def test_openai_dialect_streams_ask_for_usage() -> None:
    out = to_openai_request(body(stream=True), ctx("deepseek-chat", "openai"))
    assert out["stream_options"] == {"include_usage": True}
    assert "stream_options" not in to_openai_request(body(stream=True), ctx())
    assert "stream_options" not in to_openai_request(body(stream=False), ctx("x", "openai"))


def test_output_config_json_schema_becomes_strict_response_format() -> None:
    out = to_openai_request(
        body(output_config={"effort": "high", "format": {"type": "json_schema", "schema": SCHEMA}}),
        ctx(),
    )
    assert out["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": SCHEMA, "strict": True},
    }


def test_legacy_output_format_becomes_response_format() -> None:
    out = to_openai_request(body(output_format={"type": "json_schema", "schema": SCHEMA}), ctx())
    assert out["response_format"]["json_schema"]["schema"] == SCHEMA


def test_anthropic_only_and_unknown_top_level_fields_are_dropped() -> None:
    inbound = body(
        metadata={"user_id": "u"},
        context_management={"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        safeguards=[{"type": "dangerous_tool_use"}],
        speed="fast",
        service_tier="auto",
        container="c",
        mcp_servers=[{"type": "url", "url": "https://x.test"}],
        output_config={"effort": "high"},
        thinking={"type": "disabled"},
        cache_control=EPHEMERAL,
        brand_new_field=1,
    )
    out = to_openai_request(inbound, ctx())
    assert set(out) == {"model", "messages", "max_tokens"}


def test_top_level_cache_control_is_kept_only_for_claude() -> None:
    assert (
        to_openai_request(body(cache_control=EPHEMERAL), ctx(CLAUDE))["cache_control"] == EPHEMERAL
    )
    assert "cache_control" not in to_openai_request(body(cache_control=EPHEMERAL), ctx(GEMINI))
    assert "cache_control" not in to_openai_request(body(cache_control=EPHEMERAL), ctx(DEEPSEEK))


def test_system_prompt_becomes_the_first_message() -> None:
    out = to_openai_request(body(system="Be brief."), ctx())
    assert out["messages"][0] == {"role": "system", "content": "Be brief."}


def test_empty_tools_list_is_omitted_with_its_tool_choice() -> None:
    out = to_openai_request(
        body(tools=[], tool_choice={"type": "any", "disable_parallel_tool_use": True}), ctx()
    )
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & set(out)


def test_only_server_tools_for_a_plain_openai_server_send_no_tools() -> None:
    out = to_openai_request(
        body(
            tools=[{"type": "web_search_20250305", "name": "web_search", "max_uses": 8}],
            tool_choice={"type": "auto"},
        ),
        ctx("deepseek-chat", "openai"),
    )
    assert not {"tools", "tool_choice"} & set(out)


def test_tools_and_tool_choice_are_translated_together() -> None:
    out = to_openai_request(
        body(
            tools=[{"name": "Bash", "input_schema": SCHEMA}],
            tool_choice={"type": "tool", "name": "Bash"},
        ),
        ctx(),
    )
    assert out["tools"][0]["function"]["name"] == "Bash"
    assert out["tool_choice"] == {"type": "function", "function": {"name": "Bash"}}


def test_tool_names_map_is_filled_for_the_response_side() -> None:
    context = ctx()
    to_openai_request(
        body(tools=[{"name": "mcp__srv__" + "x" * 80, "input_schema": SCHEMA}]), context
    )
    assert list(context.tool_names.values()) == ["mcp__srv__" + "x" * 80]


def test_thinking_becomes_reasoning() -> None:
    out = to_openai_request(
        body(thinking={"type": "adaptive"}, output_config={"effort": "max"}), ctx()
    )
    assert out["reasoning"] == {"effort": "max"}
    assert "output_config" not in out and "thinking" not in out


# --- Claude thinking in an open tool turn -------------------------------------------------------


def tool_turn(first_block: dict[str, Any] | None) -> list[dict[str, Any]]:
    call = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}
    return [
        {"role": "user", "content": "run ls"},
        {"role": "assistant", "content": [first_block, call] if first_block else [call]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}],
        },
    ]


def test_claude_thinking_is_turned_off_when_the_open_tool_turn_has_no_signed_thinking() -> None:
    foreign = {
        "type": "thinking",
        "thinking": "t",
        "signature": pack([{"type": "reasoning.text"}], "deepseek"),
    }
    out = to_openai_request(
        body(messages=tool_turn(foreign), thinking={"type": "adaptive"}), ctx(CLAUDE)
    )
    assert "reasoning" not in out


def test_claude_thinking_stays_on_when_the_open_tool_turn_replays_its_signature() -> None:
    own = {"type": "thinking", "thinking": "t", "signature": "EqQBsig"}
    out = to_openai_request(
        body(messages=tool_turn(own), thinking={"type": "adaptive"}), ctx(CLAUDE)
    )
    assert out["reasoning"] == {"effort": "medium"}
    assert out["messages"][1]["reasoning_details"][0]["signature"] == "EqQBsig"


def test_other_families_keep_reasoning_in_an_open_tool_turn() -> None:
    out = to_openai_request(
        body(messages=tool_turn(None), thinking={"type": "adaptive"}), ctx(DEEPSEEK)
    )
    assert out["reasoning"] == {"effort": "medium"}


# --- cache breakpoints --------------------------------------------------------------------------


def cached_body() -> dict[str, Any]:
    return body(
        system=[marked("s1"), marked("s2"), marked("s3")],
        messages=[
            {"role": "user", "content": [marked("u1")]},
            {"role": "assistant", "content": [marked("a1")]},
            {"role": "user", "content": [marked("u2")]},
        ],
    )


def test_claude_keeps_at_most_the_last_four_breakpoints() -> None:
    assert breakpoints(to_openai_request(cached_body(), ctx(CLAUDE))) == ["s3", "u1", "a1", "u2"]


def test_claude_top_level_cache_control_takes_one_breakpoint_slot() -> None:
    inbound = cached_body() | {"cache_control": EPHEMERAL}
    assert breakpoints(to_openai_request(inbound, ctx(CLAUDE))) == ["u1", "a1", "u2"]


def test_gemini_keeps_only_the_last_breakpoint() -> None:
    assert breakpoints(to_openai_request(cached_body(), ctx(GEMINI))) == ["u2"]


def test_cache_control_never_reaches_families_without_breakpoints() -> None:
    out = to_openai_request(cached_body() | {"cache_control": EPHEMERAL}, ctx(DEEPSEEK))
    assert b"cache_control" not in orjson.dumps(out)


# --- purity -------------------------------------------------------------------------------------


def test_translation_never_changes_the_inbound_body() -> None:
    inbound = cached_body() | {
        "tools": [
            {"name": "Bash", "input_schema": {"$schema": "x", **SCHEMA}, "defer_loading": True},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 8},
        ],
        "tool_choice": {"type": "auto"},
        "thinking": {"type": "enabled", "budget_tokens": 40000},
        "output_config": {"format": {"type": "json_schema", "schema": SCHEMA}},
        "stream": True,
    }
    before = copy.deepcopy(inbound)
    for context in (ctx(CLAUDE), ctx(GEMINI), ctx(DEEPSEEK), ctx("deepseek-chat", "openai")):
        to_openai_request(inbound, context)
    assert inbound == before


def test_no_anthropic_top_level_field_survives() -> None:
    inbound = body(**{key: {"type": "x"} for key in ANTHROPIC_ONLY})
    out = to_openai_request(inbound, ctx())
    assert not set(ANTHROPIC_ONLY) & set(out)
