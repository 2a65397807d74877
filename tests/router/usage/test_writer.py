from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccrouter.usage.writer import LedgerWriter
from tests.router.usage.rows import make_row

ROOT = Path(__file__).resolve().parents[3]
CHILD = [sys.executable, "-m", "tests.router.usage.writer_child"]
DAY = 86400.0


def rows_in(path: Path, table: str = "requests") -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created yet
    finally:
        conn.close()


def wait_for(check: object, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[LedgerWriter]:
    w = LedgerWriter(tmp_path / "usage.db", interval_s=0.05)
    w.start()
    yield w
    w.close()


def child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CHILD, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ}
    )


def stopped(process: subprocess.Popen[str]) -> int:
    try:
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_rows_are_written_in_the_background(writer: LedgerWriter) -> None:
    for i in range(1200):  # more than one batch
        assert writer.put(make_row(request_id=str(i)))
    assert writer.flush(timeout=20)
    assert writer.written == 1200 and rows_in(writer.path) == 1200


def test_close_writes_everything_queued(tmp_path: Path) -> None:
    w = LedgerWriter(tmp_path / "usage.db", interval_s=60.0, batch_rows=10**6)
    w.start()
    for i in range(300):
        w.put(make_row(request_id=str(i)))
    w.close()
    w.close()  # again: nothing to do
    assert rows_in(w.path) == 300 and w.written == 300


def test_a_full_queue_drops_rows_with_a_counted_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    w = LedgerWriter(tmp_path / "usage.db", max_queue=10)  # not started: nothing drains
    accepted = [w.put(make_row(request_id=str(i))) for i in range(25)]
    assert accepted == [True] * 10 + [False] * 15 and w.dropped == 15
    with caplog.at_level(logging.WARNING, logger="ccrouter.usage"):
        w.start()
        w.close()
    assert rows_in(w.path) == 10
    assert "15 rows dropped" in caplog.text
    assert not w.put(make_row())  # closed


def test_put_never_blocks_while_another_process_holds_the_file(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    w = LedgerWriter(path, interval_s=0.01)
    w.start()
    w.put(make_row())
    assert w.flush(timeout=20)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the write lock, held
    try:
        started = time.perf_counter()
        for i in range(1000):
            w.put(make_row(request_id=str(i)))
        assert time.perf_counter() - started < 0.5
    finally:
        other.execute("COMMIT")
        other.close()
    assert w.flush(timeout=20) and rows_in(path) == 1001
    w.close()


def test_a_file_that_cannot_be_opened_loses_rows_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    w = LedgerWriter(folder, interval_s=0.01)  # a folder is not a database file
    with caplog.at_level(logging.WARNING, logger="ccrouter.usage"):
        w.start()
        w.put(make_row())
        w.close()
    assert w.lost == 1 and "usage ledger off" in caplog.text


def test_old_rows_are_pruned_in_the_background(tmp_path: Path) -> None:
    now = 1_796_000_000.0
    w = LedgerWriter(tmp_path / "usage.db", interval_s=0.01, retain_days=90, clock=lambda: now)
    w.put(make_row(at=now - 100 * DAY))
    w.put(make_row(at=now))
    w.start()
    assert w.flush(timeout=20)
    wait_for(lambda: rows_in(w.path) == 1, "the old row pruned")
    w.close()


def test_sigterm_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    process = child(str(path), "burst", "2000", "a")
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "queued 2000"
        assert rows_in(path) == 0  # still queued: only close() writes them
        process.send_signal(signal.SIGTERM)
    finally:
        assert stopped(process) == 0
    assert rows_in(path) == 2000


def test_kill_9_loses_at_most_the_last_second(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    process = child(str(path), "steady")
    try:
        wait_for(lambda: rows_in(path) >= 100, "100 rows written")
        killed_at = time.time()
        process.kill()
    finally:
        stopped(process)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = [int(r[0]) for r in conn.execute("SELECT request_id FROM requests ORDER BY id")]
    last_at = conn.execute("SELECT MAX(at) FROM requests").fetchone()[0]
    conn.close()
    assert ids == list(range(len(ids)))  # a prefix of what was queued, no holes
    assert killed_at - last_at < 1.0


def test_two_processes_share_one_file(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    processes = [child(str(path), "write", "3000", prefix) for prefix in ("a", "b")]
    for process in processes:
        assert stopped(process) == 0
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(DISTINCT request_id) FROM requests").fetchone()[0] == 6000
    assert conn.execute("SELECT SUM(requests) FROM rollup").fetchone()[0] == 6000
    conn.close()
