from __future__ import annotations

from typing import Any

import pytest

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.reasoning import ReasoningTransformer
from tests.transformers.kit import (
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


@pytest.mark.parametrize(
    ("body", "enabled", "budget"),
    [
        ({"reasoning": {"max_tokens": 4000}}, True, 4000),
        ({"reasoning": {"effort": "high"}}, True, None),
        ({"reasoning_effort": "medium"}, True, None),
        ({"reasoning": {"enabled": False}}, False, None),
        ({}, False, None),
    ],
)
def test_request_thinking_switches(body: dict[str, Any], enabled: bool, budget: int | None) -> None:
    out = ReasoningTransformer().transform_request(request(body), ctx("qwen3-max")).body
    assert out["enable_thinking"] is enabled
    assert out.get("thinking_budget") == budget
    assert out["thinking"]["type"] == ("enabled" if enabled else "disabled")
    assert "reasoning" not in out and "reasoning_effort" not in out


def test_enable_false_forces_thinking_off() -> None:
    body = {"reasoning": {"max_tokens": 4000}, "thinking_budget": 1}
    out = ReasoningTransformer({"enable": False}).transform_request(request(body), ctx()).body
    assert out["enable_thinking"] is False
    assert "thinking_budget" not in out and "reasoning" not in out


def test_budget_from_the_core_when_the_dialect_lost_it() -> None:
    context = ctx()
    context.extras["thinking_budget"] = 2048
    out = (
        ReasoningTransformer().transform_request(request({"reasoning_effort": "low"}), context).body
    )
    assert out["thinking_budget"] == 2048 and out["thinking"] == {
        "type": "enabled",
        "budget_tokens": 2048,
    }


def test_stream_reasoning_content_becomes_thinking() -> None:
    chunks = [
        chunk({"role": "assistant", "reasoning_content": "Step 1."}),
        chunk({"content": "Answer."}),
        chunk({}, "stop"),
        usage_chunk(),
    ]
    transformer = ReasoningTransformer()
    assert transformer.transform_chunk(chunk({"reasoning_content": "x"}), ctx()) == [
        chunk({"reasoning": "x"})
    ]
    message = translate(transformer, chunks, ctx("qwen3-max"))
    assert [(b["type"], b.get("thinking") or b.get("text")) for b in message["content"]] == [
        ("thinking", "Step 1."),
        ("text", "Answer."),
    ]


def test_non_stream_reasoning_content_becomes_thinking() -> None:
    body = completion({"content": "Answer.", "reasoning_content": "Step 1."})
    message = translate_body(ReasoningTransformer(), body, ctx("qwen3-max", stream=False))
    assert [b["type"] for b in message["content"]] == ["thinking", "text"]


async def test_dashscope_gets_enable_thinking(make_app: Any, fake: FakeOpenRouter) -> None:
    config = provider_config("dashscope", use=["reasoning"], models=["qwen3-max"])
    thinking = {"type": "enabled", "budget_tokens": 8000}
    response = await post(make_app(config), messages_body("dashscope,qwen3-max", thinking=thinking))
    assert response.status_code == 200, response.text
    sent = fake.requests[-1].body
    assert sent is not None
    assert sent["enable_thinking"] is True
    assert "reasoning_effort" not in sent and "reasoning" not in sent
    plain = await post(make_app(config), messages_body("dashscope,qwen3-max"))
    assert plain.status_code == 200
    assert fake.requests[-1].body is not None and fake.requests[-1].body["enable_thinking"] is False
