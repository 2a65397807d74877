"""The ledger's SQLite file: open it (WAL, busy timeout) and bring its schema up to date.

``PRAGMA user_version`` is the schema version: 0 is an empty file, ``MIGRATIONS[n]`` takes
version n to n + 1. A migration runs in a ``BEGIN IMMEDIATE`` transaction and re-reads the
version inside it, so two ccrouter processes opening one new file migrate it once.

Tables (version 1):
- ``requests``: one row per request (see ``record.UsageRow``); indexes for time, project,
  model and session queries, and for pruning by time.
- ``rollup``: the same rows summed per hour and (day, route, model, project, session, key);
- ``latency``: a latency histogram per ``--by`` dimension, value and day (``record.latency_bucket``).
Both are written in the same transaction as ``requests``, so a report over a million rows reads
a few thousand rollup rows instead. Statements are split on ``;``: none may contain one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000  # another process holds the write lock at most one batch long

_V1 = """
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    day TEXT NOT NULL,
    request_id TEXT NOT NULL,
    session_id TEXT,
    project TEXT,
    route TEXT NOT NULL,
    model TEXT NOT NULL,
    tried TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    stop_reason TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL,
    cost_source TEXT NOT NULL DEFAULT 'unknown',
    latency_ms REAL NOT NULL DEFAULT 0,
    ttft_ms REAL,
    stream INTEGER NOT NULL DEFAULT 0,
    key_name TEXT
);
CREATE INDEX requests_at ON requests (at);
CREATE INDEX requests_project_at ON requests (project, at);
CREATE INDEX requests_model_at ON requests (model, at);
CREATE INDEX requests_session_at ON requests (session_id, at);
CREATE TABLE rollup (
    hour INTEGER NOT NULL,
    day TEXT NOT NULL,
    route TEXT NOT NULL,
    model TEXT NOT NULL,
    project TEXT NOT NULL,
    session_id TEXT NOT NULL,
    key_name TEXT NOT NULL,
    requests INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    fallbacks INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    unknown_cost_requests INTEGER NOT NULL,
    PRIMARY KEY (hour, day, route, model, project, session_id, key_name)
) WITHOUT ROWID;
CREATE TABLE latency (
    dim TEXT NOT NULL,
    day TEXT NOT NULL,
    value TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (dim, day, value, bucket)
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[str, ...] = (_V1,)
VERSION = len(MIGRATIONS)


class LedgerError(Exception):
    """The ledger file cannot be used (newer schema, not a database, unreadable)."""


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, migrated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise LedgerError(f"usage ledger {path}: {exc}") from exc
    except LedgerError as exc:
        conn.close()
        raise LedgerError(f"usage ledger {path}: {exc}") from exc
    return conn


def version_of(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, migrations: tuple[str, ...] = MIGRATIONS) -> int:
    """Apply the missing migrations, one transaction each; returns the version reached."""
    while True:
        current = version_of(conn)
        if current > len(migrations):
            raise LedgerError(
                f"schema version {current} is newer than this ccrouter knows "
                f"({len(migrations)}); upgrade ccrouter"
            )
        if current == len(migrations):
            return current
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version_of(conn) == current:  # nobody else migrated while we waited
                for statement in _statements(migrations[current]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """A script's statements (``executescript`` would commit the open transaction)."""
    return [s.strip() for s in script.split(";") if s.strip()]
