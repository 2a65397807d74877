from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccrouter.sse import ServerSentEvent, SSEDecoder, encode_data
from ccrouter.testing.fake.chat import CHAT, ChunkEncoder
from ccrouter.testing.fake.render import Context, render
from ccrouter.testing.fake.script import (
    TOOL_CALL_VARIANTS,
    HttpError,
    MidStreamError,
    Stream,
    Text,
    ToolCall,
    ToolCalls,
    Usage,
)

CTX = Context("vendor/model", prompt_tokens=40, created=1700000000, token="abc")


def sse(base: Stream) -> list[ServerSentEvent]:
    raw = b"".join(render(base, CTX, True, CHAT).pieces)
    decoder = SSEDecoder()
    return decoder.feed(raw) + decoder.flush()


def chunks(base: Stream) -> list[dict[str, Any]]:
    return [e.json() for e in sse(base) if e.comment is None and e.data != "[DONE]"]


def deltas(base: Stream) -> list[dict[str, Any]]:
    return [c["choices"][0]["delta"] for c in chunks(base) if c["choices"]]


def reassemble(stream_chunks: list[dict[str, Any]]) -> list[tuple[Any, str, str]]:
    """Tool calls from deltas, keyed by (index, id), tolerant of every variant."""
    calls: list[dict[str, Any]] = []
    open_by_index: dict[int, dict[str, Any]] = {}
    for chunk in stream_chunks:
        for choice in chunk["choices"]:
            for part in choice["delta"].get("tool_calls") or []:
                call = open_by_index.get(part["index"])
                new_id = part.get("id")
                if call is None or (new_id is not None and new_id != call["id"]):
                    call = {"id": new_id, "name": "", "arguments": ""}
                    calls.append(call)
                    open_by_index[part["index"]] = call
                function = part.get("function", {})
                name = function.get("name")
                if name and name != call["name"]:  # repeated whole names are not appended
                    call["name"] += name
                call["arguments"] += function.get("arguments") or ""
    return [(c["id"], c["name"], c["arguments"]) for c in calls]


def test_text_stream_shape() -> None:
    events = sse(Text("Hello world!", chunk_chars=5, keepalives=2))
    assert [e.comment for e in events[:2]] == ["OPENROUTER PROCESSING"] * 2
    assert events[-1].data == "[DONE]"
    data = chunks(Text("Hello world!", chunk_chars=5))
    for chunk in data:
        assert chunk["id"] == "gen-1700000000-abc"
        assert chunk["object"] == "chat.completion.chunk"
        assert (chunk["model"], chunk["provider"], chunk["created"]) == (
            "vendor/model",
            "FakeProvider",
            1700000000,
        )
    assert data[0]["choices"][0]["delta"]["role"] == "assistant"
    content = [c["choices"][0]["delta"]["content"] for c in data[1:4]]
    assert content == ["Hello", " worl", "d!"]
    finish = data[-2]["choices"][0]
    assert (finish["finish_reason"], finish["native_finish_reason"]) == ("stop", "stop")
    assert finish["delta"].get("content") == "" and finish["logprobs"] is None
    assert all(c["choices"][0]["finish_reason"] is None for c in data[:-2])


def test_final_usage_chunk_has_empty_choices_and_full_usage() -> None:
    usage = Usage(100, 20, cached_tokens=60, cache_write_tokens=10, reasoning_tokens=5, cost=0.01)
    last = chunks(Text("x", usage=usage))[-1]
    assert last["choices"] == []
    assert last["usage"] == {
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "total_tokens": 120,
        "cost": 0.01,
        "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": 60, "cache_write_tokens": 10},
        "completion_tokens_details": {"reasoning_tokens": 5},
    }
    assert all(c["choices"] for c in chunks(Text("x", usage_chunk=False)))


