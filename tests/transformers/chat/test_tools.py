from __future__ import annotations

import copy
from typing import Any

from ccrouter.transformers.chat.tool_names import upstream_tool_name
from ccrouter.transformers.chat.tools import (
    parameters_schema,
    translate_tool_choice,
    translate_tools,
)
from ccrouter.transformers.context import Dialect, TranslationContext

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"command": {"type": "string"}},
    "required": ["command"],
    "additionalProperties": False,
}
LONG_MCP_NAME = "mcp__github_enterprise_server__create_or_update_pull_request_review_comment"
PLACEHOLDER = {
    "name": "DeferredToolPlaceholder",
    "description": "Reserved placeholder that keeps deferred tool loading active; never call this tool.",
    "input_schema": {"type": "object", "properties": {}},
    "defer_loading": True,
}


def ctx(dialect: Dialect = "openrouter") -> TranslationContext:
    return TranslationContext(
        requested_model="claude-opus-5-5", upstream_model="deepseek/deepseek-chat", dialect=dialect
    )


def tool(name: str = "Bash", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "Run a command", "input_schema": SCHEMA, **extra}


def function_names(tools: list[dict[str, Any]]) -> list[str]:
    return [t["function"]["name"] for t in tools if t["type"] == "function"]


# --- custom tools -------------------------------------------------------------------------------


def test_custom_tool_becomes_a_function_tool() -> None:
    assert translate_tools([tool()], ctx()) == [
        {
            "type": "function",
            "function": {
                "name": "Bash",
                "description": "Run a command",
                "parameters": {
                    "type": "object",
                    "properties": {"command": {"type": "string"}},
                    "required": ["command"],
                    "additionalProperties": False,
                },
            },
        }
    ]


def test_every_tool_name_is_mapped_back_even_when_unchanged() -> None:
    context = ctx()
    translate_tools([tool("Bash"), tool("Read")], context)
    assert context.tool_names == {"Bash": "Bash", "Read": "Read"}


def test_long_mcp_tool_names_are_shortened_reversibly() -> None:
    context = ctx()
    tools = translate_tools([tool(LONG_MCP_NAME)], context)
    short = tools[0]["function"]["name"]
    assert len(short) <= 64 and short == upstream_tool_name(LONG_MCP_NAME)
    assert context.client_tool_name(short) == LONG_MCP_NAME


def test_deferred_tool_placeholder_is_dropped() -> None:
    assert translate_tools([PLACEHOLDER, tool()], ctx())[0]["function"]["name"] == "Bash"
    assert len(translate_tools([PLACEHOLDER], ctx())) == 0


def test_deferred_tools_loaded_by_tool_search_stay_callable_without_anthropic_fields() -> None:
    loaded = tool(
        "WebSearch",
        defer_loading=True,
        cache_control={"type": "ephemeral"},
        strict=True,
        eager_input_streaming=True,
        input_examples=[{"command": "ls"}],
        allowed_callers=["direct"],
        type="custom",
    )
    [out] = translate_tools([loaded], ctx())
    assert out.keys() == {"type", "function"}
    assert out["function"].keys() == {"name", "description", "parameters"}
    assert out["function"]["name"] == "WebSearch"


def test_schema_dialect_marker_is_removed_from_parameters() -> None:
    assert "$schema" not in translate_tools([tool()], ctx())[0]["function"]["parameters"]


def test_parameters_keep_the_schema_key_order_and_share_nested_values() -> None:
    # The upstream body is serialised as built: key order is part of the bytes sent.
    params = parameters_schema(SCHEMA)
    assert list(params) == ["type", "properties", "required", "additionalProperties"]
    assert params["properties"] is SCHEMA["properties"] and "$schema" in SCHEMA


def test_tool_without_input_schema_gets_an_empty_object_schema() -> None:
    [out] = translate_tools([{"name": "Ping"}], ctx())
    assert out["function"]["parameters"] == {"type": "object", "properties": {}}


def test_schema_without_type_or_properties_is_completed_as_an_object() -> None:
    assert parameters_schema({"required": []}) == {
        "required": [],
        "type": "object",
        "properties": {},
    }
    assert parameters_schema({"type": "array"}) == {"type": "object", "properties": {}}
    assert parameters_schema("nonsense") == {"type": "object", "properties": {}}


