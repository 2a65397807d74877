from __future__ import annotations

from typing import Any

import pytest

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import ToolCall, ToolCalls
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from ccrouter.transformers.builtin.tooluse import EXIT_TOOL, REMINDER, ToolUseTransformer
from tests.transformers.kit import (
    call,
    chunk,
    completion,
    ctx,
    messages_body,
    post,
    provider_config,
    request,
    run_chunks,
    translate,
    translate_body,
    usage_chunk,
)

BASH = {
    "type": "function",
    "function": {"name": "Bash", "parameters": {"type": "object", "properties": {}}},
}
BASH_TOOL = {
    "name": "Bash",
    "description": "run",
    "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}},
}


def test_tool_mode_is_switched_on_when_tools_are_offered() -> None:
    out = (
        ToolUseTransformer()
        .transform_request(request({"tools": [BASH], "tool_choice": "auto"}), ctx())
        .body
    )
    assert [t["function"]["name"] for t in out["tools"]] == [EXIT_TOOL, "Bash"]
    assert out["tools"][0]["function"]["parameters"]["required"] == ["response"]
    assert out["tool_choice"] == "required"
    assert out["messages"][-1] == {"role": "system", "content": REMINDER}


def test_running_twice_adds_nothing_more() -> None:
    transformer = ToolUseTransformer()
    once = transformer.transform_request(request({"tools": [BASH]}), ctx())
    twice = transformer.transform_request(once, ctx()).body
    assert [t["function"]["name"] for t in twice["tools"]] == [EXIT_TOOL, "Bash"]
    assert sum(m.get("content") == REMINDER for m in twice["messages"]) == 1


@pytest.mark.parametrize("extra", [{}, {"tools": []}, {"tools": [BASH], "tool_choice": "none"}])
def test_requests_without_tools_are_left_alone(extra: dict[str, Any]) -> None:
    before = request(extra).body
    out = ToolUseTransformer().transform_request(request(extra), ctx()).body
    assert out == before


def test_a_forced_function_choice_is_kept() -> None:
    forced = {"type": "function", "function": {"name": "Bash"}}
    out = (
        ToolUseTransformer()
        .transform_request(request({"tools": [BASH], "tool_choice": forced}), ctx())
        .body
    )
    assert out["tool_choice"] == forced


def exit_chunks(*pieces: str, call_id: str = "call_exit", index: int = 0) -> list[dict[str, Any]]:
    first, *rest = pieces
    out = [chunk({"tool_calls": [call(index, call_id, EXIT_TOOL, first)]})]
    return out + [chunk({"tool_calls": [call(index, None, None, piece)]}) for piece in rest]


def test_stream_exit_tool_alone_becomes_text_and_stop() -> None:
    chunks = [
        chunk({"role": "assistant", "content": ""}),
        *exit_chunks('{"respo', 'nse": "Hello ', 'there."}'),
        chunk({}, "tool_calls"),
        usage_chunk(),
    ]
    out = run_chunks(ToolUseTransformer(), chunks, ctx())
    assert not any((c["choices"][0]["delta"] or {}).get("tool_calls") for c in out if c["choices"])
    assert [
        c["choices"][0]["finish_reason"]
        for c in out
        if c["choices"] and c["choices"][0]["finish_reason"]
    ] == ["stop"]
    message = translate(ToolUseTransformer(), chunks, ctx())
    assert message == {
        "content": [{"type": "text", "text": "Hello there."}],
        "stop_reason": "end_turn",
    }


def test_stream_exit_tool_next_to_a_real_call() -> None:
    chunks = [
        chunk({"tool_calls": [call(0, "call_bash", "Bash", '{"command": "ls"}')]}),
        *exit_chunks('{"response": "Listing."}', call_id="call_exit", index=1),
        chunk({}, "tool_calls"),
        usage_chunk(),
    ]
    message = translate(ToolUseTransformer(), chunks, ctx())
    assert [b["type"] for b in message["content"]] == ["tool_use", "text"]
    assert message["content"][0]["input"] == {"command": "ls"}
    assert message["content"][1]["text"] == "Listing."
    assert message["stop_reason"] == "tool_use"


def test_stream_exit_tool_before_a_real_call_in_one_chunk() -> None:
    both = chunk(
        {
            "tool_calls": [
                call(0, "call_exit", EXIT_TOOL, '{"response": "First this."}'),
                call(1, "call_bash", "Bash", '{"command": "pwd"}'),
            ]
        },
        "tool_calls",
    )
    message = translate(ToolUseTransformer(), [both, usage_chunk()], ctx())
    assert [b["type"] for b in message["content"]] == ["text", "tool_use"]
    assert message["content"][0]["text"] == "First this."


