"""Reusing the previous turn's translation (``ctx.recall``) never changes a request.

Every turn of a growing conversation — tool calls and results, thinking, reminders deferred
between a call and its result, images, moving cache breakpoints, an interrupted call, a model
switch, an interleaved subagent — is translated with the conversation memo and without it; the
two requests must be byte-identical, even when everything handed out earlier was changed in
place afterwards (as transformers and breakpoint limits may).
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from ccrouter.routing.conversation import Conversations
from ccrouter.transformers.chat import messages as openai_messages
from ccrouter.transformers.chat.messages import translate_messages
from ccrouter.transformers.chat.request import to_openai_request
from ccrouter.transformers.context import Recall, TranslationContext
from ccrouter.types import JSON
from tests.recording.cases import CASES
from tests.recording.driver import Recordings

MARK = {"type": "ephemeral"}
PNG = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}


def ctx(
    model: str, recall: Recall | None = None, dialect: Any = "openrouter"
) -> TranslationContext:
    return TranslationContext(
        "claude-sonnet-4-5", model, "openrouter", dialect=dialect, recall=recall
    )


def tool_turn(n: int, *, image: bool = False, reminder: bool = False) -> list[JSON]:
    """An assistant turn (thinking, text, a tool call) and the user turn with its result."""
    result: list[JSON] = [{"type": "text", "text": f"{n}: line one\n{n}: line two"}]
    if image:
        result.append({"type": "image", "source": PNG})
    turn: list[JSON] = [
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": f"plan {n}", "signature": f"sig{n}"},
                {"type": "text", "text": f"Reading part {n}."},
                {"type": "tool_use", "id": f"toolu_{n}", "name": "Read", "input": {"n": n}},
            ],
        }
    ]
    if reminder:  # between the call and its result: deferred until the result is answered
        turn.append({"role": "system", "content": f"<reminder {n}>"})
    turn.append(
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": f"toolu_{n}", "content": result}],
        }
    )
    return turn


def conversation(turns: int) -> list[JSON]:
    messages: list[JSON] = [{"role": "user", "content": "Refactor the parser."}]
    for n in range(turns):
        messages += tool_turn(n, image=n % 3 == 1, reminder=n % 4 == 2)
    return messages


def with_breakpoint(messages: list[JSON]) -> list[JSON]:
    """Claude Code's marker on the last block of the last message (it moves every turn)."""
    messages = copy.deepcopy(messages)
    last = messages[-1]
    if isinstance(last["content"], str):
        last["content"] = [{"type": "text", "text": last["content"]}]
    last["content"][-1]["cache_control"] = MARK
    return messages


def vandalise(request: JSON) -> None:
    """Change everything translation handed out, the way later steps are allowed to."""
    for message in request["messages"]:
        message["role"] = message["role"]
        message.pop("reasoning", None)
        content = message.get("content")
        if isinstance(content, list):
            for part in content:
                part.pop("cache_control", None)
                part["text"] = "changed"
                if isinstance(part.get("image_url"), dict):
                    part["image_url"]["url"] = "changed"
            content.append({"type": "text", "text": "appended"})
        for call in message.get("tool_calls") or ():
            call["function"]["arguments"] = "{}"
            call["id"] = "changed"
        for detail in message.get("reasoning_details") or ():
            detail["text"] = "changed"
    request["messages"].append({"role": "user", "content": "appended"})


def turns_of(messages: list[JSON]) -> list[list[JSON]]:
    """Claude Code's turns: the conversation grown one exchange at a time."""
    return [with_breakpoint(messages[:end]) for end in range(1, len(messages) + 1, 2)]