def test_tool_type_never_leaks_into_parameters() -> None:
    [out] = translate_tools(
        [{"type": "custom", "name": "T", "input_schema": {"properties": {}}}], ctx()
    )
    assert out["function"]["parameters"]["type"] == "object"


def test_tool_translation_does_not_change_the_inbound_tools() -> None:
    tools = [
        tool(defer_loading=True),
        PLACEHOLDER,
        {"type": "web_search_20250305", "name": "web_search"},
    ]
    before = copy.deepcopy(tools)
    translate_tools(tools, ctx())
    assert tools == before


def test_duplicate_tool_names_are_sent_once() -> None:
    assert function_names(translate_tools([tool("Bash"), tool("Bash")], ctx())) == ["Bash"]


def test_tools_without_a_name_or_not_objects_are_skipped() -> None:
    assert translate_tools([{"description": "x"}, "Bash", None], ctx()) == []
    assert translate_tools("not a list", ctx()) == []


# --- server tools -------------------------------------------------------------------------------


def test_web_search_becomes_openrouter_web_search_with_mapped_parameters() -> None:
    location = {"type": "approximate", "city": "Paris", "country": "FR"}
    web_search = {
        "type": "web_search_20250305",
        "name": "web_search",
        "max_uses": 8,
        "allowed_domains": ["python.org"],
        "blocked_domains": ["spam.test"],
        "user_location": location,
    }
    assert translate_tools([web_search], ctx()) == [
        {
            "type": "openrouter:web_search",
            "parameters": {
                "max_uses": 8,
                "allowed_domains": ["python.org"],
                "excluded_domains": ["spam.test"],
                "user_location": location,
            },
        }
    ]


def test_claude_code_web_search_sub_request_keeps_only_max_uses() -> None:
    web_search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 8}
    assert translate_tools([web_search], ctx()) == [
        {"type": "openrouter:web_search", "parameters": {"max_uses": 8}}
    ]


def test_web_search_is_dropped_for_plain_openai_servers() -> None:
    assert (
        translate_tools([{"type": "web_search_20250305", "name": "web_search"}], ctx("openai"))
        == []
    )


def test_other_server_tools_are_dropped() -> None:
    server = [
        {"type": "web_fetch_20250910", "name": "web_fetch"},
        {"type": "code_execution_20250825", "name": "code_execution"},
        {"type": "bash_20250124", "name": "bash"},
        {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
        {"type": "computer_20250124", "name": "computer", "display_width_px": 1024},
        {"type": "memory_20250818", "name": "memory"},
        {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"},
    ]
    assert translate_tools(server, ctx()) == []


# --- tool_choice --------------------------------------------------------------------------------


def test_auto_tool_choice_stays_auto() -> None:
    assert translate_tool_choice({"type": "auto"}, translate_tools([tool()], ctx())) == {
        "tool_choice": "auto"
    }


def test_any_tool_choice_becomes_required() -> None:
    assert translate_tool_choice({"type": "any"}, translate_tools([tool()], ctx())) == {
        "tool_choice": "required"
    }


def test_none_tool_choice_stays_none() -> None:
    assert translate_tool_choice({"type": "none"}, translate_tools([tool()], ctx())) == {
        "tool_choice": "none"
    }


def test_named_tool_choice_uses_the_shortened_function_name() -> None:
    tools = translate_tools([tool(LONG_MCP_NAME)], ctx())
    assert translate_tool_choice({"type": "tool", "name": LONG_MCP_NAME}, tools) == {
        "tool_choice": {"type": "function", "function": {"name": upstream_tool_name(LONG_MCP_NAME)}}
    }


def test_named_tool_choice_for_a_tool_not_offered_falls_back_to_auto() -> None:
    tools = translate_tools([tool("Bash")], ctx())
    assert translate_tool_choice({"type": "tool", "name": "DeferredToolPlaceholder"}, tools) == {
        "tool_choice": "auto"
    }


def test_disable_parallel_tool_use_sets_parallel_tool_calls_false() -> None:
    choice = {"type": "any", "disable_parallel_tool_use": True}
    assert translate_tool_choice(choice, translate_tools([tool()], ctx())) == {
        "tool_choice": "required",
        "parallel_tool_calls": False,
    }


def test_tool_choice_is_not_sent_without_tools() -> None:
    assert translate_tool_choice({"type": "any", "disable_parallel_tool_use": True}, []) == {}
