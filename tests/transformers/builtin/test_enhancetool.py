from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import ToolCall, ToolCalls
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from ccrouter.transformers.builtin.enhancetool import EnhanceToolTransformer
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
    tool_arguments,
    translate,
    translate_body,
    usage_chunk,
)


def fragments(out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        f
        for c in out
        if c["choices"]
        for f in (c["choices"][0].get("delta") or {}).get("tool_calls") or []
    ]


def test_arguments_are_held_and_released_once_repaired() -> None:
    chunks = [
        chunk({"role": "assistant", "tool_calls": [call(0, "call_1", "Bash", "{'command'")]}),
        chunk({"tool_calls": [call(0, None, None, ": 'ls -la', 'timeout': 5,}")]}),
        chunk({}, "tool_calls"),
        usage_chunk(),
    ]
    out = run_chunks(EnhanceToolTransformer(), chunks, ctx())
    parts = fragments(out)
    assert parts[0] == {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "Bash"},
    }
    assert parts[1] == {
        "index": 0,
        "id": "call_1",
        "function": {"arguments": '{"command":"ls -la","timeout":5}'},
    }
    assert len(parts) == 2
    finish = [c for c in out if c["choices"] and c["choices"][0]["finish_reason"]]
    assert finish[0]["choices"][0]["delta"]["tool_calls"] == [
        parts[1]
    ]  # released before the finish
    assert out[-1] == usage_chunk()


def test_each_call_is_released_when_the_next_starts() -> None:
    chunks = [
        chunk({"tool_calls": [call(0, "a", "Read", '{"file_path": "x.py",')]}),
        chunk({"tool_calls": [call(1, "b", "Read", "{file_path: 'y.py'}")]}),
        chunk({}, "tool_calls"),
    ]
    out = run_chunks(EnhanceToolTransformer(), chunks, ctx())
    order = [
        (f.get("id"), f["function"].get("name"), f["function"].get("arguments"))
        for f in fragments(out)
    ]
    assert order == [
        ("a", "Read", None),
        ("a", None, '{"file_path":"x.py"}'),
        ("b", "Read", None),
        ("b", None, '{"file_path":"y.py"}'),
    ]
    message = translate(EnhanceToolTransformer(), chunks, ctx())
    assert [b["input"] for b in message["content"]] == [
        {"file_path": "x.py"},
        {"file_path": "y.py"},
    ]


def test_text_after_a_call_releases_it_first() -> None:
    chunks = [
        chunk({"tool_calls": [call(0, "a", "Bash", '{"command": "ls"')]}),
        chunk({"content": "and then some text"}),
        chunk({}, "stop"),
    ]
    out = run_chunks(EnhanceToolTransformer(), chunks, ctx())
    assert tool_arguments(out) == {0: '{"command":"ls"}'}
    message = translate(EnhanceToolTransformer(), chunks, ctx())
    assert [b["type"] for b in message["content"]] == ["tool_use", "text"]


def test_stream_end_without_finish_releases_the_call() -> None:
    out = run_chunks(
        EnhanceToolTransformer(),
        [chunk({"tool_calls": [call(0, "a", "Write", '{"content": "unterminated')]})],
        ctx(),
    )
    assert tool_arguments(out) == {0: '{"content":"unterminated"}'}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{'a': True, 'b': None}", {"a": True, "b": None}),
        ("not json at all", {}),
        ("", {}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
    ],
)
def test_every_call_ends_with_a_json_object(raw: str, expected: dict[str, Any]) -> None:
    chunks = [chunk({"tool_calls": [call(0, "a", "T", raw)]}), chunk({}, "tool_calls")]
    assert translate(EnhanceToolTransformer(), chunks, ctx())["content"][0]["input"] == expected


def test_non_stream_arguments_are_repaired() -> None:
    calls = [
        {
            "id": "a",
            "type": "function",
            "function": {"name": "Bash", "arguments": "{command: 'ls',}"},
        },
        {
            "id": "b",
            "type": "function",
            "function": {"name": "Read", "arguments": {"file_path": "x"}},
        },
        {"id": "c", "type": "function", "function": {"name": "Glob", "arguments": "???"}},
    ]
    body = completion({"content": None, "tool_calls": calls}, "tool_calls")
    message = translate_body(EnhanceToolTransformer(), body, ctx(stream=False))
    assert [b["input"] for b in message["content"]] == [{"command": "ls"}, {"file_path": "x"}, {}]
    for sent in body["choices"][0]["message"]["tool_calls"]:
        assert isinstance(orjson.loads(sent["function"]["arguments"]), dict)


def test_request_is_untouched() -> None:
    before = request({"tools": []}).body
    assert EnhanceToolTransformer().transform_request(request({"tools": []}), ctx()).body == before


@pytest.mark.parametrize(
    "variant", ["openai", "whole", "same_index", "name_fragments", "id_every_chunk"]
)
async def test_through_the_app_broken_arguments_reach_claude_code_as_json(
    make_app: Any, fake: FakeOpenRouter, variant: Any
) -> None:
    config = provider_config(
        "dashscope",
        use=[["maxtoken", {"max_tokens": 65536}], "enhancetool"],
        models=["qwen3-coder-plus"],
    )
    calls = [
        ToolCall("Bash", '{command: "ls", "timeout": 5,}', id="call_a"),
        ToolCall("Read", "{'file_path': 'a.py'}", id="call_b"),
    ]
    fake.script("qwen3-coder-plus", ToolCalls(calls, variant=variant, chunk_chars=5))
    response = await post(
        make_app(config), messages_body("dashscope,qwen3-coder-plus", stream=True)
    )
    assert response.status_code == 200, response.text
    events = assert_valid_anthropic_stream(response.content)
    inputs: dict[int, str] = {}
    for name, data in events:
        if name == "content_block_delta" and data["delta"]["type"] == "input_json_delta":
            inputs[data["index"]] = inputs.get(data["index"], "") + data["delta"]["partial_json"]
    assert [orjson.loads(v) for v in inputs.values()] == [
        {"command": "ls", "timeout": 5},
        {"file_path": "a.py"},
    ]
