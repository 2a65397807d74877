from __future__ import annotations

from typing import Any

import orjson

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.groq import GroqTransformer
from tests.transformers.kit import (
    any_path_app,
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

CACHE = {"type": "ephemeral"}


def test_request_loses_what_groq_rejects() -> None:
    schema = {
        "$schema": "s",
        "type": "object",
        "properties": {"a": {"$schema": "s", "type": "string"}},
    }
    body = {
        "top_k": 40,
        "temperature": 0.5,
        "reasoning": {"effort": "high"},
        "reasoning_effort": "high",
        "cache_control": CACHE,
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "s", "cache_control": CACHE}]},
            {
                "role": "assistant",
                "content": "a",
                "reasoning_content": "r",
                "reasoning_details": [],
            },
        ],
        "tools": [{"type": "function", "function": {"name": "t", "parameters": schema}}],
    }
    out = GroqTransformer().transform_request(request(body), ctx())
    dumped = orjson.dumps(out.body)
    for gone in (b"top_k", b"reasoning", b"cache_control", b"$schema"):
        assert gone not in dumped
    assert out.body["temperature"] == 0.5
    assert out.body["tools"][0]["function"]["parameters"] == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
    }
    assert "$schema" in schema


def test_stream_regenerates_missing_and_duplicate_ids() -> None:
    chunks = [
        chunk({"tool_calls": [call(0, "call_same", "Read", '{"file_path":"a"}')]}),
        chunk({"tool_calls": [call(1, "call_same", "Read", '{"file_path":"b"}')]}),
        chunk({"tool_calls": [call(2, None, "Read", '{"file_path":')]}),
        chunk({"tool_calls": [call(2, None, None, '"c"}')]}),
        chunk({}, "tool_calls"),
        usage_chunk(),
    ]
    out = run_chunks(GroqTransformer(), chunks, ctx())
    ids = [c["choices"][0]["delta"]["tool_calls"][0]["id"] for c in out[:4]]
    assert ids[0] == "call_same"
    assert ids[1] != "call_same" and ids[1].startswith("call_")
    assert ids[2] == ids[3] and ids[2].startswith("call_")  # one fresh id for the whole call
    assert len({ids[0], ids[1], ids[2]}) == 3
    message = translate(GroqTransformer(), chunks, ctx())
    assert [b["input"]["file_path"] for b in message["content"]] == ["a", "b", "c"]


def test_non_stream_ids_are_unique() -> None:
    calls = [
        {
            "id": "dup",
            "type": "function",
            "function": {"name": "Read", "arguments": '{"file_path":"a"}'},
        },
        {
            "id": "dup",
            "type": "function",
            "function": {"name": "Read", "arguments": '{"file_path":"b"}'},
        },
        {"type": "function", "function": {"name": "Read", "arguments": '{"file_path":"c"}'}},
    ]
    body = completion({"content": None, "tool_calls": calls}, "tool_calls")
    message = translate_body(GroqTransformer(), body, ctx(stream=False))
    ids = [b["id"] for b in message["content"]]
    assert ids[0] == "dup" and len(set(ids)) == 3


async def test_request_reaches_groq_without_rejected_fields(
    write_config: Any, fake: FakeOpenRouter
) -> None:
    config = provider_config(
        "groq", "https://api.groq.com/openai/v1/chat/completions", ["groq"], ["qwen/qwen3-32b"]
    )
    tools = [{"name": "Bash", "input_schema": {"$schema": "s", "type": "object", "properties": {}}}]
    body = messages_body(
        "groq,qwen/qwen3-32b",
        tools=tools,
        top_k=5,
        thinking={"type": "enabled", "budget_tokens": 2048},
    )
    app, transport = any_path_app(write_config, fake, config)
    response = await post(app, body)
    assert response.status_code == 200, response.text
    assert transport.urls[-1] == "https://api.groq.com/openai/v1/chat/completions"
    sent = fake.requests[-1]
    for gone in (b"top_k", b"reasoning", b"$schema"):
        assert gone not in sent.raw
