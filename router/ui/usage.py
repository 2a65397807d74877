"""The usage page's numbers, from the ledger (``ccrouter.usage``): totals and daily series.

Three parts, one request: the report ``ccrouter usage --by <by>`` prints (``report.usage_report``:
the table, with p50/p95 latency and cache-hit rate per group), the same report by day (requests,
errors and latency per day), and per day *and* group sums from the hourly ``rollup`` table for the
stacked charts. No ledger yet means empty numbers, not an error.
"""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path
from typing import Any, cast

from ccrouter.config.model import Config
from ccrouter.usage.report import GROUP_BYS, GroupBy, parse_since, usage_report
from ccrouter.usage.schema import connect
from ccrouter.usage.settings import usage_settings

STACK_BYS = ("model", "route", "project")
_COLUMN = {"model": "model", "route": "route", "project": "project"}


def ledger_path(config: Config) -> Path:
    base = config.path.parent if config.path is not None else None
    return usage_settings(config.raw.get("Usage"), base).ledger_path()


def parse_query(since: str | None, by: str | None, now: float) -> tuple[float, GroupBy]:
    """(since as unix seconds, the stacking group); ValueError says what to fix."""
    if by is None:
        by = "model"
    if by not in STACK_BYS or by not in GROUP_BYS:
        raise ValueError(f"by={by!r}: use one of {', '.join(STACK_BYS)}")
    return parse_since(since or "30d", now), cast(GroupBy, by)


def daily_series(conn: sqlite3.Connection, since: float, by: GroupBy) -> list[dict[str, Any]]:
    """Per day and group: cost, tokens, requests, errors, exact from ``since`` on.

    Whole hours come from ``rollup``; the part of the first hour from the rows themselves
    (what ``report.group_sums`` does for the totals, so the charts add up to the table).
    """
    column = _COLUMN[by]
    first_hour = math.ceil(since / 3600)
    sums: dict[tuple[str, str], list[float]] = {}
    queries = (
        (
            f"SELECT day, {column}, SUM(cost_usd), SUM(input_tokens + cache_read_tokens + "
            "cache_write_tokens), SUM(output_tokens), SUM(requests), SUM(errors) FROM rollup "
            f"WHERE hour >= ? GROUP BY day, {column}",
            (first_hour,),
        ),
        (
            f"SELECT day, {column}, SUM(cost_usd), SUM(input_tokens + cache_read_tokens + "
            "cache_write_tokens), SUM(output_tokens), COUNT(*), SUM(status != 'ok') FROM requests "
            f"WHERE at >= ? AND at < ? GROUP BY day, {column}",
            (since, first_hour * 3600.0),
        ),
    )
    for sql, args in queries:
        for day, key, *values in conn.execute(sql, args):
            total = sums.setdefault((day, key or ""), [0.0] * 5)
            for i, value in enumerate(values):
                total[i] += value or 0
    return [
        {
            "day": day,
            "key": key or None,
            "cost_usd": round(cost, 6),
            "input_tokens": int(tokens_in),
            "output_tokens": int(tokens_out),
            "requests": int(requests),
            "errors": int(errors),
        }
        for (day, key), (cost, tokens_in, tokens_out, requests, errors) in sorted(sums.items())
    ]


def usage_payload(config: Config, since_text: str | None, by_text: str | None) -> dict[str, Any]:
    """What ``GET /ui/api/usage`` answers (runs in a thread: SQLite blocks)."""
    since, by = parse_query(since_text, by_text, time.time())
    path = ledger_path(config)
    enabled = usage_settings(config.raw.get("Usage")).enabled
    conn = connect(path) if path.exists() else None
    try:
        report = usage_report(conn, since, by)
        days = usage_report(conn, since, "day")
        series = daily_series(conn, since, by) if conn is not None else []
    finally:
        if conn is not None:
            conn.close()
    return {
        "ledger": str(path),
        "ledger_exists": conn is not None,
        "enabled": enabled,
        "report": report,
        "days": days["groups"],
        "series": series,
    }
