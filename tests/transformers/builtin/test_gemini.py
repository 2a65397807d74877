from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ccrouter.app import create_app
from ccrouter.config.model import provider_url
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import ToolCall, ToolCalls
from ccrouter.transformers.builtin.gemini import GeminiTransformer, openai_compatible_url
from tests.recording.driver import Recordings
from tests.transformers.kit import (
    GEMINI_KEYWORDS,
    AnyPathTransport,
    call,
    chunk,
    completion,
    ctx,
    keywords,
    post,
    provider_config,
    request,
    translate,
    translate_body,
    usage_chunk,
)

COMPAT = "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
CCR_BASE = "https://generativelanguage.googleapis.com/v1beta/models/"
CACHE = {"type": "ephemeral"}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (provider_url(CCR_BASE, "openai"), COMPAT),  # what a CCR config turns into
        (COMPAT, COMPAT),
        ("https://generativelanguage.googleapis.com/v1beta/openai/", COMPAT),
        (
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent",
            COMPAT,
        ),
        ("https://generativelanguage.googleapis.com/v1/models/chat/completions", COMPAT),
        (
            "https://gw.example/google/v1beta/models/",
            "https://gw.example/google/v1beta/openai/chat/completions",
        ),
        (
            "https://gw.example/gemini/chat/completions",
            "https://gw.example/gemini/chat/completions",
        ),
        ("https://gw.example/gemini", "https://gw.example/gemini/chat/completions"),
    ],
)
def test_url_becomes_the_openai_compatible_endpoint(given: str, expected: str) -> None:
    assert openai_compatible_url(given) == expected


def test_request_is_rewritten_for_google() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": False,
        "properties": {"url": {"type": "string", "format": "uri", "default": "x"}},
        "required": ["url"],
    }
    assistant = {
        "role": "assistant",
        "content": "ok",
        "reasoning_details": [
            {"type": "reasoning.encrypted", "data": "sig", "format": "google-gemini-v1"}
        ],
    }
    body = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": CACHE}]},
            assistant,
        ],
        "tools": [{"type": "function", "function": {"name": "Fetch", "parameters": schema}}],
    }
    req = request(body, provider_url(CCR_BASE, "openai"))
    req.headers = {"x-goog-api-key": "g-key", "content-type": "application/json"}
    out = GeminiTransformer().transform_request(req, ctx("gemini-2.5-pro"))
    assert out.url == COMPAT
    assert out.headers["authorization"] == "Bearer g-key"
    assert "x-goog-api-key" not in out.headers
    assert out.body["tools"][0]["function"]["parameters"] == {
        "type": "object",
        "properties": {"url": {"type": "string"}},
        "required": ["url"],
    }
    assert out.body["messages"][0]["content"] == [{"type": "text", "text": "hi"}]
    assert out.body["messages"][1] == assistant  # reasoning replay as the core built it
    assert "$schema" in schema  # the client's schema is not edited


def test_stream_tool_calls_without_index_get_one() -> None:
    chunks = [
        chunk({"role": "assistant", "tool_calls": [call(None, "c1", "Read", '{"file_path":"a"}')]}),
        chunk({"tool_calls": [call(None, "c2", "Read", '{"file_path":"b"}')]}),
        chunk({}, "tool_calls"),
        usage_chunk(),
    ]
    transformer, context = GeminiTransformer(), ctx("gemini-2.5-pro")
    indexes = [transformer.transform_chunk(dict(c), context)[0] for c in chunks[:2]]
    assert [c["choices"][0]["delta"]["tool_calls"][0]["index"] for c in indexes] == [0, 1]
    message = translate(GeminiTransformer(), chunks, ctx("gemini-2.5-pro"))
    assert [b["input"] for b in message["content"]] == [{"file_path": "a"}, {"file_path": "b"}]


def test_non_stream_tool_calls_without_index_get_their_position() -> None:
    calls = [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "Read", "arguments": '{"file_path":"a"}'},
        },
        {
            "id": "c2",
            "type": "function",
            "function": {"name": "Read", "arguments": '{"file_path":"b"}'},
        },
    ]
    body = completion({"content": None, "tool_calls": calls}, "tool_calls")
    message = translate_body(GeminiTransformer(), body, ctx("gemini-2.5-pro", stream=False))
    assert [c["index"] for c in body["choices"][0]["message"]["tool_calls"]] == [0, 1]
    assert [b["type"] for b in message["content"]] == ["tool_use", "tool_use"]


async def test_claude_code_request_reaches_google_cleaned(
    write_config: Callable[..., Path], fake: FakeOpenRouter, claude_code: Recordings
) -> None:
    recording = claude_code.request("c_tool_bash/002")
    body: dict[str, Any] = {**recording["body"], "model": "gemini,gemini-2.5-pro", "stream": True}
    fake.script("gemini-2.5-pro", ToolCalls([ToolCall("Bash", {"command": "ls"})]))
    config = provider_config("gemini", CCR_BASE, ["gemini"], ["gemini-2.5-pro"])
    transport = AnyPathTransport(fake)
    app = create_app(
        write_config(config), client=httpx.AsyncClient(transport=transport), watch=False
    )
    response = await post(app, body)
    assert response.status_code == 200, response.text
    assert b'"name":"Bash"' in response.content
    assert transport.urls[-1] == COMPAT
    sent = fake.requests[-1]
    assert sent.headers["authorization"] == "Bearer sk-test-gemini"
    assert b"cache_control" not in sent.raw
    assert sent.body is not None
    tools = sent.body["tools"]
    assert len(tools) > 5
    for tool in tools:
        assert keywords(tool["function"]["parameters"]) <= GEMINI_KEYWORDS
    assert orjson.loads(sent.raw)["model"] == "gemini-2.5-pro"
