"""Start-up: interpreter and import times, and spawn → first healthy ``/health``.

Each figure is the median of a few fresh processes pinned to the router core; the resident
memory is read once the port accepts connections (before any request) and after ``/health``.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from procs import rss_mb
from targets import PY, ROUTER_CPU, Targets


def _run_code(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["taskset", "-c", str(ROUTER_CPU), PY, "-c", code],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def _wall_s(code: str) -> float:
    t = time.perf_counter()
    _run_code(code)
    return time.perf_counter() - t


def _import_s(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return float(_run_code(code).stdout.strip().splitlines()[-1])


async def measure(targets: Targets, config: Path, quick: bool) -> dict[str, Any]:
    runs = 2 if quick else 5
    interpreter = statistics.median(_wall_s("pass") for _ in range(runs))
    imports = statistics.median(_import_s("ccrouter.server.run") for _ in range(runs))
    try:
        cli: float | None = statistics.median(_import_s("ccrouter.cli.main") for _ in range(runs))
    except subprocess.CalledProcessError:
        cli = None
    ready, listening, after_health = [], [], []
    for n in range(runs):
        proc, _, seconds = await targets.start_router(config, f"startup-{n}.log", probe_rss=True)
        ready.append(seconds)
        if targets.last_listening_rss is not None:
            listening.append(targets.last_listening_rss)
        await asyncio.sleep(0.3)
        after_health.append(rss_mb(proc.pid))
        targets.procs.stop(proc)
    return {
        "interpreter_ms": round(interpreter * 1000, 1),
        "import_ccrouter_serve_ms": round(imports * 1000, 1),
        "import_ccrouter_cli_ms": round(cli * 1000, 1) if cli is not None else None,
        "ready_s": round(statistics.median(ready), 3),
        "ready_runs_s": [round(s, 3) for s in ready],
        "rss_listening_mb": round(statistics.median(listening), 1) if listening else None,
        "rss_after_health_mb": round(statistics.median(after_health), 1),
        "launcher": targets.launcher,
    }
