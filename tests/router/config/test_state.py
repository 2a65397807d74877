"""The snapshot holder, reload status, statistics and session memory: one job each."""

from __future__ import annotations

from ccrouter.config.snapshot import build_state
from ccrouter.config.state import (
    DecisionRecord,
    ReloadStatus,
    StateHolder,
    Statistics,
)


def test_swap_replaces_the_whole_snapshot() -> None:
    first, second = build_state(None), build_state(None)
    holder = StateHolder(first)
    assert holder.current() is first
    holder.swap(second)
    assert holder.current() is second


def test_reload_status_counts_successes_and_keeps_the_last_failure() -> None:
    status = ReloadStatus()
    status.failed("bad edit")
    assert (status.reloads, status.error) == (0, "bad edit")
    status.succeeded()
    assert (status.reloads, status.error) == (1, None)


def test_statistics_count_requests_and_remember_decisions_by_session() -> None:
    stats = Statistics(recent=2, sessions=1)
    stats.record(DecisionRecord(0.0, "think", "p,m", "why", 10, "ok", session_id="s1"))
    stats.record(DecisionRecord(0.0, "default", "p,n", "why", 10, "ok"))
    assert stats.requests == 2
    found = stats.latest("s1")
    assert found is not None and found.route == "think"
    assert stats.latest("unknown") is stats.recent[-1]
    stats.record(DecisionRecord(0.0, "think", "p,m", "why", 10, "ok", session_id="s2"))
    assert stats.latest("s1") is stats.recent[-1]  # s1 was forgotten (bound 1): the latest
    assert [r["target"] for r in stats.report()["recent"]] == ["p,n", "p,m"]


def test_the_report_lists_each_sessions_latest_request_newest_first() -> None:
    stats = Statistics()
    stats.record(DecisionRecord(1.0, "default", "p,a", "why", 10, "ok", session_id="s1"))
    stats.record(DecisionRecord(2.0, "subagent", "p,b", "why", 10, "ok", session_id="s2"))
    stats.record(
        DecisionRecord(
            3.0, "default", "p,c", "why", 10, "ok", "s1", cache_hit_rate=0.5, sticky=True
        )
    )
    assert stats.report()["sessions"] == [
        {
            "session_id": "s1",
            "at": 3.0,
            "route": "default",
            "model": "p,c",
            "sticky": True,
            "cache_hit_rate": 0.5,
        },
        {
            "session_id": "s2",
            "at": 2.0,
            "route": "subagent",
            "model": "p,b",
            "sticky": False,
            "cache_hit_rate": None,
        },
    ]
