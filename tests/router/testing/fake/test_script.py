from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccrouter.testing.fake.script import (
    BadJSON,
    Cut,
    HttpError,
    MidStreamError,
    RecordedRequest,
    Refuse,
    Script,
    Spec,
    Text,
    ToolCall,
    ToolCalls,
    Usage,
    spec_from_json,
    spec_to_json,
)


def request(model: str | None = "m", **body: Any) -> RecordedRequest:
    if model is not None:
        body["model"] = model
    return RecordedRequest.from_http(
        "POST", "/api/v1/chat/completions", {"X-Test": "1"}, orjson.dumps(body)
    )


TOOL_TURN = [
    {"role": "user", "content": "list"},
    {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function"}]},
    {"role": "tool", "tool_call_id": "c1", "content": "a.txt"},
]


def test_recorded_request_parses_body_and_lowercases_headers() -> None:
    recorded = request("model-a", stream=True, messages=TOOL_TURN)
    assert recorded.headers == {"x-test": "1"}
    assert recorded.model == "model-a"
    assert recorded.stream is True
    assert recorded.has_tool_result is True
    assert recorded.body is not None and recorded.body["messages"] == TOOL_TURN
    assert recorded.to_json()["path"] == "/api/v1/chat/completions"


def test_recorded_request_sees_anthropic_tool_result_blocks() -> None:
    blocks = [{"type": "tool_result", "tool_use_id": "t", "content": "ok"}]
    assert request(messages=[{"role": "user", "content": blocks}]).has_tool_result
    assert not request(messages=[{"role": "user", "content": "hi"}]).has_tool_result


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]"])
def test_recorded_request_body_is_none_unless_a_json_object(raw: bytes) -> None:
    recorded = RecordedRequest.from_http("GET", "/models", {}, raw)
    assert recorded.body is None
    assert recorded.model is None
    assert not recorded.has_tool_result
    assert recorded.raw == raw


def test_queues_are_fifo_per_model_then_any_model_then_default() -> None:
    script = Script()
    script.add("a", [Text("a1"), Text("a2")])
    script.add(None, [Text("any")])
    assert script.pending("a") == 2
    assert script.choose(request("b")) == Text("any")  # no queue for b: the any-model queue
    assert script.choose(request("a")) == Text("a1")
    assert script.choose(request("a")) == Text("a2")
    assert script.choose(request("a")) == Text("Hello from a")
    assert script.choose(request(None)) == Text("Hello from unknown")


def test_model_queue_wins_over_any_model_queue() -> None:
    script = Script()
    script.add(None, [Text("any")])
    script.add("a", [Text("mine")])
    assert script.choose(request("a")) == Text("mine")
    assert script.choose(request("a")) == Text("any")


def test_rules_come_after_queues_and_before_the_default() -> None:
    script = Script()
    script.on(lambda r: r.has_tool_result, Text("done"))
    script.add("m", [ToolCalls([ToolCall("Bash", {"command": "ls"})])])
    assert isinstance(script.choose(request(messages=TOOL_TURN)), ToolCalls)
    assert script.choose(request(messages=TOOL_TURN)) == Text("done")
    assert script.choose(request(messages=[])) == Text("Hello from m")


def test_callables_answer_from_the_request() -> None:
    script = Script()
    script.default = lambda r: Text(f"echo {r.model}")
    script.on(lambda r: r.model == "x", lambda r: HttpError(500, f"no {r.model}"))
    assert script.choose(request("m")) == Text("echo m")
    assert script.choose(request("x")) == HttpError(500, "no x")


def test_a_callable_returning_a_non_spec_fails_loudly() -> None:
    script = Script()
    script.default = lambda r: "text"  # type: ignore[assignment,return-value]
    with pytest.raises(TypeError, match="not a response spec"):
        script.choose(request())
    with pytest.raises(TypeError):
        script.add("m", ["just a string"])  # type: ignore[list-item]


def test_reset_forgets_queues_rules_and_default() -> None:
    script = Script()
    script.add("m", [Text("q")])
    script.on(lambda r: True, Text("rule"))
    script.default = Text("d")
    script.reset()
    assert script.pending("m") == 0
    assert script.choose(request()) == Text("Hello from m")