def test_content_with_finish_rides_on_the_last_content_chunk() -> None:
    data = chunks(Text("abcdef", chunk_chars=3, content_with_finish=True, finish_reason="length"))
    assert [c["choices"][0]["delta"].get("content") for c in data[:-1]] == ["", "abc", "def"]
    assert data[-2]["choices"][0]["finish_reason"] == "length"


def test_reasoning_streams_as_reasoning_and_details_with_signature_last() -> None:
    extra = {"type": "reasoning.encrypted", "data": "opaque", "format": "f", "index": 1}
    spec = Text(
        "ok",
        reasoning="Let me think.",
        chunk_chars=7,
        reasoning_signature="SIG",
        reasoning_details=[extra],
    )
    parts = deltas(spec)
    reasoning = [d for d in parts if d.get("reasoning_details")]
    assert [d.get("reasoning") for d in reasoning] == ["Let me ", "think.", None, None]
    for d in reasoning[:2]:
        (detail,) = d["reasoning_details"]
        assert detail == {
            "type": "reasoning.text",
            "text": d["reasoning"],
            "format": "anthropic-claude-v1",
            "index": 0,
        }
    assert reasoning[2]["reasoning_details"][0]["signature"] == "SIG"
    assert reasoning[3]["reasoning_details"] == [extra]
    assert parts.index(reasoning[-1]) < next(i for i, d in enumerate(parts) if d["content"] == "ok")


def test_non_stream_body_shape() -> None:
    spec = Text("Hi", reasoning="hmm", reasoning_signature="S", finish_reason="length")
    body = orjson.loads(render(spec, CTX, False, CHAT).pieces[0])
    assert body["id"] == "gen-1700000000-abc" and body["object"] == "chat.completion"
    assert (body["model"], body["provider"]) == ("vendor/model", "FakeProvider")
    (choice,) = body["choices"]
    assert (choice["index"], choice["finish_reason"], choice["native_finish_reason"]) == (
        0,
        "length",
        "length",
    )
    message = choice["message"]
    assert (message["role"], message["content"], message["reasoning"]) == ("assistant", "Hi", "hmm")
    assert message["reasoning_details"][0]["signature"] == "S"
    assert "tool_calls" not in message
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


CALLS = [
    ToolCall("Bash", {"command": "ls -la /tmp"}, id="call_one"),
    ToolCall("Read", {"file_path": "/etc/hosts", "limit": 20}, id="call_two"),
]


