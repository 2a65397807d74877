"""Route functions on worker threads: the caller's loop keeps running, the budget is the caller's.

Each blocking case checks the loop itself: a ticker on the caller's loop keeps ticking while the
route blocks, and the call ends at its budget, not when the route returns.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ccrouter.routing.sandbox import FAILURES_TO_OFF, Guard, RouterThreads
from tests.routing_support import plugin_log
from tests.waiting import eventually


async def largest_gap_while(job: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``job()`` (a coroutine factory); its outcome, seconds taken, largest loop stall."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    tick = asyncio.ensure_future(ticker())
    started = time.monotonic()
    try:
        outcome: Any = await job()
    except Exception as exc:
        outcome = exc
    took = time.monotonic() - started
    done.set()
    await tick
    return outcome, took, max(gaps, default=0.0)


def sleeps_sync(seconds: float) -> Callable[[], str]:
    def route() -> str:
        time.sleep(seconds)
        return "late"

    return route


def sleeps_in_async(seconds: float) -> Callable[[], Any]:
    async def route() -> str:
        time.sleep(seconds)  # the bug: a blocking call inside async def
        return "late"

    return route


@pytest.mark.parametrize("make", [sleeps_sync, sleeps_in_async], ids=["sync", "async"])
async def test_a_blocking_route_costs_its_budget_and_never_stalls_the_loop(
    make: Callable[[float], Callable[[], Any]],
) -> None:
    threads = RouterThreads("blocking")
    outcome, took, gap = await largest_gap_while(lambda: threads.call(make(1.0), (), 0.2))
    assert isinstance(outcome, TimeoutError)
    assert 0.15 < took < 0.6
    assert gap < 0.15  # the loop went on ticking while the worker slept


async def test_an_async_route_past_its_budget_is_cancelled_on_its_worker() -> None:
    threads = RouterThreads("awaits", size=1)
    cancelled = threading.Event()

    async def route() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):
        await threads.call(route, (), 0.05)
    await eventually(cancelled.is_set, "the route's task cancelled on the worker loop")

    async def quick() -> str:
        return "ok"

    assert await threads.call(quick, (), 1.0) == "ok"  # the one worker is free again
    assert threads.threads == 1


async def test_results_and_exceptions_come_back_to_the_caller() -> None:
    threads = RouterThreads("plain")

    def add(a: int, b: int) -> int:
        return a + b

    async def async_add(a: int, b: int) -> int:
        await asyncio.sleep(0)
        return a + b

    def broken() -> None:
        raise ValueError("bad router")

    def exits() -> None:
        sys.exit(3)

    assert await threads.call(add, (1, 2), 1.0) == 3
    assert await threads.call(async_add, (2, 3), 1.0) == 5
    with pytest.raises(ValueError, match="bad router"):
        await threads.call(broken, (), 1.0)
    with pytest.raises(RuntimeError, match="SystemExit: 3"):  # never ccrouter's own exit
        await threads.call(exits, (), 1.0)
    assert threads.threads == 1  # one caller at a time: one worker did it all


async def test_concurrent_calls_use_up_to_size_workers_and_a_stuck_pool_only_times_out() -> None:
    threads = RouterThreads("stuck", size=2)
    release = threading.Event()

    def stuck() -> None:
        release.wait(5)

    try:
        results = await asyncio.gather(
            *(threads.call(stuck, (), 0.1) for _ in range(4)), return_exceptions=True
        )
        assert all(isinstance(r, TimeoutError) for r in results)
        assert threads.threads == 2
    finally:
        release.set()


async def test_idle_workers_end() -> None:
    threads = RouterThreads("idle", idle_s=0.05)
    assert await threads.call(lambda: 1, (), 1.0) == 1
    await eventually(lambda: threads.threads == 0, "the idle worker to end")
    assert await threads.call(lambda: 2, (), 1.0) == 2  # a new one starts when needed


def test_the_guard_switches_off_after_failures_in_a_row_with_one_warning() -> None:
    guard = Guard(Path("flaky.py"))
    with plugin_log() as lines:
        for _ in range(FAILURES_TO_OFF - 1):
            guard.failed("raised ValueError")
        guard.succeeded()  # a success starts the count again
        for _ in range(FAILURES_TO_OFF + 2):
            guard.failed("raised ValueError")
    assert guard.off
    assert len(lines) == 1
    assert "flaky.py switched off" in lines[0] and "raised ValueError" in lines[0]
    assert "flaky.py is switched off" in (guard.why_off() or "")
    assert Guard(Path("fine.py")).why_off() is None