@pytest.fixture(autouse=True)
def reuse_from_the_first_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exercise reuse at every length (by default short conversations are translated afresh)."""
    monkeypatch.setattr(openai_messages, "REUSE_FROM", 1)


MODELS = ["anthropic/claude-sonnet-4.5", "google/gemini-2.5-pro", "openai/gpt-5", "x-ai/grok-4"]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("dialect", ["openrouter", "openai"])
def test_every_turn_equals_a_fresh_translation(model: str, dialect: Any) -> None:
    conversations = Conversations()
    for messages in turns_of(conversation(9)):
        body = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": messages}
        again = orjson.loads(orjson.dumps(body))  # as the server parses it: fresh objects
        reused = to_openai_request(again, ctx(model, conversations.recall(again), dialect))
        fresh = to_openai_request(body, ctx(model, dialect=dialect))
        assert orjson.dumps(reused) == orjson.dumps(fresh)
        vandalise(reused)


def test_the_memo_is_reused_for_the_equal_prefix() -> None:
    conversations = Conversations()
    model = MODELS[0]
    first = conversation(6)
    translate_messages(first, ctx(model, conversations.recall({"messages": first})))
    grown = orjson.loads(orjson.dumps(first + tool_turn(6)))
    recall = conversations.recall({"messages": grown})
    assert recall.prefix == len(first)
    previous = recall.previous
    assert previous is not None
    [memo] = previous.values()
    out = translate_messages(grown, ctx(model, recall))
    [new_memo] = recall.current.values()
    # The objects of the equal prefix are the previous turn's, not translated again...
    assert all(a is b for a, b in zip(memo.out, new_memo.out, strict=False))
    # ...and the request got copies of them.
    assert all(a is not b for a, b in zip(out, new_memo.out, strict=False))


def test_pending_calls_and_deferred_reminders_are_never_a_resume_point() -> None:
    conversations = Conversations()
    model = MODELS[1]
    messages = conversation(3)
    # An interrupted turn: the call has no result yet, and a reminder waits behind it.
    messages += tool_turn(3, reminder=True)[:-1]
    for end in range(1, len(messages) + 1):
        body = {"messages": orjson.loads(orjson.dumps(messages[:end]))}
        reused = translate_messages(body["messages"], ctx(model, conversations.recall(body)))
        assert orjson.dumps(reused) == orjson.dumps(translate_messages(messages[:end], ctx(model)))


def test_model_switch_and_interleaved_conversations() -> None:
    conversations = Conversations()
    main, side = conversation(5), [{"role": "user", "content": "Subagent: list the files."}]
    sequence = [
        (main[:5], MODELS[0]),
        (side, MODELS[2]),
        (main[:7], MODELS[0]),
        (side + tool_turn(1), MODELS[2]),
        (main[:9], MODELS[3]),  # /model switch: nothing cached for this target
        (main[:11], MODELS[3]),
        (main[:11], MODELS[0]),  # back: the memo of the first model is gone, still correct
    ]
    for messages, model in sequence:
        body = {"messages": with_breakpoint(messages)}
        again = orjson.loads(orjson.dumps(body))
        reused = to_openai_request(again, ctx(model, conversations.recall(again)))
        fresh = to_openai_request(body, ctx(model))
        assert orjson.dumps(reused) == orjson.dumps(fresh)
        vandalise(reused)


def test_a_changed_earlier_message_is_translated_again() -> None:
    conversations = Conversations()
    model = MODELS[0]
    messages = conversation(4)
    translate_messages(messages, ctx(model, conversations.recall({"messages": messages})))
    edited = orjson.loads(orjson.dumps(messages))
    edited[2]["content"][0]["content"][0]["text"] = "the file changed"  # a tool result
    recall = conversations.recall({"messages": edited})
    assert recall.prefix == 2
    out = translate_messages(edited, ctx(model, recall))
    assert orjson.dumps(out) == orjson.dumps(translate_messages(edited, ctx(model)))
    assert b"the file changed" in orjson.dumps(out)


def test_short_conversations_are_translated_afresh_and_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(openai_messages, "REUSE_FROM", 12)
    conversations = Conversations()
    short = conversation(2)  # 5 messages
    recall = conversations.recall({"messages": short})
    out = translate_messages(short, ctx(MODELS[0], recall))
    assert recall.current == {}
    assert orjson.dumps(out) == orjson.dumps(translate_messages(short, ctx(MODELS[0])))
    long = conversation(8)
    recall = conversations.recall({"messages": long})
    translate_messages(long, ctx(MODELS[0], recall))
    assert len(recall.current) == 1


# Claude Code's recorded multi-request sessions (tests/recording/cases.py).
SESSIONS = [case.name for case in CASES if case.sends.count("messages") > 1]


def _session_bodies(claude_code: Recordings, case: str) -> list[dict[str, Any]]:
    """The case's ``/v1/messages`` bodies in the order Claude Code sent them."""
    return [r["body"] for r in claude_code.cases[case] if r["path"] == "/v1/messages"]


@pytest.mark.parametrize("case", SESSIONS)
@pytest.mark.parametrize("model", MODELS)
def test_recorded_claude_code_sessions_translate_the_same_with_reuse(
    model: str, case: str, claude_code: Recordings
) -> None:
    bodies = _session_bodies(claude_code, case)
    assert len(bodies) > 1
    conversations = Conversations()
    for body in bodies:
        again = orjson.loads(orjson.dumps(body))
        reused = to_openai_request(again, ctx(model, conversations.recall(again)))
        fresh = to_openai_request(body, ctx(model))
        assert orjson.dumps(reused) == orjson.dumps(fresh)
        vandalise(reused)
