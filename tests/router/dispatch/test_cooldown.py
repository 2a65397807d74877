"""A failing model cools down after N failures or at once on Retry-After; success clears it."""

from __future__ import annotations

from ccrouter.dispatch.cooldown import Cooldowns


def test_cooldown_after_repeated_failures_and_recovery() -> None:
    now = [100.0]
    c = Cooldowns(clock=lambda: now[0])
    c.failed("m", after_failures=2, cooldown_s=30, retry_after=None)
    assert c.cooling("m") == 0
    c.failed("m", after_failures=2, cooldown_s=30, retry_after=None)
    assert c.cooling("m") == 30
    now[0] += 31
    assert c.cooling("m") == 0


def test_retry_after_cools_at_once_and_success_clears() -> None:
    c = Cooldowns(clock=lambda: 0.0)
    c.failed("m", after_failures=5, cooldown_s=30, retry_after=7)
    assert c.cooling("m") == 7
    assert c.snapshot() == {"m": 7.0}
    c.succeeded("m")
    assert c.cooling("m") == 0 and c.snapshot() == {}
