"""Run user route functions off the serving event loop, within a wall-clock budget.

- ``RouterThreads``: a few daemon worker threads per router file, each with its own event loop.
  A sync ``route()`` runs on a worker; an async one (or any awaitable a route returns) runs to
  completion on that worker's loop. So ``time.sleep`` inside ``async def route`` blocks one worker,
  never the server. The budget is kept on the *caller's* side: the caller stops waiting when it
  runs out, whatever the worker is doing; an async route still running is then cancelled on its
  loop, a blocked sync one is left to finish on its thread (Python cannot stop a thread).
- ``Guard``: counts a router's failures (timeouts, exceptions) in a row; at ``FAILURES_TO_OFF``
  the router is switched off, with one warning naming the file, until the file changes (a
  changed file is loaded with a fresh guard).

Workers are daemon threads, so a router stuck for good never holds up ccrouter's exit; a worker
idle for ``IDLE_S`` seconds ends, so the pool of a replaced file goes away by itself.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("ccrouter.routing.custom")

FAILURES_TO_OFF = 3  # timeouts or exceptions in a row that switch a router off
WORKERS = 4  # per router file: enough for concurrent requests, few enough to leak little
IDLE_S = 60.0


class _Job:
    """One call: runs on a worker, reports to the caller's loop; cancellable from the caller."""

    __slots__ = ("args", "caller", "cancelled", "func", "future", "task", "worker_loop")

    def __init__(
        self,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        caller: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
    ) -> None:
        self.func = func
        self.args = args
        self.caller = caller
        self.future = future
        self.cancelled = False
        self.task: asyncio.Future[Any] | None = None  # an awaitable result, on the worker loop
        self.worker_loop: asyncio.AbstractEventLoop | None = None

    def run(self, loop: asyncio.AbstractEventLoop) -> tuple[Any, BaseException | None]:
        """Call the function (on this worker); its result or exception, for ``report``."""
        try:
            result = self.func(*self.args)
            if inspect.isawaitable(result):
                self.worker_loop = loop
                self.task = asyncio.ensure_future(result, loop=loop)
                if self.cancelled:
                    self.task.cancel()
                result = loop.run_until_complete(self.task)
        except (Exception, asyncio.CancelledError) as exc:
            return None, exc
        except BaseException as exc:  # sys.exit() in a route: a failure, never ccrouter's exit
            return None, RuntimeError(f"{type(exc).__name__}: {exc}")
        return result, None

    def cancel(self) -> None:
        """The caller gave up: skip the job if not started, cancel an async route running."""
        self.cancelled = True
        task, loop = self.task, self.worker_loop
        if task is not None and loop is not None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the worker loop is closed: the job is over anyway
                pass

    def report(self, result: Any, exc: BaseException | None) -> None:
        try:
            self.caller.call_soon_threadsafe(_settle, self.future, result, exc)
        except RuntimeError:  # the caller's loop is closed: nobody is waiting
            pass


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.done():  # timed out or cancelled meanwhile
        return
    if exc is None:
        future.set_result(result)
    elif isinstance(exc, asyncio.CancelledError):
        future.set_exception(TimeoutError("cancelled after its budget"))
    else:
        future.set_exception(exc)


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


class RouterThreads:
    """Up to ``size`` daemon workers, started when needed, each with its own event loop."""

    def __init__(self, name: str, size: int = WORKERS, idle_s: float = IDLE_S) -> None:
        self.name = name
        self.size = size
        self.idle_s = idle_s
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)  # one token per worker waiting for a job
        self._lock = threading.Lock()
        self.threads = 0

    async def call(self, func: Callable[..., Any], args: tuple[Any, ...], budget_s: float) -> Any:
        """``func(*args)`` (awaited on the worker when awaitable); ``TimeoutError`` after
        ``budget_s`` seconds of wall-clock time on the caller's side."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        job = _Job(func, args, loop, future)
        self._submit(job)
        timer = loop.call_later(budget_s, _expire, future)
        try:
            return await future
        except BaseException:  # timed out, or the request itself was cancelled
            job.cancel()
            raise
        finally:
            timer.cancel()

    def _submit(self, job: _Job) -> None:
        with self._lock:
            self._queue.put(job)
            if self._idle.acquire(blocking=False):  # a waiting worker takes it
                return
            if self.threads < self.size:
                self.threads += 1
                name = f"ccrouter-router-{self.name}-{self.threads}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
            # else: every worker is busy (or stuck); the job waits and may time out queued

    def _work(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            while True:
                try:
                    job = self._queue.get(timeout=self.idle_s)
                except queue.Empty:
                    with self._lock:
                        if self._idle.acquire(blocking=False):  # nobody is handing us a job
                            self.threads -= 1
                            return
                    continue  # a job was just put for us: take it
                if job.cancelled:  # timed out while queued
                    self._idle.release()
                    continue
                result, exc = job.run(loop)
                self._idle.release()  # before the caller hears back: its next call finds us
                job.report(result, exc)
        finally:
            loop.close()


class Guard:
    """A router's failures in a row, and whether it is switched off (until its file changes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.failures = 0
        self.off = False
        self.threads = RouterThreads(path.stem)

    def succeeded(self) -> None:
        self.failures = 0

    def failed(self, what: str) -> None:
        self.failures += 1
        if self.failures >= FAILURES_TO_OFF and not self.off:
            self.off = True
            log.warning(
                "custom router %s switched off: it failed %d times in a row (last: %s); it is "
                "used again once the file changes",
                self.path.name,
                self.failures,
                what,
            )

    def why_off(self) -> str | None:
        if not self.off:
            return None
        return (
            f"custom router {self.path.name} is switched off after {self.failures} failures "
            "in a row; save the file to turn it back on"
        )
