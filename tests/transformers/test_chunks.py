from __future__ import annotations

import copy
from typing import Any

from ccrouter.transformers.base import Transformer
from ccrouter.transformers.chunks import (
    OpenCall,
    cap_output,
    reasoning_content_to_reasoning,
    request_state,
    strip_cache_control,
)
from tests.transformers.kit import call, ctx

CACHE = {"type": "ephemeral"}


def test_request_state_is_per_request_and_per_instance() -> None:
    a, b = Transformer(), Transformer()
    first, second = ctx(), ctx()
    assert request_state(first, a, list) is request_state(first, a, list)
    assert request_state(first, a, list) is not request_state(first, b, list)
    assert request_state(first, a, list) is not request_state(second, a, list)


def test_strip_cache_control_rebuilds_without_touching_the_input() -> None:
    schema = {"type": "object", "properties": {"cache_control": {"type": "string"}}}
    body: dict[str, Any] = {
        "cache_control": CACHE,
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "s", "cache_control": CACHE}]},
            {"role": "user", "content": "hi", "cache_control": CACHE},
            {"role": "assistant", "content": None, "tool_calls": []},
        ],
        "tools": [
            {
                "type": "function",
                "function": {"name": "t", "parameters": schema},
                "cache_control": CACHE,
            }
        ],
    }
    original = copy.deepcopy(body)
    out = strip_cache_control(body)
    assert body == original
    assert "cache_control" not in out
    assert out["messages"][0]["content"] == [{"type": "text", "text": "s"}]
    assert out["messages"][1] == {"role": "user", "content": "hi"}
    assert out["messages"][2] is body["messages"][2]  # unchanged parts are shared
    assert out["tools"][0] == {"type": "function", "function": {"name": "t", "parameters": schema}}


def test_cap_output_lowers_and_never_adds() -> None:
    body = {"max_tokens": 32000, "max_completion_tokens": 100}
    cap_output(body, 8192)
    assert body == {"max_tokens": 8192, "max_completion_tokens": 100}
    empty: dict[str, int] = {}
    cap_output(empty, 10)
    assert empty == {}


def test_reasoning_content_becomes_reasoning() -> None:
    delta = {"reasoning_content": "hmm"}
    reasoning_content_to_reasoning(delta)
    assert delta == {"reasoning": "hmm"}
    both = {"reasoning": "a", "reasoning_content": "a"}
    reasoning_content_to_reasoning(both)
    assert both == {"reasoning": "a"}


def test_open_call_tells_calls_apart_like_the_core() -> None:
    first = OpenCall.starting(call(0, "a", "Read"))
    first.add(call(0, "a", "Read", '{"f": 1}'))
    assert first.continues(call(0, None, None, "more"))
    assert not first.continues(call(1, "b", "Read"))
    assert not first.continues(call(0, "b", "Read"))  # same index, new id
    idless = OpenCall.starting(call(None))
    idless.add(call(None, None, "Read", '{"f": 1}'))
    assert not idless.continues(call(None, None, "Read", "{"))  # complete args, then a name
    assert idless.fragment('{"x":1}') == {"function": {"arguments": '{"x":1}'}}
