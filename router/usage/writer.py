"""``LedgerWriter``: rows go to a bounded in-memory queue; one thread writes them in batches.

The request path only appends to a ``deque`` (``put``: never blocks, never touches SQLite). The
writer thread wakes every ``interval_s`` (or when ``batch_rows`` rows are waiting), writes what
is queued in transactions of up to ``batch_rows`` rows, and now and then prunes rows older than
the retention in small batches. A full queue drops new rows; the writer logs how many.

``close()`` writes everything still queued (the lifespan calls it on SIGTERM and ``ccrouter
stop``); an ``atexit`` hook does the same if the process exits without it. After ``kill -9`` the
rows of the last ``interval_s`` are lost, never the file: SQLite's WAL keeps it consistent, and
its busy timeout lets two ccrouter processes (a restart overlapping the old one) share it.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from ccrouter.usage.record import UsageRow
from ccrouter.usage.schema import LedgerError, connect
from ccrouter.usage.store import insert_batch, prune_once

log = logging.getLogger("ccrouter.usage")

MAX_QUEUE = 50_000  # rows; ~25 MB at worst, minutes of traffic at any realistic rate
PRUNE_EVERY_S = 600.0
PRUNE_BATCHES_PER_TICK = 5


class LedgerWriter:
    def __init__(
        self,
        path: Path,
        *,
        retain_days: int = 90,
        max_queue: int = MAX_QUEUE,
        batch_rows: int = 500,
        interval_s: float = 0.5,
        prune_every_s: float = PRUNE_EVERY_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.retain_days = retain_days
        self.max_queue = max_queue
        self.batch_rows = batch_rows
        self.interval_s = interval_s
        self.prune_every_s = prune_every_s
        self._clock = clock
        self._queue: deque[UsageRow] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._done = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.queued = 0  # rows accepted by put
        self.written = 0  # rows committed to the file
        self.dropped = 0  # rows refused because the queue was full (or the writer closed)
        self.lost = 0  # rows accepted but never written (the file failed until close)
        self._dropped_logged = 0
        self._next_prune = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ccrouter-usage", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def put(self, row: UsageRow) -> bool:
        """Queue one row; False (and counted in ``dropped``) when the queue is full."""
        if self._closed or len(self._queue) >= self.max_queue:
            self.dropped += 1
            return False
        self._queue.append(row)
        self.queued += 1
        if len(self._queue) >= self.batch_rows:
            self._wake.set()
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every row queued so far is written (or lost); False on timeout."""
        target = self.queued
        self._wake.set()
        with self._done:
            return self._done.wait_for(lambda: self.written + self.lost >= target, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued, then stop the thread. Idempotent."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("usage ledger: %d rows still unwritten at exit", len(self._queue))

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        failing = False
        while True:
            stopping = self._stop.is_set()
            if conn is None:
                conn = self._open(quiet=failing)
                failing = conn is None
            if conn is not None:
                failing = not self._drain(conn, final=stopping)
                if not stopping and not failing:
                    self._prune_if_due(conn)
            if stopping:
                break
            self._report_drops()
            self._wake.wait(self.interval_s)
            self._wake.clear()
        self._give_up_on_queue()
        self._report_drops()
        if conn is not None:
            conn.close()

    def _open(self, quiet: bool) -> sqlite3.Connection | None:
        try:
            return connect(self.path)
        except (LedgerError, OSError, sqlite3.Error) as exc:
            if not quiet:
                log.warning("usage ledger off until %s opens: %s", self.path, exc)
            return None

    def _drain(self, conn: sqlite3.Connection, final: bool) -> bool:
        """Write what is queued; False when the file refused a batch (kept for the next try)."""
        tries = 3 if final else 1
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(self.batch_rows, len(self._queue)))]
            for attempt in range(tries):
                try:
                    insert_batch(conn, batch)
                    break
                except sqlite3.Error as exc:
                    if attempt == tries - 1:
                        log.warning("usage ledger: writing %d rows failed: %s", len(batch), exc)
                        self._queue.extendleft(reversed(batch))
                        return False
            with self._done:
                self.written += len(batch)
                self._done.notify_all()
        return True

    def _give_up_on_queue(self) -> None:
        """At the end, rows the file would not take are lost; say how many."""
        if self._queue:
            log.warning("usage ledger: %d rows could not be written", len(self._queue))
        with self._done:
            self.lost += len(self._queue)
            self._queue.clear()
            self._done.notify_all()

    def _prune_if_due(self, conn: sqlite3.Connection) -> None:
        now = self._clock()
        if self.retain_days <= 0 or now < self._next_prune:
            return
        cutoff = now - self.retain_days * 86400
        try:
            for _ in range(PRUNE_BATCHES_PER_TICK):
                if prune_once(conn, cutoff) == 0:
                    self._next_prune = now + self.prune_every_s
                    return
        except sqlite3.Error as exc:
            log.warning("usage ledger: pruning failed: %s", exc)
            self._next_prune = now + self.prune_every_s
        # More to delete: continue on the next tick, between batches of new rows.

    def _report_drops(self) -> None:
        if self.dropped > self._dropped_logged:
            log.warning(
                "usage ledger: queue full (%d rows); %d rows dropped so far",
                self.max_queue,
                self.dropped,
            )
            self._dropped_logged = self.dropped
