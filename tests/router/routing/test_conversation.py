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