@pytest.mark.parametrize("variant", sorted(TOOL_CALL_VARIANTS))
def test_every_tool_call_variant_reassembles_to_the_given_calls(variant: Any) -> None:
    spec = ToolCalls(CALLS, text="Let me look.", variant=variant, chunk_chars=5)
    data = chunks(spec)
    expected = [(c.id, c.name, c.arguments_text) for c in CALLS]
    assert reassemble(data) == expected
    assert data[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert "".join(d.get("content") or "" for d in deltas(spec)) == "Let me look."


def test_tool_call_variant_shapes() -> None:
    def parts(variant: Any) -> list[dict[str, Any]]:
        spec = ToolCalls(CALLS, variant=variant, chunk_chars=5)
        return [p for d in deltas(spec) for p in d.get("tool_calls") or []]

    openai = parts("openai")
    assert [("id" in p, p["index"]) for p in openai].count((True, 0)) == 1
    assert openai[0]["function"] == {"name": "Bash", "arguments": ""}
    assert all("id" in p and p["function"]["name"] for p in parts("id_every_chunk"))
    assert len(parts("whole")) == 2
    assert {p["index"] for p in parts("same_index")} == {0}
    assert len({p["id"] for p in parts("same_index") if "id" in p}) == 2
    names = [p["function"]["name"] for p in parts("name_fragments") if "name" in p["function"]]
    assert names[:2] == ["Bas", "h"]


def test_tool_call_ids_numeric_kimi_and_generated() -> None:
    spec = ToolCalls([ToolCall("a", id=7), ToolCall("b", id="functions.Bash:0"), ToolCall("c")])
    ids = [call_id for call_id, _, _ in reassemble(chunks(spec))]
    assert ids[:2] == [7, "functions.Bash:0"]
    assert isinstance(ids[2], str) and ids[2].startswith("call_") and len(ids[2]) > 10
    assert reassemble(chunks(spec))[2][0] != ids[2]  # a fresh id on every response


def test_string_arguments_are_sent_verbatim() -> None:
    spec = ToolCalls([ToolCall("f", "{'not': json", id="x")], variant="whole")
    assert reassemble(chunks(spec)) == [("x", "f", "{'not': json")]


def test_non_stream_tool_calls() -> None:
    spec = ToolCalls(CALLS)
    message = orjson.loads(render(spec, CTX, False, CHAT).pieces[0])["choices"][0]["message"]
    assert message["content"] is None
    assert message["tool_calls"] == [
        {
            "id": c.id,
            "type": "function",
            "function": {"name": c.name, "arguments": c.arguments_text},
        }
        for c in CALLS
    ]


def test_error_body_carries_error_type_metadata_and_availability() -> None:
    availability = {"code": "capacity_exhausted", "retryable": True, "retry_after": 3}
    spec = HttpError(
        429,
        "busy",
        "rate_limit_exceeded",
        metadata={"provider_name": "X"},
        availability=availability,
    )
    assert CHAT.error(spec) == {
        "error": {
            "code": 429,
            "message": "busy",
            "metadata": {
                "provider_name": "X",
                "error_type": "rate_limit_exceeded",
                "availability": availability,
            },
        }
    }
    assert CHAT.error(HttpError(500, "boom")) == {"error": {"code": 500, "message": "boom"}}


def test_mid_stream_error_chunk() -> None:
    spec = MidStreamError(Text("abcdefgh", chunk_chars=2), after_chunks=3, provider_code="E1")
    raw = b"".join(render(spec, CTX, True, CHAT).pieces)
    decoder = SSEDecoder()
    events = [e for e in decoder.feed(raw) + decoder.flush() if e.comment is None]
    assert [e.json()["choices"][0]["delta"].get("content") for e in events[:3]] == ["", "ab", "cd"]
    error_chunk = events[-1].json()
    assert error_chunk["error"] == {
        "code": 502,
        "message": "Provider returned error",
        "metadata": {"error_type": "provider_unavailable", "provider_code": "E1"},
    }
    assert error_chunk["choices"] == [
        {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}
    ]
    assert (
        error_chunk["id"] == "gen-1700000000-abc"
        and error_chunk["object"] == "chat.completion.chunk"
    )
    assert len(events) == 4  # no finish chunk, no usage, no [DONE]


def test_mid_stream_error_without_stream_is_200_with_partial_content() -> None:
    spec = MidStreamError(Text("abcdefgh", chunk_chars=2), after_chunks=3, code=503)
    reply = render(spec, CTX, False, CHAT)
    choice = orjson.loads(reply.pieces[0])["choices"][0]
    assert reply.status == 200
    assert (choice["finish_reason"], choice["message"]["content"]) == ("error", "abcd")
    assert choice["error"]["code"] == 503


@pytest.mark.parametrize(("finish", "native"), [(None, None), ("stop", "end_turn")])
def test_chunk_encoder_matches_encoding_the_whole_chunk(finish: Any, native: Any) -> None:
    delta = {"role": "assistant", "content": 'say "hi" ✓'}
    head = {
        "id": "gen-1700000000-abc",
        "provider": "FakeProvider",
        "model": "vendor/model",
        "object": "chat.completion.chunk",
        "created": 1700000000,
    }
    choice = {
        "index": 0,
        "delta": delta,
        "finish_reason": finish,
        "native_finish_reason": native,
        "logprobs": None,
    }
    expected = encode_data({**head, "choices": [choice]})
    assert ChunkEncoder(CTX).chunk(delta, finish, native) == expected
