from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccrouter.usage.record import TriedModel
from ccrouter.usage.schema import connect
from ccrouter.usage.store import insert_batch, prune_once
from tests.router.usage.rows import make_row

DAY = 86400.0


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect(tmp_path / "usage.db")
    yield connection
    connection.close()


def count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_a_batch_writes_every_column(conn: sqlite3.Connection) -> None:
    row = make_row(
        tried=(TriedModel("p,a", "429"), TriedModel("p,b", "ok")), key_name="ci", ttft_ms=12.5
    )
    insert_batch(conn, [row])
    got = conn.execute(
        "SELECT request_id, session_id, project, route, model, tried, status, stop_reason, "
        "input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, "
        "cost_source, latency_ms, ttft_ms, stream, key_name, day FROM requests"
    ).fetchone()
    assert got[:5] == ("req_1", "s1", "~/code/a", "default", "openrouter,m/a")
    assert json.loads(got[5]) == [["p,a", "429"], ["p,b", "ok"]]
    assert got[6:] == (
        "ok",
        "end_turn",
        100,
        20,
        300,
        0,
        0.01,
        "reported",
        1000.0,
        12.5,
        1,
        "ci",
        row.day(),
    )


def test_the_rollup_adds_up_across_batches(conn: sqlite3.Connection) -> None:
    insert_batch(conn, [make_row(), make_row(cost_usd=None)])
    insert_batch(conn, [make_row(status="error 500")])
    assert count(conn, "requests") == 3
    got = conn.execute(
        "SELECT requests, errors, cost_usd, unknown_cost_requests, input_tokens FROM rollup"
    ).fetchall()
    assert got == [(3, 1, pytest.approx(0.02), 1, 300)]
    per_model = conn.execute("SELECT SUM(requests) FROM latency WHERE dim = 'model'").fetchone()
    assert per_model[0] == 3


def test_a_failing_batch_writes_nothing(conn: sqlite3.Connection) -> None:
    bad = make_row(request_id=None)  # type: ignore[arg-type]  # NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        insert_batch(conn, [make_row(), bad])
    assert count(conn, "requests") == count(conn, "rollup") == count(conn, "latency") == 0
    insert_batch(conn, [])  # nothing to do
    assert not conn.in_transaction


def test_pruning_goes_in_small_batches_and_keeps_recent_rows(conn: sqlite3.Connection) -> None:
    now = 1_796_000_000.0
    old = [make_row(at=now - 100 * DAY + i) for i in range(5)]
    insert_batch(conn, [*old, make_row(at=now)])
    cutoff = now - 90 * DAY
    deleted = prune_once(conn, cutoff, limit=2)
    assert 2 <= deleted and count(conn, "requests") == 4
    while prune_once(conn, cutoff, limit=2):
        pass
    assert count(conn, "requests") == 1
    assert conn.execute("SELECT MIN(hour) FROM rollup").fetchone()[0] == int(now // 3600)
    days = {r[0] for r in conn.execute("SELECT DISTINCT day FROM latency")}
    assert days == {make_row(at=now).day()}
