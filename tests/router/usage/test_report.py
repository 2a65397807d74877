from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from ccrouter.usage.record import TriedModel
from ccrouter.usage.report import group_sums, parse_since, usage_report
from ccrouter.usage.schema import connect
from ccrouter.usage.store import insert_batch
from tests.router.usage.rows import make_row

NOW = time.mktime((2026, 12, 8, 15, 30, 0, 0, 0, -1))  # local time


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect(tmp_path / "usage.db")
    yield connection
    connection.close()


def test_parse_since() -> None:
    assert parse_since("24h", NOW) == NOW - 86400
    assert parse_since("7d", NOW) == NOW - 7 * 86400
    assert parse_since("30m", NOW) == NOW - 1800
    assert parse_since("2w", NOW) == NOW - 14 * 86400
    assert parse_since("today", NOW) == time.mktime((2026, 12, 8, 0, 0, 0, 0, 0, -1))
    assert parse_since("2026-12-01", NOW) == time.mktime((2026, 12, 1, 0, 0, 0, 0, 0, -1))
    assert parse_since("2026-12-01T09:00", NOW) == time.mktime((2026, 12, 1, 9, 0, 0, 0, 0, -1))
    assert (
        parse_since("2026-12-01T09:00+00:00", NOW)
        == datetime.fromisoformat("2026-12-01T09:00+00:00").timestamp()
    )
    assert parse_since("all", NOW) == 0.0
    with pytest.raises(ValueError, match="use a span"):
        parse_since("yesterday-ish", NOW)


def test_totals_and_groups_by_model(conn: sqlite3.Connection) -> None:
    insert_batch(
        conn,
        [
            make_row(at=NOW - 60, cost_usd=0.25, latency_ms=100.0),
            make_row(at=NOW - 50, cost_usd=0.5, latency_ms=200.0),
            make_row(
                at=NOW - 40,
                model="openrouter,m/b",
                cost_usd=None,
                cost_source="unknown",
                status="error 502",
                tried=(TriedModel("openrouter,m/a", "429"), TriedModel("openrouter,m/b", "502")),
            ),
        ],
    )
    report = usage_report(conn, NOW - 3600, "model")
    assert report["by"] == "model"
    first, second = report["groups"]
    assert first["key"] == "openrouter,m/a" and first["requests"] == 2
    assert first["cost_usd"] == 0.75 and first["unknown_cost_requests"] == 0
    assert (
        second["errors"] == 1 and second["fallbacks"] == 1 and second["unknown_cost_requests"] == 1
    )
    total = report["total"]
    assert total["key"] == "total" and total["requests"] == 3 and total["cost_usd"] == 0.75
    assert total["input_tokens"] == 300 and total["output_tokens"] == 60
    assert total["cache_read_tokens"] == 900 and total["cache_write_tokens"] == 0
    assert total["cache_hit_rate"] == 0.75  # 900 read of 1200 input tokens
    assert 95 <= (first["p50_latency_ms"] or 0) <= 105
    assert 190 <= (first["p95_latency_ms"] or 0) <= 210


@pytest.mark.parametrize("offset_s", [0, 1, 1799, 3600, 3601, 7 * 3600, 20 * 3600 + 5, 86400])
def test_any_since_is_exact_across_hours_and_days(conn: sqlite3.Connection, offset_s: int) -> None:
    # one request every 10 minutes for two days, each costing 1 cent
    start = NOW - 2 * 86400
    rows = [make_row(at=start + i * 600, cost_usd=0.01, latency_ms=500.0) for i in range(288)]
    insert_batch(conn, rows)
    since = start + offset_s
    expected = [r for r in rows if r.at >= since]
    for by in ("day", "model", "session", "project", "route", "key"):
        report = usage_report(conn, since, by)  # type: ignore[arg-type]
        total = report["total"]
        assert total["requests"] == len(expected), by
        assert total["cost_usd"] == pytest.approx(0.01 * len(expected)), by
        assert sum(g["requests"] for g in report["groups"]) == len(expected)
        assert total["p50_latency_ms"] is not None and 480 <= total["p50_latency_ms"] <= 520


def test_by_day_is_in_date_order_and_missing_keys_are_none(conn: sqlite3.Connection) -> None:
    insert_batch(conn, [make_row(at=NOW - 86400, key_name=None), make_row(at=NOW, key_name=None)])
    days = usage_report(conn, 0, "day")["groups"]
    assert [g["key"] for g in days] == sorted(g["key"] or "" for g in days) and len(days) == 2
    assert [g["key"] for g in usage_report(conn, 0, "key")["groups"]] == [None]


def test_no_ledger_is_an_empty_report() -> None:
    report = usage_report(None, NOW - 86400, "project")
    assert report["groups"] == [] and report["total"]["requests"] == 0
    assert report["total"]["cache_hit_rate"] is None and report["total"]["p50_latency_ms"] is None
    assert report["since"].startswith("2026-12-07T15:30:00")


def test_group_sums_is_the_running_total_per_group(conn: sqlite3.Connection) -> None:
    insert_batch(conn, [make_row(at=NOW, project="~/a"), make_row(at=NOW, project=None)])
    sums = group_sums(conn, NOW - 10, "project")
    assert set(sums) == {"~/a", ""} and sums["~/a"].cost_usd == pytest.approx(0.01)
