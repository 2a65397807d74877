"""The holder swaps whole snapshots and remembers recent decisions and sessions."""

from __future__ import annotations

from ccrouter.config.snapshot import build_state
from ccrouter.config.state import DecisionRecord, SessionMemory, StateHolder


def test_swap_and_failed_reload() -> None:
    first, second = build_state(None), build_state(None)
    holder = StateHolder(first)
    holder.fail_reload("bad edit")
    assert holder.current() is first and holder.status()["reload_error"] == "bad edit"
    holder.swap(second)
    assert holder.current() is second and holder.reload_error is None


def test_session_memory_is_bounded() -> None:
    memory = SessionMemory(size=2)
    memory.put("a", 1)
    memory.put("b", 2)
    memory.put("c", 3)
    assert memory.get("a") is None and memory.get("c") == 3 and memory.get(None) is None


def test_recent_decisions_by_session() -> None:
    holder = StateHolder(build_state(None))
    holder.record(DecisionRecord(0.0, "think", "p,m", "why", 10, "ok", session_id="s1"))
    assert holder.last_by_session["s1"].route == "think"
    assert holder.status()["recent"][0]["target"] == "p,m"
