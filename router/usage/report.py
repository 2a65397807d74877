"""Usage aggregates per group since a moment: what ``ccrouter usage`` prints.

Whole hours come from the ``rollup`` table (a few rows per hour, however many requests); the
part of an hour at the start of the range comes from the ``requests`` rows themselves, so
totals are exact for any ``since``. Latency percentiles come from histograms (±2.5 %): whole
days from the ``latency`` table, the part of the first day from the rows.

``group_sums`` is also the seam for budgets: running totals per group, loadable at start.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import time
from datetime import datetime
from typing import Literal, TypedDict, get_args

from ccrouter.usage.record import TriedModel, UsageRow, latency_bucket
from ccrouter.usage.rollup import Histogram, Sums, merge_into

GroupBy = Literal["day", "model", "route", "project", "session", "key"]
GROUP_BYS: tuple[str, ...] = get_args(GroupBy)
_COLUMN = {
    "day": "day",
    "model": "model",
    "route": "route",
    "project": "project",
    "session": "session_id",
    "key": "key_name",
}
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RELATIVE = re.compile(r"(\d+(?:\.\d+)?) *([mhdw])")


class GroupReport(TypedDict):
    key: str | None  # None: requests without one (no project, no key name…)
    requests: int
    errors: int
    fallbacks: int  # requests answered after more than one model was tried
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float  # of the requests whose cost is known
    unknown_cost_requests: int
    cache_hit_rate: float | None  # cache reads / all input tokens
    p50_latency_ms: float | None
    p95_latency_ms: float | None


class UsageReport(TypedDict):
    since: str  # ISO 8601, local time
    by: str
    groups: list[GroupReport]
    total: GroupReport


def parse_since(text: str, now: float) -> float:
    """``24h``, ``30m``, ``7d``, ``2w``, ``today``, ``all``, ``2026-12-01`` (local midnight) or
    an ISO date-time, as unix seconds."""
    value = text.strip().lower()
    found = _RELATIVE.fullmatch(value)
    if found:
        return now - float(found.group(1)) * _UNITS[found.group(2)]
    if value == "today":
        return _local_midnight(now)
    if value == "all":
        return 0.0
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since {text!r}: use a span (30m, 24h, 7d, 2w), today, all, "
            "or a date (2026-12-01) or date-time (2026-12-01T09:00)"
        ) from None
    return moment.timestamp()  # naive means local time


def _local_midnight(now: float) -> float:
    t = time.localtime(now)
    return time.mktime((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0, 0, 0, -1))


def group_sums(conn: sqlite3.Connection, since: float, by: GroupBy) -> dict[str, Sums]:
    """Sums per group ('' for rows without a key) of the requests at or after ``since``."""
    column = _COLUMN[by]
    first_hour = math.ceil(since / 3600)
    out: dict[str, Sums] = {}
    for row in conn.execute(
        f"SELECT {column}, SUM(requests), SUM(errors), SUM(fallbacks), SUM(input_tokens), "
        "SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(cost_usd), "
        f"SUM(unknown_cost_requests) FROM rollup WHERE hour >= ? GROUP BY {column}",
        (first_hour,),
    ):
        out.setdefault(row[0], Sums()).add(Sums(*row[1:]))
    for key, row in _raw_rows(conn, column, since, first_hour * 3600.0):
        out.setdefault(key, Sums()).add_row(row)
    for key, histogram in latency_histograms(conn, since, by).items():
        merge_into(out.setdefault(key, Sums()).latency, histogram)
    return out


def latency_histograms(conn: sqlite3.Connection, since: float, by: GroupBy) -> dict[str, Histogram]:
    """Latency histograms per group: whole days from ``latency``, the first part-day from rows."""
    day, midnight, next_midnight = _day_of(since)
    out: dict[str, Histogram] = {}
    first_whole = day if since <= midnight else _day_of(next_midnight)[0]
    for value, bucket, count in conn.execute(
        "SELECT value, bucket, SUM(requests) FROM latency WHERE dim = ? AND day >= ? "
        "GROUP BY value, bucket",
        (by, first_whole),
    ):
        histogram = out.setdefault(value, {})
        histogram[bucket] = histogram.get(bucket, 0) + count
    if since > midnight:
        for value, ms in conn.execute(
            f"SELECT {_COLUMN[by]}, latency_ms FROM requests WHERE at >= ? AND at < ?",
            (since, next_midnight),
        ):
            histogram = out.setdefault(value or "", {})
            bucket = latency_bucket(ms)
            histogram[bucket] = histogram.get(bucket, 0) + 1
    return out


def _day_of(moment: float) -> tuple[str, float, float]:
    """The local day of ``moment``, its midnight and the next one (unix s)."""
    t = time.localtime(moment)
    start = time.mktime((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0, 0, 0, -1))
    end = time.mktime((t.tm_year, t.tm_mon, t.tm_mday + 1, 0, 0, 0, 0, 0, -1))
    return time.strftime("%Y-%m-%d", t), start, end


def _raw_rows(
    conn: sqlite3.Connection, column: str, start: float, end: float
) -> list[tuple[str, UsageRow]]:
    """The rows of the partial hour before the rollup's first whole hour (usually few)."""
    if start >= end:
        return []
    cursor = conn.execute(
        f"SELECT {column}, at, status, tried, input_tokens, output_tokens, cache_read_tokens, "
        "cache_write_tokens, cost_usd FROM requests WHERE at >= ? AND at < ?",
        (start, end),
    )
    return [
        (
            r[0] or "",
            UsageRow(
                at=r[1],
                request_id="",
                route="",
                model="",
                status=r[2],
                tried=tuple(TriedModel(str(m), str(o)) for m, o in json.loads(r[3])),
                input_tokens=r[4],
                output_tokens=r[5],
                cache_read_tokens=r[6],
                cache_write_tokens=r[7],
                cost_usd=r[8],
            ),
        )
        for r in cursor
    ]


def group_report(key: str | None, sums: Sums) -> GroupReport:
    prompt = sums.input_tokens + sums.cache_read_tokens + sums.cache_write_tokens
    return GroupReport(
        key=key or None,
        requests=sums.requests,
        errors=sums.errors,
        fallbacks=sums.fallbacks,
        input_tokens=sums.input_tokens,
        output_tokens=sums.output_tokens,
        cache_read_tokens=sums.cache_read_tokens,
        cache_write_tokens=sums.cache_write_tokens,
        cost_usd=round(sums.cost_usd, 6),
        unknown_cost_requests=sums.unknown_cost_requests,
        cache_hit_rate=round(sums.cache_read_tokens / prompt, 4) if prompt else None,
        p50_latency_ms=sums.percentile(0.5),
        p95_latency_ms=sums.percentile(0.95),
    )


def usage_report(conn: sqlite3.Connection | None, since: float, by: GroupBy) -> UsageReport:
    """The report (``conn`` None: no ledger yet, so an empty one)."""
    sums = group_sums(conn, since, by) if conn is not None else {}
    total = Sums()
    for group in sums.values():
        total.add(group)
    if by == "day":
        keys = sorted(sums)
    else:
        keys = sorted(sums, key=lambda k: (-sums[k].cost_usd, -sums[k].requests, k))
    return UsageReport(
        since=datetime.fromtimestamp(since).astimezone().isoformat(timespec="seconds"),
        by=by,
        groups=[group_report(k, sums[k]) for k in keys],
        total=group_report("total", total),
    )
