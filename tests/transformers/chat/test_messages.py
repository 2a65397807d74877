from __future__ import annotations

import copy
from typing import Any

import pytest

from ccrouter.errors import InvalidRequestError
from ccrouter.transformers.chat.messages import (
    INTERRUPTED,
    system_message,
    translate_messages,
)
from ccrouter.transformers.chat.reasoning_codec import pack
from ccrouter.transformers.chat.tool_names import client_tool_id, upstream_tool_name
from ccrouter.transformers.context import Dialect, TranslationContext

EPHEMERAL = {"type": "ephemeral"}
CLAUDE = "anthropic/claude-sonnet-4.5"
DEEPSEEK = "deepseek/deepseek-chat"
BILLING = "x-anthropic-billing-header: cc_version=2.1.329.0a8; cc_entrypoint=sdk-cli;"


def ctx(model: str = DEEPSEEK, dialect: Dialect = "openrouter") -> TranslationContext:
    return TranslationContext(
        requested_model="claude-opus-5-5", upstream_model=model, dialect=dialect
    )


def user(*content: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(content)}


def assistant(*content: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": list(content)}


def text(value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": value, **extra}


def call(id_: str, name: str = "Bash", **input_: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": id_, "name": name, "input": input_}


def result(id_: str, content: Any = "ok", **extra: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": id_, "content": content, **extra}


def image(data: str = "AAAA") -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}


def roles(messages: list[dict[str, Any]]) -> list[str]:
    return [m["role"] for m in messages]


# --- system prompt ------------------------------------------------------------------------------


def test_string_system_prompt_becomes_one_system_message() -> None:
    assert system_message("Be brief.", ctx()) == {"role": "system", "content": "Be brief."}


def test_system_blocks_are_joined_with_blank_lines() -> None:
    system = [text("one"), text("two")]
    assert system_message(system, ctx()) == {"role": "system", "content": "one\n\ntwo"}


def test_billing_header_block_is_stripped() -> None:
    system = [text(BILLING), text("You are Claude Code.", cache_control=EPHEMERAL)]
    assert system_message(system, ctx()) == {"role": "system", "content": "You are Claude Code."}


def test_billing_header_is_kept_when_stripping_is_off() -> None:
    context = ctx()
    context.strip_billing_header = False
    message = system_message([text(BILLING), text("Hi")], context)
    assert message is not None and message["content"] == f"{BILLING}\n\nHi"


def test_system_parts_keep_cache_control_for_claude() -> None:
    system = [
        text(BILLING),
        text("id", cache_control=EPHEMERAL),
        text("prompt", cache_control=EPHEMERAL),
    ]
    assert system_message(system, ctx(CLAUDE)) == {
        "role": "system",
        "content": [
            {"type": "text", "text": "id", "cache_control": EPHEMERAL},
            {"type": "text", "text": "prompt", "cache_control": EPHEMERAL},
        ],
    }


def test_empty_system_prompt_is_omitted() -> None:
    assert system_message([text(BILLING)], ctx()) is None
    assert system_message("", ctx()) is None
    assert system_message(None, ctx()) is None


# --- role: system inside messages ---------------------------------------------------------------


def test_system_role_message_becomes_a_system_reminder_user_message() -> None:
    out = translate_messages(
        [user(text("hi")), {"role": "system", "content": "# Environment", "output_config": {}}],
        ctx(),
    )
    assert out[1] == {
        "role": "user",
        "content": "<system-reminder>\n# Environment\n</system-reminder>",
    }


def test_system_role_message_keeps_its_breakpoint_for_claude() -> None:
    entry = {"role": "system", "content": [text("# Env", cache_control=EPHEMERAL)]}
    out = translate_messages([user(text("hi")), entry], ctx(CLAUDE))
    assert out[1]["content"] == [
        {
            "type": "text",
            "text": "<system-reminder>\n# Env\n</system-reminder>",
            "cache_control": EPHEMERAL,
        }
    ]


def test_system_message_between_a_tool_call_and_its_result_moves_after_the_tool_message() -> None:
    out = translate_messages(
        [
            user(text("run it")),
            assistant(call("toolu_1")),
            {"role": "system", "content": "note"},
            user(result("toolu_1"), text("and then?")),
        ],
        ctx(),
    )
    assert roles(out) == ["user", "assistant", "tool", "user", "user"]
    assert out[3]["content"] == "<system-reminder>\nnote\n</system-reminder>"
    assert out[4]["content"] == "and then?"


def test_deferred_system_message_is_emitted_after_interrupted_calls_at_the_end() -> None:
    out = translate_messages(
        [user(text("go")), assistant(call("toolu_1")), {"role": "system", "content": "note"}], ctx()
    )
    assert roles(out) == ["user", "assistant", "tool", "user"]


# --- user messages ------------------------------------------------------------------------------


def test_plain_string_user_content_stays_a_string() -> None:
    assert translate_messages([{"role": "user", "content": "hello"}], ctx()) == [
        {"role": "user", "content": "hello"}
    ]


def test_user_text_blocks_join_into_a_string() -> None:
    out = translate_messages([user(text("a"), text(""), text("b"))], ctx())
    assert out == [{"role": "user", "content": "a\nb"}]


def test_user_message_with_an_image_uses_a_parts_list() -> None:
    out = translate_messages([user(text("look"), image())], ctx())
    assert out[0]["content"] == [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]


def test_user_message_with_only_blank_content_is_dropped() -> None:
    assert translate_messages([user(text("  ")), {"role": "user", "content": ""}], ctx()) == []


def test_unknown_message_fields_are_not_copied() -> None:
    out = translate_messages(
        [{"role": "user", "content": "hi", "id": "x", "cache_control": {}}], ctx()
    )
    assert out == [{"role": "user", "content": "hi"}]


def test_message_that_is_not_an_object_is_rejected_with_its_path() -> None:
    with pytest.raises(InvalidRequestError, match=r"messages\[1\]"):
        translate_messages([user(text("hi")), "oops"], ctx())


def test_unknown_roles_keep_their_content_as_user_messages() -> None:
    assert translate_messages([{"role": "human", "content": "hi"}], ctx()) == [
        {"role": "user", "content": "hi"}
    ]


# --- assistant messages -------------------------------------------------------------------------


def test_assistant_text_blocks_are_joined_and_empty_ones_dropped() -> None:
    out = translate_messages([user(text("q")), assistant(text("a"), text(""), text("b"))], ctx())
    assert out[1] == {"role": "assistant", "content": "a\nb"}


def test_tool_use_becomes_a_function_tool_call_with_compact_arguments() -> None:
    out = translate_messages(
        [
            user(text("q")),
            assistant(call("toolu_1", "Bash", command="ls -a")),
            user(result("toolu_1")),
        ],
        ctx(),
    )
    assert out[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "toolu_1",
                "type": "function",
                "function": {"name": "Bash", "arguments": '{"command":"ls -a"}'},
            }
        ],
    }


def test_empty_tool_input_becomes_an_empty_json_object() -> None:
    out = translate_messages(
        [user(text("q")), assistant(call("toolu_1")), user(result("toolu_1"))], ctx()
    )
    assert out[1]["tool_calls"][0]["function"]["arguments"] == "{}"


@pytest.mark.parametrize(
    ("tool_input", "arguments"),
    [
        ({"n": 2**70}, '{"n":1180591620717411303424}'),
        ('{"a":1}', '{"a":1}'),
        ("not json", "{}"),
        ([1, 2], "{}"),
        (None, "{}"),
    ],
)
def test_tool_arguments_are_always_a_json_object(tool_input: Any, arguments: str) -> None:
    block = {"type": "tool_use", "id": "toolu_1", "name": "T", "input": tool_input}
    out = translate_messages([user(text("q")), assistant(block), user(result("toolu_1"))], ctx())
    assert out[1]["tool_calls"][0]["function"]["arguments"] == arguments


def test_assistant_text_and_tool_calls_share_one_message() -> None:
    out = translate_messages(
        [user(text("q")), assistant(text("Running."), call("toolu_1")), user(result("toolu_1"))],
        ctx(),
    )
    assert out[1]["content"] == "Running."
    assert len(out[1]["tool_calls"]) == 1


def test_empty_assistant_message_is_dropped() -> None:
    out = translate_messages([user(text("q")), assistant(text(" ")), user(text("again"))], ctx())
    assert roles(out) == ["user", "user"]


def test_server_tool_blocks_are_dropped_from_assistant_history() -> None:
    out = translate_messages(
        [
            user(text("news?")),
            assistant(
                {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
                {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
                text("Here is the news."),
            ),
        ],
        ctx(),
    )
    assert out[1] == {"role": "assistant", "content": "Here is the news."}


def test_trailing_assistant_prefill_stays_last() -> None:
    out = translate_messages([user(text("Write JSON")), assistant(text("{"))], ctx())
    assert out[-1] == {"role": "assistant", "content": "{"}


def test_history_tool_names_are_shortened_like_the_tools_list() -> None:
    name = "mcp__a_very_long_server_name_for_testing__and_an_even_longer_tool_name_here"
    out = translate_messages(
        [user(text("q")), assistant(call("toolu_1", name)), user(result("toolu_1"))], ctx()
    )
    assert out[1]["tool_calls"][0]["function"]["name"] == upstream_tool_name(name)


def test_wrapped_tool_ids_go_back_upstream_in_their_original_form() -> None:
    wrapped = client_tool_id("functions.Bash:0")
    out = translate_messages(
        [user(text("q")), assistant(call(wrapped)), user(result(wrapped))], ctx()
    )
    assert out[1]["tool_calls"][0]["id"] == "functions.Bash:0"
    assert out[2] == {"role": "tool", "tool_call_id": "functions.Bash:0", "content": "ok"}


def test_assistant_breakpoint_is_kept_on_its_text_for_claude() -> None:
    out = translate_messages(
        [user(text("q")), assistant(text("done", cache_control=EPHEMERAL))], ctx(CLAUDE)
    )
    assert out[1]["content"] == [{"type": "text", "text": "done", "cache_control": EPHEMERAL}]


def test_assistant_breakpoint_on_any_block_marks_the_joined_text_for_claude_only() -> None:
    # Blocks are scanned once; the last non-empty breakpoint on a text, call or thinking wins.
    first = {"type": "ephemeral", "ttl": "1h"}
    turn = assistant(text("a", cache_control=first), text("b", cache_control={}), call("toolu_1"))
    turn["content"][2]["cache_control"] = EPHEMERAL
    history = [user(text("q")), turn, user(result("toolu_1"))]
    out = translate_messages(history, ctx(CLAUDE))
    assert out[1]["content"] == [{"type": "text", "text": "a\nb", "cache_control": EPHEMERAL}]
    assert translate_messages(history, ctx())[1]["content"] == "a\nb"
    del turn["content"][2]["cache_control"]
    out = translate_messages(history, ctx(CLAUDE))
    assert out[1]["content"] == [{"type": "text", "text": "a\nb", "cache_control": first}]


def test_plain_string_assistant_content_stays_a_string_and_blank_is_dropped() -> None:
    out = translate_messages(
        [
            user(text("q")),
            {"role": "assistant", "content": "done"},
            user(text("more")),
            {"role": "assistant", "content": " \n"},
        ],
        ctx(CLAUDE),
    )
    assert out == [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "done"},
        {"role": "user", "content": "more"},
    ]


# --- tool results -------------------------------------------------------------------------------


def test_tool_results_follow_their_call_before_user_text() -> None:
    out = translate_messages(
        [
            user(text("q")),
            assistant(call("toolu_1"), call("toolu_2")),
            user(text("also this"), result("toolu_2", "two"), result("toolu_1", "one")),
        ],
        ctx(),
    )
    assert out[2:] == [
        {"role": "tool", "tool_call_id": "toolu_1", "content": "one"},
        {"role": "tool", "tool_call_id": "toolu_2", "content": "two"},
        {"role": "user", "content": "also this"},
    ]


def test_error_tool_result_is_prefixed_in_the_tool_message() -> None:
    out = translate_messages(
        [
            user(text("q")),
            assistant(call("toolu_1")),
            user(result("toolu_1", "nope", is_error=True)),
        ],
        ctx(),
    )
    assert out[2]["content"] == "Error: nope"


def test_images_inside_tool_results_move_to_a_following_user_message() -> None:
    out = translate_messages(
        [user(text("q")), assistant(call("toolu_1", "Read")), user(result("toolu_1", [image()]))],
        ctx(),
    )
    assert out[2] == {
        "role": "tool",
        "tool_call_id": "toolu_1",
        "content": "(image attached below)",
    }
    assert out[3] == {
        "role": "user",
        "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}],
    }


def test_tool_result_media_come_before_the_rest_of_the_user_turn() -> None:
    out = translate_messages(
        [
            user(text("q")),
            assistant(call("toolu_1")),
            user(result("toolu_1", [image()]), text("what is it?")),
        ],
        ctx(),
    )
    assert out[3]["content"][0]["type"] == "image_url"
    assert out[3]["content"][1] == {"type": "text", "text": "what is it?"}


def test_tool_result_breakpoint_is_kept_as_a_marked_text_part_for_claude() -> None:
    out = translate_messages(
        [
            user(text("q")),
            assistant(call("toolu_1")),
            user(result("toolu_1", "hi", cache_control=EPHEMERAL)),
        ],
        ctx(CLAUDE),
    )
    assert out[2]["content"] == [{"type": "text", "text": "hi", "cache_control": EPHEMERAL}]


def test_interrupted_tool_call_gets_a_synthetic_result() -> None:
    out = translate_messages(
        [
            user(text("q")),
            assistant(call("toolu_1"), call("toolu_2")),
            user(result("toolu_1")),
        ],
        ctx(),
    )
    assert out[2:] == [
        {"role": "tool", "tool_call_id": "toolu_1", "content": "ok"},
        {"role": "tool", "tool_call_id": "toolu_2", "content": INTERRUPTED},
    ]


def test_tool_call_followed_by_plain_user_text_is_closed_before_it() -> None:
    out = translate_messages(
        [user(text("q")), assistant(call("toolu_1")), user(text("stop"))], ctx()
    )
    assert out[2] == {"role": "tool", "tool_call_id": "toolu_1", "content": INTERRUPTED}
    assert out[3] == {"role": "user", "content": "stop"}


def test_trailing_tool_call_without_results_is_closed() -> None:
    out = translate_messages([user(text("q")), assistant(call("toolu_1"))], ctx())
    assert out[-1] == {"role": "tool", "tool_call_id": "toolu_1", "content": INTERRUPTED}


def test_orphan_tool_result_becomes_user_text() -> None:
    out = translate_messages(
        [user(text("q")), assistant(text("hi")), user(result("toolu_9", "late"))], ctx()
    )
    assert out[2] == {"role": "user", "content": "[Result of tool call toolu_9]: late"}


def test_second_result_for_the_same_call_becomes_user_text() -> None:
    out = translate_messages(
        [
            user(text("q")),
            assistant(call("toolu_1")),
            user(result("toolu_1", "a"), result("toolu_1", "b")),
        ],
        ctx(),
    )
    assert roles(out) == ["user", "assistant", "tool", "user"]
    assert out[3]["content"] == "[Result of tool call toolu_1]: b"


def test_results_answer_their_calls_in_call_order_whatever_order_they_come_in() -> None:
    out = translate_messages(
        [
            user(text("q")),
            assistant(call("toolu_1"), call("toolu_2"), call("toolu_1"), call("toolu_3")),
            user(result("toolu_1", "a"), result("toolu_2", "b"), result("toolu_1", "c")),
            {"role": "user", "content": "next"},
        ],
        ctx(),
    )
    assert out[2:] == [
        {"role": "tool", "tool_call_id": "toolu_1", "content": "a"},
        {"role": "tool", "tool_call_id": "toolu_2", "content": "b"},
        {"role": "tool", "tool_call_id": "toolu_1_2", "content": "c"},
        {"role": "tool", "tool_call_id": "toolu_3", "content": INTERRUPTED},
        {"role": "user", "content": "next"},
    ]


def test_string_user_turn_after_calls_closes_them_as_interrupted() -> None:
    out = translate_messages(
        [user(text("q")), assistant(call("toolu_1")), {"role": "user", "content": "stop"}], ctx()
    )
    assert out[2:] == [
        {"role": "tool", "tool_call_id": "toolu_1", "content": INTERRUPTED},
        {"role": "user", "content": "stop"},
    ]


def test_duplicate_tool_call_ids_in_one_message_are_made_unique() -> None:
    out = translate_messages(
        [
            user(text("q")),
            assistant(call("toolu_1"), call("toolu_1")),
            user(result("toolu_1", "a"), result("toolu_1", "b")),
        ],
        ctx(),
    )
    ids = [c["id"] for c in out[1]["tool_calls"]]
    assert ids == ["toolu_1", "toolu_1_2"]
    assert out[2:] == [
        {"role": "tool", "tool_call_id": "toolu_1", "content": "a"},
        {"role": "tool", "tool_call_id": "toolu_1_2", "content": "b"},
    ]


def test_tool_use_without_an_id_still_gets_one_and_a_result() -> None:
    out = translate_messages(
        [user(text("q")), assistant({"type": "tool_use", "name": "Bash", "input": {}})], ctx()
    )
    assert out[1]["tool_calls"][0]["id"]
    assert out[2]["content"] == INTERRUPTED


# --- thinking in history ------------------------------------------------------------------------


def test_thinking_is_never_replayed_as_text() -> None:
    thinking = {"type": "thinking", "thinking": "secret plan", "signature": "sig"}
    out = translate_messages([user(text("q")), assistant(thinking, text("answer"))], ctx())
    assert out[1] == {"role": "assistant", "content": "answer"}


def test_assistant_with_only_replayable_thinking_is_kept() -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    out = translate_messages(
        [user(text("q")), assistant(thinking), user(text("go on"))], ctx(CLAUDE)
    )
    assert out[1]["content"] is None
    assert out[1]["reasoning_details"][0]["signature"] == "sig"


def test_thinking_only_turn_has_empty_string_content_for_plain_openai_servers() -> None:
    packed = {"type": "thinking", "thinking": "hmm", "signature": pack([], "deepseek")}
    out = translate_messages(
        [user(text("q")), assistant(packed), user(text("go on"))], ctx("deepseek-chat", "openai")
    )
    assert out[1] == {"role": "assistant", "content": "", "reasoning_content": "hmm"}


def test_single_block_content_not_wrapped_in_a_list_is_accepted() -> None:
    out = translate_messages([{"role": "user", "content": text("hi")}], ctx())
    assert out == [{"role": "user", "content": "hi"}]


# --- purity -------------------------------------------------------------------------------------


def test_translation_does_not_change_the_inbound_messages() -> None:
    messages = [
        user(text("q", cache_control=EPHEMERAL)),
        {"role": "system", "content": [text("env", cache_control=EPHEMERAL)]},
        assistant(
            {"type": "thinking", "thinking": "t", "signature": "s"}, call("toolu_1", command="ls")
        ),
        user(result("toolu_1", [image(), text("x")], cache_control=EPHEMERAL, is_error=True)),
    ]
    before = copy.deepcopy(messages)
    translate_messages(messages, ctx(CLAUDE))
    translate_messages(messages, ctx("google/gemini-2.5-pro"))
    assert messages == before
