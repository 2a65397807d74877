"""The ledger's writes: add a batch of rows (and their rollup sums) in one transaction; prune.

Called only from the writer thread. Sums are added in SQL (``ON CONFLICT DO UPDATE``) inside
``BEGIN IMMEDIATE``, so two processes on one file never lose each other's rows or sums.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from ccrouter.usage.record import UsageRow
from ccrouter.usage.rollup import DIMENSIONS, RollupKey, Sums, fold, latency_counts

PRUNE_BATCH = 2000  # rows deleted per statement: keeps each write lock short

_INSERT = """
INSERT INTO requests (
    at, day, request_id, session_id, project, route, model, tried, status, stop_reason,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, cost_source,
    latency_ms, ttft_ms, stream, key_name
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_UPSERT = """
INSERT INTO rollup (
    hour, day, route, model, project, session_id, key_name, requests, errors, fallbacks,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd,
    unknown_cost_requests
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (hour, day, route, model, project, session_id, key_name) DO UPDATE SET
    requests = requests + excluded.requests,
    errors = errors + excluded.errors,
    fallbacks = fallbacks + excluded.fallbacks,
    input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens,
    cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
    cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
    cost_usd = cost_usd + excluded.cost_usd,
    unknown_cost_requests = unknown_cost_requests + excluded.unknown_cost_requests
"""
_LATENCY = """
INSERT INTO latency (dim, day, value, bucket, requests) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (dim, day, value, bucket) DO UPDATE SET requests = requests + excluded.requests
"""


def params(row: UsageRow) -> tuple[Any, ...]:
    return (
        row.at,
        row.day(),
        row.request_id,
        row.session_id,
        row.project,
        row.route,
        row.model,
        row.tried_json(),
        row.status,
        row.stop_reason,
        row.input_tokens,
        row.output_tokens,
        row.cache_read_tokens,
        row.cache_write_tokens,
        row.cost_usd,
        row.cost_source,
        row.latency_ms,
        row.ttft_ms,
        int(row.stream),
        row.key_name,
    )


def insert_batch(conn: sqlite3.Connection, rows: Sequence[UsageRow]) -> None:
    """All of ``rows`` or none of them (the transaction rolls back on any error)."""
    if not rows:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(_INSERT, [params(r) for r in rows])
        conn.executemany(_UPSERT, [_rollup_params(k, s) for k, s in fold(rows).items()])
        conn.executemany(_LATENCY, [(*k, n) for k, n in latency_counts(rows).items()])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _rollup_params(key: RollupKey, sums: Sums) -> tuple[Any, ...]:
    return (
        *key,
        sums.requests,
        sums.errors,
        sums.fallbacks,
        sums.input_tokens,
        sums.output_tokens,
        sums.cache_read_tokens,
        sums.cache_write_tokens,
        sums.cost_usd,
        sums.unknown_cost_requests,
    )


def prune_once(conn: sqlite3.Connection, before: float, limit: int = PRUNE_BATCH) -> int:
    """Delete up to ``limit`` requests older than ``before`` (unix s), and a day of sums.

    Returns the rows deleted; call again until it returns 0. Sums are kept by whole hours and
    histograms by whole days, so the cut is rounded down to the hour and to the local day.
    """
    hour = int(before // 3600)
    cut_day = time.strftime("%Y-%m-%d", time.localtime(hour * 3600))
    conn.execute("BEGIN IMMEDIATE")
    try:
        deleted = conn.execute(
            "DELETE FROM requests WHERE id IN "
            "(SELECT id FROM requests WHERE at < ? ORDER BY at LIMIT ?)",
            (hour * 3600.0, limit),
        ).rowcount
        first = conn.execute("SELECT MIN(hour) FROM rollup").fetchone()[0]
        if first is not None and first < hour:
            deleted += conn.execute(
                "DELETE FROM rollup WHERE hour < ?", (min(hour, first + 24),)
            ).rowcount
        for dim in DIMENSIONS:
            oldest = conn.execute("SELECT MIN(day) FROM latency WHERE dim = ?", (dim,)).fetchone()
            if oldest[0] is not None and oldest[0] < cut_day:
                deleted += conn.execute(
                    "DELETE FROM latency WHERE dim = ? AND day = ?", (dim, oldest[0])
                ).rowcount
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(deleted)
