"""Processes the benchmark starts (and only those), and what /proc says about them."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

CLK_TCK = os.sysconf("SC_CLK_TCK")


class Processes:
    """Starts processes in their own session and ends exactly those, by pid/pgid, at close."""

    def __init__(self, nice: int = 0) -> None:
        self.started: list[subprocess.Popen[bytes]] = []
        self.nice = nice  # negative: run ahead of other work on the machine (needs root)

    def spawn(
        self,
        argv: list[str],
        *,
        cpu: int | None,
        stdout: IO[bytes] | int | None = subprocess.DEVNULL,
        stderr: IO[bytes] | int | None = subprocess.DEVNULL,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> subprocess.Popen[bytes]:
        if cpu is not None:
            argv = ["taskset", "-c", str(cpu), *argv]  # taskset execs: the pid is the program's
        proc = subprocess.Popen(
            argv, stdout=stdout, stderr=stderr, env=env, cwd=cwd, start_new_session=True
        )
        self.started.append(proc)
        if self.nice:
            boost(proc.pid, self.nice)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace_s: float = 3.0) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if proc in self.started:
            self.started.remove(proc)

    def close(self) -> None:
        for proc in list(self.started):
            try:
                self.stop(proc)
            except Exception:  # keep going: every other process must still be ended
                pass


def boost(pid: int, nice: int) -> None:
    """Run ``pid`` ahead of other work: its own session is its own scheduling autogroup, so
    the autogroup's nice value is what counts against other sessions (and the process's too)."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, nice)
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


def read_line(proc: subprocess.Popen[bytes], timeout_s: float) -> str:
    """The next stdout line of ``proc`` (started with stdout=PIPE), within ``timeout_s``."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    buffer = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 1)
        if not chunk:
            break
        if chunk == b"\n":
            return buffer.decode()
        buffer += chunk
    raise TimeoutError(f"no line from pid {proc.pid} within {timeout_s}s (got {buffer!r})")


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process, all threads (``/proc/<pid>/stat``)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def core_times() -> dict[int, tuple[int, int]]:
    """Per core: (busy, total) jiffies from ``/proc/stat``."""
    out: dict[int, tuple[int, int]] = {}
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu") and line[3:4].isdigit():
            name, *values = line.split()
            numbers = [int(v) for v in values[:8]]
            idle = numbers[3] + numbers[4]
            out[int(name[3:])] = (sum(numbers) - idle, sum(numbers))
    return out


class Usage:
    """CPU used between ``start()`` and ``stop()``: per watched pid, and per core."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self._cpu: dict[str, float] = {}
        self._cores: dict[int, tuple[int, int]] = {}
        self._t = 0.0
        self.result: dict[str, Any] = {}

    def start(self) -> None:
        self._cpu = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._cores = core_times()
        self._t = time.perf_counter()

    def stop(self) -> dict[str, Any]:
        wall = time.perf_counter() - self._t
        cpu = {name: cpu_seconds(pid) - self._cpu[name] for name, pid in self.pids.items()}
        cores = core_times()
        busy = {
            core: (cores[core][0] - b0) / max(1, cores[core][1] - t0)
            for core, (b0, t0) in self._cores.items()
            if core in cores
        }
        self.result = {
            "wall_s": wall,
            "cpu_s": cpu,
            "core_busy": {str(core): round(value, 3) for core, value in busy.items()},
        }
        return self.result


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def own_priority(nice: int) -> Callable[[], None]:
    """Boost this process (the load generator) like the others; returns the undo."""
    if not nice:
        return lambda: None
    group = Path("/proc/self/autogroup")
    try:
        before_group: str | None = group.read_text().split()[-1]
    except (OSError, IndexError):
        before_group = None
    before = os.getpriority(os.PRIO_PROCESS, 0)
    boost(os.getpid(), nice)

    def undo() -> None:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, before)
        if before_group is not None:
            with contextlib.suppress(OSError):
                group.write_text(before_group)

    return undo