def test_load_applies_scripts_rules_and_default() -> None:
    script = Script()
    script.load(
        {
            "scripts": [{"model": "m", "responses": [{"type": "http_error", "status": 429}]}],
            "rules": [{"when": "tool_result", "response": {"type": "text", "text": "done"}}],
            "default": {"type": "text", "text": "default"},
        }
    )
    assert script.choose(request()) == HttpError(429)
    assert script.choose(request(messages=TOOL_TURN)) == Text("done")
    assert script.choose(request()) == Text("default")


@pytest.mark.parametrize(
    "data",
    [
        {"scriptz": []},
        {"scripts": {"model": "m"}},
        {"scripts": [{"model": 3, "responses": []}]},
        {"scripts": [{"model": "m"}]},
        {"rules": [{"when": "sometimes", "response": {"type": "refuse"}}]},
        {"scripts": [{"model": "m", "responses": [{"type": "text"}]}]},  # text missing
        {"default": {"type": "nope"}},
    ],
)
def test_load_rejects_invalid_scripts_without_changing_anything(data: dict[str, Any]) -> None:
    script = Script()
    with pytest.raises(ValueError):
        script.load({"scripts": [{"model": "m", "responses": [{"type": "refuse"}]}], **data})
    assert script.pending("m") == 0


EVERY_SPEC: list[Spec] = [
    Text("hi"),
    Text(
        "hi",
        chunk_chars=2,
        reasoning="hmm",
        reasoning_signature="sig",
        reasoning_details=[{"type": "reasoning.encrypted", "data": "xyz", "index": 1}],
        usage=Usage(10, 5, cached_tokens=4, cache_write_tokens=2, reasoning_tokens=1, cost=0.5),
        keepalives=3,
        first_byte_delay=0.5,
        content_with_finish=True,
    ),
    ToolCalls(
        [ToolCall("Bash", {"command": "ls"}, id="functions.Bash:0"), ToolCall("Read", "{bad", 7)],
        text="Running",
        variant="same_index",
    ),
    HttpError(429, "slow down", "rate_limit_exceeded", retry_after=2, availability={"code": "x"}),
    MidStreamError(Text("partial"), after_chunks=1, code=503, provider_code="overloaded"),
    Cut(ToolCalls([ToolCall("Bash")]), after_chunks=3),
    BadJSON(),
    Refuse(first_byte_delay=0.1),
]


@pytest.mark.parametrize("spec", EVERY_SPEC, ids=lambda s: type(s).__name__)
def test_json_form_round_trips(spec: Spec) -> None:
    data = spec_to_json(spec)
    assert orjson.loads(orjson.dumps(data)) == data  # plain JSON
    assert spec_from_json(data) == spec


def test_json_form_omits_defaults() -> None:
    assert spec_to_json(Text("hi")) == {"type": "text", "text": "hi"}
    assert spec_to_json(Refuse()) == {"type": "refuse"}


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": "no type"},
        {"type": "text", "text": "x", "colour": "red"},
        {"type": "cut", "base": {"type": "refuse"}},
        {"type": "tool_calls", "calls": [{"arguments": {}}]},
        {"type": "tool_calls", "calls": [], "variant": "sideways"},
        {"type": "http_error", "status": 200},
        {"type": "text", "text": "x", "chunk_chars": 0},
        {"type": "bad_json", "after_chunks": -1},
    ],
)
def test_spec_from_json_rejects_invalid_specs(data: Any) -> None:
    with pytest.raises(ValueError):
        spec_from_json(data)


def test_tool_call_arguments_dict_is_encoded_and_str_is_verbatim() -> None:
    assert orjson.loads(ToolCall("f", {"a": [1, "é"]}).arguments_text) == {"a": [1, "é"]}
    assert ToolCall("f", "{'single': quotes}").arguments_text == "{'single': quotes}"
    assert ToolCall("f").arguments_text == "{}"


def test_tool_calls_are_frozen_into_a_tuple() -> None:
    calls = [ToolCall("a")]
    spec = ToolCalls(calls)
    calls.append(ToolCall("b"))
    assert spec.calls == (ToolCall("a"),)
