"""``Conversations.recall``: the previous turn of the same conversation and its equal prefix."""

from __future__ import annotations

from typing import Any

import orjson

from ccrouter.routing.conversation import Conversations


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def resent(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The body as the server parses it: equal values, fresh objects."""
    return {"messages": orjson.loads(orjson.dumps(messages))}


def test_first_turn_has_nothing_to_recall() -> None:
    recall = Conversations().recall(resent([user("hi")]))
    assert recall.prefix == 0 and recall.previous is None and recall.current == {}


def test_next_turn_sees_the_previous_memo_and_the_equal_prefix() -> None:
    conversations = Conversations()
    first = conversations.recall(resent([user("hi")]))
    first.current["k"] = "kept"
    second = conversations.recall(resent([user("hi"), assistant("hello"), user("more")]))
    assert second.prefix == 1
    assert second.previous == {"k": "kept"}
    assert second.current == {} and second.current is not first.current


def test_prefix_stops_at_the_first_changed_message() -> None:
    conversations = Conversations()
    messages = [user("a"), assistant("b"), user("c"), assistant("d")]
    conversations.recall(resent(messages))
    changed = [user("a"), assistant("B"), user("c"), assistant("d"), user("e")]
    assert conversations.recall(resent(changed)).prefix == 1


def test_interleaved_conversations_each_find_their_own_previous_turn() -> None:
    conversations = Conversations()
    main = conversations.recall(resent([user("main task")]))
    main.current["who"] = "main"
    side = conversations.recall(resent([user("subagent task")]))
    side.current["who"] = "side"
    again = conversations.recall(resent([user("main task"), assistant("ok")]))
    assert again.previous == {"who": "main"} and again.prefix == 1
    again_side = conversations.recall(resent([user("subagent task"), assistant("ok")]))
    assert again_side.previous == {"who": "side"}


def test_only_the_last_few_conversations_are_kept() -> None:
    conversations = Conversations(size=2)
    for n in range(5):
        conversations.recall(resent([user(f"conversation {n}")]))
    assert len(conversations) == 2
    assert conversations.recall(resent([user("conversation 0")])).previous is None
    assert conversations.recall(resent([user("conversation 4")])).previous is not None


def test_a_turn_replaces_its_predecessor() -> None:
    conversations = Conversations()
    for n in range(1, 6):
        conversations.recall(resent([user("same")] + [assistant(str(i)) for i in range(n)]))
    assert len(conversations) == 1


def test_bodies_without_messages_are_not_remembered() -> None:
    conversations = Conversations()
    for body in ({}, {"messages": []}, {"messages": "not a list"}):
        assert conversations.recall(body).previous is None
    assert len(conversations) == 0


def test_a_byte_budget_bounds_what_is_kept_but_the_latest_turn_stays() -> None:
    conversations = Conversations(size=8, budget=1000)
    for n in range(4):
        conversations.recall(resent([user(f"conversation {n}")]), size=400)
    assert len(conversations) == 2  # 800 bytes; a third would exceed 1000
    conversations.recall(resent([user("huge")]), size=5000)
    assert len(conversations) == 1  # over budget alone, but kept: the next turn needs it
    assert conversations.recall(resent([user("huge"), assistant("ok")])).previous is not None


def in_session(session: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    body = resent(messages)
    body["metadata"] = {"user_id": orjson.dumps({"session_id": session}).decode()}
    return body


def test_sessions_are_kept_apart_and_one_does_not_push_out_another() -> None:
    conversations = Conversations(size=2)
    conversations.recall(in_session("a", [user("task")])).current["who"] = "a"
    for n in range(5):  # a busy session turns over its own turns only
        conversations.recall(in_session("b", [user(f"b {n}")]))
    conversations.recall(in_session("b", [user("task")])).current["who"] = "b"
    again_a = conversations.recall(in_session("a", [user("task"), assistant("ok")]))
    assert again_a.previous == {"who": "a"}  # the same first message in b is b's own
    again_b = conversations.recall(in_session("b", [user("task"), assistant("ok")]))
    assert again_b.previous == {"who": "b"}


def test_the_number_of_sessions_is_bounded_least_recent_first() -> None:
    conversations = Conversations(sessions=3)
    for n in range(5):
        conversations.recall(in_session(f"s{n}", [user("hi")]))
    assert len(conversations) == 3
    assert conversations.recall(in_session("s0", [user("hi"), assistant("x")])).previous is None
    assert conversations.recall(in_session("s4", [user("hi"), assistant("x")])).previous is not None


def test_idle_sessions_are_forgotten() -> None:
    now = [0.0]
    conversations = Conversations(idle_s=60.0, clock=lambda: now[0])
    conversations.recall(in_session("old", [user("hi")]))
    now[0] = 30.0
    conversations.recall(in_session("recent", [user("hi")]))
    now[0] = 70.0
    conversations.recall(in_session("new", [user("hi")]))
    assert len(conversations) == 2  # "old" was idle for 70 s
    assert conversations.recall(in_session("old", [user("hi"), assistant("x")])).previous is None
    now[0] = 200.0
    assert conversations.recall(in_session("new", [user("hi"), assistant("x")])).previous is None
