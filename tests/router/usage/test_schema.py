from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ccrouter.usage.schema import VERSION, LedgerError, connect, migrate, version_of


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_an_empty_file_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    path.touch()  # an empty file is an empty database (version 0)
    conn = connect(path)
    assert version_of(conn) == VERSION
    assert {"requests", "rollup", "latency"} <= tables(conn)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_missing_file_and_its_folder_are_created(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "usage.db"
    connect(path).close()
    assert path.exists()


def test_the_indexes_serve_time_project_model_and_session(tmp_path: Path) -> None:
    conn = connect(tmp_path / "usage.db")
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {
        "requests_at",
        "requests_project_at",
        "requests_model_at",
        "requests_session_at",
    } <= names
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM requests WHERE project = ? AND at >= ?", ("p", 0)
    ).fetchall()
    assert "requests_project_at" in str(plan)
    conn.close()


def test_opening_again_keeps_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    conn = connect(path)
    conn.execute(
        "INSERT INTO requests (at, day, request_id, route, model, status) VALUES (1, 'd', 'r', 'x', 'm', 'ok')"
    )
    conn.close()
    conn = connect(path)
    assert conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 1
    conn.close()


def test_migrations_run_in_order_from_any_version(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    steps = (
        "CREATE TABLE a (x INTEGER)",
        "ALTER TABLE a ADD COLUMN y TEXT; CREATE INDEX a_y ON a (y)",
    )
    assert migrate(conn, steps[:1]) == 1
    assert migrate(conn, steps) == 2
    assert migrate(conn, steps) == 2  # nothing left to do
    assert [r[1] for r in conn.execute("PRAGMA table_info(a)")] == ["x", "y"]
    conn.close()


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, ("CREATE TABLE a (x INTEGER); NOT SQL",))
    assert version_of(conn) == 0 and "a" not in tables(conn)
    conn.close()


def test_a_newer_schema_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {VERSION + 1}")
    conn.close()
    with pytest.raises(LedgerError, match="upgrade ccrouter"):
        connect(path)


def test_a_file_that_is_not_a_database_is_a_ledger_error(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match=str(path)):
        connect(path)
