"""Session memory: sticky models per lane and route, no flip-flopping, bounds and idle expiry."""

from __future__ import annotations

from ccrouter.config.model import Target
from ccrouter.routing.rules import Decision
from ccrouter.routing.sessions import (
    Sessions,
    Stick,
    cache_rate,
    prefer,
    sticky_choice,
    usage_tokens,
)

A, B, C = Target("p", "a"), Target("p", "b"), Target("p", "c")
DECISION = Decision("default", A, "no other rule matched", (B, C))


def never(target: Target) -> float:
    return 0.0


def test_prefer_moves_the_sticky_model_first() -> None:
    assert prefer([A, B, C], C) == [C, A, B]
    assert prefer([A, B], None) == [A, B]
    assert prefer([A, B], Target("p", "gone")) == [A, B]


def test_a_stick_on_the_first_model_changes_nothing() -> None:
    stick = Stick(A, DECISION.targets)
    assert sticky_choice(stick, DECISION, never) == (None, stick)
    assert sticky_choice(None, DECISION, never) == (None, None)


def test_a_changed_chain_unsticks() -> None:
    stick = Stick(B, (A, B))  # the route had no C then
    assert sticky_choice(stick, DECISION, never) == (None, None)


def test_a_fallback_is_kept_while_the_first_cools_then_one_turn_more() -> None:
    cooling = {A: 30.0}
    stick = Stick(B, DECISION.targets)
    first, stick2 = sticky_choice(stick, DECISION, lambda t: cooling.get(t, 0.0))
    assert first == B and stick2 == Stick(B, DECISION.targets, grace=False)
    cooling.clear()  # A recovered
    first, stick3 = sticky_choice(stick2, DECISION, never)
    assert first == B and stick3 is not None and stick3.grace  # one turn more
    assert sticky_choice(stick3, DECISION, never) == (None, None)  # then back to A


def test_sessions_keep_the_model_that_answered_and_say_so() -> None:
    sessions = Sessions()
    assert sessions.steer("s1", None, DECISION, never) is DECISION  # unknown session
    sessions.finished("s1", None, DECISION, 100, B, None)  # A failed, B answered
    steered = sessions.steer("s1", None, DECISION, lambda t: 10.0 if t == A else 0.0)
    assert steered.sticky == B
    assert steered.reason.endswith("the session keeps p,b, which answered its last turn")
    facts = sessions.finished("s1", None, steered, 120, B, None)
    assert facts is not None and facts.sticky
    # another route of the same session, and another session, are not affected
    other = Decision("think", A, "effort 'max'", (B,))
    assert sessions.steer("s1", None, other, never).sticky is None
    assert sessions.steer("s2", None, DECISION, never).sticky is None


def test_a_failed_sticky_model_gives_way_to_what_answered() -> None:
    sessions = Sessions()
    sessions.finished("s", None, DECISION, 1, B, None)
    steered = sessions.steer("s", None, DECISION, lambda t: 5.0 if t == A else 0.0)
    sessions.finished("s", None, steered, 1, C, None)  # B failed too; C answered
    assert sessions.steer("s", None, DECISION, lambda t: 5.0 if t == A else 0.0).sticky == C


def test_subagents_have_their_own_lane() -> None:
    sessions = Sessions()
    sessions.finished("s", None, DECISION, 90_000, A, None)
    sessions.finished("s", "agent-1", DECISION, 2_000, B, None)
    assert sessions.last_tokens("s") == 90_000
    assert sessions.last_tokens("s", "agent-1") == 2_000
    assert sessions.steer("s", None, DECISION, never).sticky is None  # main loop on A
    assert sessions.steer("s", "agent-1", DECISION, never).sticky == B


def test_the_cache_hit_rate_is_cache_reads_over_prompt_tokens() -> None:
    sessions = Sessions()
    usage = {"input_tokens": 100, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    assert sessions.finished("s", None, DECISION, 1, A, usage) is not None
    warm = {"input_tokens": 10, "cache_read_input_tokens": 90}
    facts = sessions.finished("s", None, DECISION, 1, A, warm)
    assert facts is not None and facts.cache_rate == 0.45  # 90 / (100 + 100)
    assert cache_rate(0, 0) is None
    assert usage_tokens(None) == (0, 0)
    assert sessions.finished(None, None, DECISION, 1, A, warm) is None


def test_sessions_are_bounded_and_expire_when_idle() -> None:
    clock = [0.0]
    sessions = Sessions(size=3, idle_s=60.0, lanes=2, clock=lambda: clock[0])
    for name in ("a", "b", "c", "d"):
        sessions.finished(name, None, DECISION, 1, A, None)
    assert len(sessions) == 3 and sessions.last_tokens("a") is None  # least recently used
    clock[0] = 61.0
    assert sessions.last_tokens("d") is None  # idle too long
    sessions.finished("e", None, DECISION, 5, A, None)
    assert len(sessions) == 1
    for agent in ("x", "y", "z"):
        sessions.finished("e", agent, DECISION, 7, A, None)
    assert sessions.last_tokens("e") == 5  # the main loop outlives the subagent lanes
    assert sessions.last_tokens("e", "x") is None and sessions.last_tokens("e", "z") == 7
