"""Waiting for something to happen in a test: poll a condition, never sleep a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

WAIT_S = 5.0


async def eventually(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Return once ``check()`` is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)
