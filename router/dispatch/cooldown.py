"""Per-model cooldowns, so a rate-limited or failing model is skipped for a while.

A model is cooled after ``after_failures`` consecutive retryable failures for ``cooldown_s``, or
at once until its ``Retry-After`` when the upstream says so. A success clears its record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Record:
    failures: int = 0
    until: float = 0.0


class Cooldowns:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._records: dict[str, _Record] = {}

    def __len__(self) -> int:
        """Models with a failure on record (cooling or not yet)."""
        return len(self._records)

    def cooling(self, key: str) -> float:
        """Seconds left of this model's cooldown (0 when usable)."""
        record = self._records.get(key)
        if record is None:
            return 0.0
        return max(0.0, record.until - self._clock())

    def failed(
        self, key: str, *, after_failures: int, cooldown_s: float, retry_after: float | None
    ) -> None:
        record = self._records.setdefault(key, _Record())
        record.failures += 1
        now = self._clock()
        if retry_after is not None and retry_after > 0:
            record.until = max(record.until, now + retry_after)
        if record.failures >= after_failures and cooldown_s > 0:
            record.until = max(record.until, now + cooldown_s)

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)

    def snapshot(self) -> dict[str, float]:
        return {k: round(left, 1) for k in self._records if (left := self.cooling(k)) > 0}
