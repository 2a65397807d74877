"""Sums of ledger rows per hour and group, and latency histograms per group and day (pure).

The writer folds each batch into both before adding them to the ``rollup`` and ``latency``
tables; reports merge them back per ``--by`` group. A histogram is ``{bucket: requests}``
(``record.latency_bucket``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ccrouter.usage.record import UsageRow, bucket_value, latency_bucket

# hour, day, route, model, project, session, key ('' for none: part of a primary key)
RollupKey = tuple[int, str, str, str, str, str, str]
LatencyKey = tuple[str, str, str, int]  # dimension, day, value, bucket
Histogram = dict[int, int]
DIMENSIONS = ("day", "model", "route", "project", "session", "key")


@dataclass
class Sums:
    requests: int = 0
    errors: int = 0
    fallbacks: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    unknown_cost_requests: int = 0
    latency: Histogram = field(default_factory=dict)  # filled separately: see latency_counts

    def add_row(self, row: UsageRow) -> None:
        self.requests += 1
        self.errors += not row.ok
        self.fallbacks += row.fell_back
        self.input_tokens += row.input_tokens
        self.output_tokens += row.output_tokens
        self.cache_read_tokens += row.cache_read_tokens
        self.cache_write_tokens += row.cache_write_tokens
        if row.cost_usd is None:
            self.unknown_cost_requests += 1
        else:
            self.cost_usd += row.cost_usd

    def add(self, other: Sums) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.fallbacks += other.fallbacks
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.cost_usd += other.cost_usd
        self.unknown_cost_requests += other.unknown_cost_requests
        merge_into(self.latency, other.latency)

    def percentile(self, q: float) -> float | None:
        """The latency (ms) below which a fraction ``q`` of the requests finished; ±2.5 %."""
        total = sum(self.latency.values())
        if total == 0:
            return None
        rank = max(1, math.ceil(q * total))  # nearest rank
        seen = 0
        for bucket in sorted(self.latency):
            seen += self.latency[bucket]
            if seen >= rank:
                return round(bucket_value(bucket), 1)
        return None  # pragma: no cover (seen reaches total)


def key_of(row: UsageRow) -> RollupKey:
    return (
        int(row.at // 3600),
        row.day(),
        row.route,
        row.model,
        row.project or "",
        row.session_id or "",
        row.key_name or "",
    )


def dimension_values(row: UsageRow, day: str) -> tuple[str, ...]:
    """The row's value for each of ``DIMENSIONS``, in order."""
    return (day, row.model, row.route, row.project or "", row.session_id or "", row.key_name or "")


def fold(rows: Iterable[UsageRow]) -> dict[RollupKey, Sums]:
    out: dict[RollupKey, Sums] = {}
    for row in rows:
        key = key_of(row)
        sums = out.get(key)
        if sums is None:
            sums = out[key] = Sums()
        sums.add_row(row)
    return out


def latency_counts(rows: Iterable[UsageRow]) -> Counter[LatencyKey]:
    out: Counter[LatencyKey] = Counter()
    for row in rows:
        day, bucket = row.day(), latency_bucket(row.latency_ms)
        for dim, value in zip(DIMENSIONS, dimension_values(row, day), strict=True):
            out[(dim, day, value, bucket)] += 1
    return out


def merge_into(target: Histogram, more: Histogram) -> None:
    for bucket, count in more.items():
        target[bucket] = target.get(bucket, 0) + count