def test_stream_name_in_pieces_is_still_recognised() -> None:
    chunks = [
        chunk({"tool_calls": [call(0, "call_x", "Exit")]}),
        chunk({"tool_calls": [call(0, None, "Tool")]}),
        chunk({"tool_calls": [call(0, None, None, '{"response": "ok"}')]}),
        chunk({}, "tool_calls"),
    ]
    assert translate(ToolUseTransformer(), chunks, ctx())["content"] == [
        {"type": "text", "text": "ok"}
    ]


def test_stream_a_tool_whose_name_starts_like_exit_tool_passes() -> None:
    chunks = [
        chunk({"tool_calls": [call(0, "call_x", "Exit", '{"code": 0}')]}),
        chunk({}, "tool_calls"),
    ]
    message = translate(ToolUseTransformer(), chunks, ctx())
    assert [(b["type"], b["name"], b["input"]) for b in message["content"]] == [
        ("tool_use", "Exit", {"code": 0})
    ]
    assert message["stop_reason"] == "tool_use"


def test_stream_cut_before_finish_still_releases_the_text() -> None:
    out = run_chunks(ToolUseTransformer(), exit_chunks('{"response": "partial'), ctx())
    assert out[-1]["choices"][0]["delta"] == {"content": "partial"}


def test_non_stream_exit_tool_becomes_text() -> None:
    calls = [
        {
            "id": "c",
            "type": "function",
            "function": {"name": EXIT_TOOL, "arguments": '{"response": "Hi!"}'},
        }
    ]
    body = completion({"content": None, "tool_calls": calls}, "tool_calls")
    message = translate_body(ToolUseTransformer(), body, ctx(stream=False))
    assert message["content"] == [{"type": "text", "text": "Hi!"}]
    assert message["stop_reason"] == "end_turn"


def test_non_stream_exit_tool_next_to_a_real_call() -> None:
    calls = [
        {
            "id": "b",
            "type": "function",
            "function": {"name": "Bash", "arguments": '{"command": "ls"}'},
        },
        {
            "id": "c",
            "type": "function",
            "function": {"name": EXIT_TOOL, "arguments": '{"response": "Done."}'},
        },
    ]
    body = completion({"content": "Sure.", "tool_calls": calls}, "tool_calls")
    message = translate_body(ToolUseTransformer(), body, ctx(stream=False))
    assert [b["type"] for b in message["content"]] == ["text", "tool_use"]
    assert message["content"][0]["text"] == "Sure.\n\nDone."
    assert message["stop_reason"] == "tool_use"


@pytest.mark.parametrize("variant", ["openai", "whole", "name_fragments", "id_every_chunk"])
async def test_through_the_app_exit_tool_reaches_the_client_as_text(
    make_app: Any, fake: FakeOpenRouter, variant: Any
) -> None:
    config = provider_config(
        "deepseek",
        use=["deepseek"],
        models=["deepseek-chat"],
        model_use={"deepseek-chat": ["tooluse"]},
    )
    fake.script(
        "deepseek-chat",
        ToolCalls([ToolCall(EXIT_TOOL, {"response": "No tool needed: 4."})], variant=variant),
    )
    response = await post(
        make_app(config), messages_body("deepseek,deepseek-chat", stream=True, tools=[BASH_TOOL])
    )
    assert response.status_code == 200, response.text
    events = assert_valid_anthropic_stream(response.content)
    text = "".join(d["delta"].get("text", "") for n, d in events if n == "content_block_delta")
    assert text == "No tool needed: 4."
    assert EXIT_TOOL.encode() not in response.content
    assert b'"stop_reason":"end_turn"' in response.content
    sent = fake.requests[-1].body
    assert sent is not None
    assert sent["tools"][0]["function"]["name"] == EXIT_TOOL and sent["tool_choice"] == "required"


@pytest.mark.parametrize(
    "variant", ["openai", "whole", "same_index", "name_fragments", "id_every_chunk"]
)
async def test_through_the_app_exit_tool_after_a_real_call(
    make_app: Any, fake: FakeOpenRouter, variant: Any
) -> None:
    config = provider_config("p", use=["tooluse"])
    calls = [ToolCall("Bash", {"command": "ls"}), ToolCall(EXIT_TOOL, {"response": "Then I stop."})]
    fake.script("m", ToolCalls(calls, variant=variant))
    response = await post(make_app(config), messages_body("p,m", stream=True, tools=[BASH_TOOL]))
    assert response.status_code == 200, response.text
    events = assert_valid_anthropic_stream(response.content)
    starts = [d["content_block"] for n, d in events if n == "content_block_start"]
    assert [(b["type"], b.get("name")) for b in starts] == [("tool_use", "Bash"), ("text", None)]
    assert b"Then I stop." in response.content
    assert b'"stop_reason":"tool_use"' in response.content
