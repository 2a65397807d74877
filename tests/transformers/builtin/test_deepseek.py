from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from ccrouter.app import create_app
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.deepseek import DeepSeekTransformer
from tests.transformers.kit import (
    call,
    chunk,
    completion,
    ctx,
    messages_body,
    post,
    provider_config,
    request,
    translate,
    translate_body,
    usage_chunk,
)

DEEPSEEK_URL = "https://api.deepseek.com/chat/completions"


def test_caps_max_tokens_and_drops_reasoning_knobs() -> None:
    body = {"max_tokens": 32000, "reasoning_effort": "high", "reasoning": {"effort": "high"}}
    out = DeepSeekTransformer().transform_request(request(body), ctx("deepseek-reasoner"))
    assert out.body["max_tokens"] == 8192
    assert "reasoning" not in out.body and "reasoning_effort" not in out.body
    small = DeepSeekTransformer().transform_request(request({"max_tokens": 100}), ctx())
    assert small.body["max_tokens"] == 100
    assert "max_tokens" not in DeepSeekTransformer().transform_request(request(), ctx()).body


def test_option_sets_another_cap() -> None:
    out = DeepSeekTransformer({"max_tokens": 4000}).transform_request(
        request({"max_tokens": 32000}), ctx()
    )
    assert out.body["max_tokens"] == 4000


def test_reasoning_replay_is_sent_as_reasoning_content() -> None:
    kept = {"role": "assistant", "content": "a", "reasoning_content": "thought a"}
    details = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "Bash", "arguments": "{}"}}
        ],
        "reasoning_details": [
            {"type": "reasoning.text", "text": "thought b", "format": "unknown", "index": 0}
        ],
    }
    body = {"messages": [{"role": "user", "content": "q"}, kept, details]}
    out = DeepSeekTransformer().transform_request(request(body), ctx())
    messages = out.body["messages"]
    assert messages[1] == kept
    assert messages[2]["reasoning_content"] == "thought b"
    assert "reasoning_details" not in messages[2]
    assert messages[2]["tool_calls"] == details["tool_calls"]
    assert "reasoning_content" not in details  # the core's objects are not edited


def test_chunk_reasoning_content_is_renamed() -> None:
    out = DeepSeekTransformer().transform_chunk(chunk({"reasoning_content": "x"}), ctx())
    assert out == [chunk({"reasoning": "x"})]


def test_stream_reasoning_content_becomes_thinking_and_tools_survive() -> None:
    chunks = [
        chunk({"role": "assistant", "reasoning_content": "Let me "}),
        chunk({"reasoning_content": "look."}),
        chunk({"content": "Running it."}),
        chunk({"tool_calls": [call(0, "call_1", "Bash", '{"command":')]}),
        chunk({"tool_calls": [call(0, None, None, '"ls"}')]}),
        chunk({}, "tool_calls"),
        usage_chunk(),
    ]
    message = translate(DeepSeekTransformer(), chunks, ctx("deepseek-reasoner"))
    kinds = [b["type"] for b in message["content"]]
    assert kinds == ["thinking", "text", "tool_use"]
    assert message["content"][0]["thinking"] == "Let me look."
    assert message["content"][2]["input"] == {"command": "ls"}
    assert message["stop_reason"] == "tool_use"


def test_non_stream_reasoning_content_becomes_thinking() -> None:
    body = completion({"content": "42", "reasoning_content": "6 times 7"})
    message = translate_body(DeepSeekTransformer(), body, ctx("deepseek-reasoner", stream=False))
    assert body["choices"][0]["message"]["reasoning"] == "6 times 7"
    assert [b["type"] for b in message["content"]] == ["thinking", "text"]
    assert message["content"][0]["thinking"] == "6 times 7"


async def test_request_reaches_deepseek_in_its_shape(make_app: Any, fake: FakeOpenRouter) -> None:
    config = provider_config("deepseek", DEEPSEEK_URL, ["deepseek"], ["deepseek-reasoner"])
    body = messages_body(
        "deepseek,deepseek-reasoner", thinking={"type": "enabled", "budget_tokens": 4000}
    )
    response = await post(make_app(config), body)
    assert response.status_code == 200, response.text
    sent = fake.requests[-1]
    assert sent.path == "/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test-deepseek"
    assert sent.body is not None
    assert sent.body["max_tokens"] == 8192
    assert not {"reasoning", "reasoning_effort"} & set(sent.body)


async def test_deepseek_stream_shows_thinking_through_the_app(
    write_config: Callable[..., Path],
) -> None:
    sse = (
        b"".join(
            b"data: " + orjson.dumps(piece) + b"\n\n"
            for piece in [
                chunk({"role": "assistant", "reasoning_content": "pondering"}),
                chunk({"content": "done"}),
                chunk({}, "stop"),
                usage_chunk(),
            ]
        )
        + b"data: [DONE]\n\n"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=sse, headers={"content-type": "text/event-stream"})

    config = provider_config("deepseek", DEEPSEEK_URL, ["deepseek"], ["deepseek-reasoner"])
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    app = create_app(write_config(config), client=client, watch=False)
    response = await post(app, messages_body("deepseek,deepseek-reasoner", stream=True))
    assert response.status_code == 200
    assert b'"type":"thinking"' in response.content
    assert b'"thinking":"pondering"' in response.content
