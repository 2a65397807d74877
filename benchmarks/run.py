"""The ccrouter benchmark: one command, bounded, under five minutes (``--quick``: under a minute).

    .venv/bin/python benchmarks/run.py [--quick] [--json FILE] [--no-boost] [--profile]

Starts the fake OpenRouter (``fake_upstream.py``), a bare pass-through reference
(``passthrough.py``: starlette + aiohttp, no translation) and ``python -m ccrouter serve``, all on
loopback: the servers pinned to core 0, the load generator (this process) and the fake to
core 1 (``targets.py``). For every workload (``workloads.py``) the same load runs against each
target in the same run: straight at the fake with the equivalent OpenAI request (captured from
what ccrouter itself sent upstream), then through the pass-through and ccrouter. Reports
requests or streams per second, p50/p99 latency, time to first byte, errors (including a
validated sample of every target's bodies: ccrouter's streams through
``ccrouter.testing.streamcheck``), each server's CPU time per request (``/proc/<pid>/stat``) and
ccrouter's resident memory (``/proc/<pid>/status``), start-up (``startup.py``: import and
readiness), the cost of the per-request log line, classification time cold and warm
(``bench_classify.py``) and the per-chunk stream translation cost (``bench_stream.py``); the
tables and goals are built by ``report.py``.

Every loop is bounded by count and time; every process started here is ended in ``finally`` (also
on Ctrl-C and SIGTERM). On a shared machine the measured processes run at nice -15 (their
scheduling autogroups too) so other work does not distort the figures (``--no-boost`` to turn off).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_classify  # noqa: E402
import bench_stream  # noqa: E402
import report  # noqa: E402
import startup  # noqa: E402
from procs import Processes, own_priority, rss_mb  # noqa: E402
from targets import BOOST_NICE, LOAD_CPU, PY, Targets, write_config  # noqa: E402
from workloads import Measure, workloads  # noqa: E402


async def run(args: argparse.Namespace, tmp: Path, procs: Processes) -> dict[str, Any]:
    started = time.perf_counter()
    quick = bool(args.quick)
    targets = Targets(tmp, procs)
    measure = Measure(targets, quick)
    targets.start_fake()
    config = write_config(tmp / "info", targets.fake_port, "info")
    await measure.set_fake_answer()
    print("  start-up ...", file=sys.stderr, flush=True)
    startup_result = await startup.measure(targets, config, quick)

    await targets.start_passthrough()
    proc, port, ready_s = await targets.start_router(config, "router.log")
    servers = {"passthrough": (targets.pt_pid, targets.pt_port), "ccrouter": (proc.pid, port)}
    await asyncio.sleep(1.0)
    rss_idle = rss_mb(proc.pid)
    first = await measure.first_requests(port)
    rss_warm = rss_mb(proc.pid)

    results: dict[str, Any] = {}
    profiles: list[str] = []
    for w in workloads(quick):
        print(f"  {w.name}: {w.title} ...", file=sys.stderr, flush=True)
        spy = targets.start_profiler(proc.pid, w.name, w.duration_s) if args.profile else None
        results[w.name] = await measure.workload(w, servers)
        if spy is not None:
            procs.stop(spy[0], grace_s=30)
            profiles.append(spy[1])
    rss_after = rss_mb(proc.pid)

    print("  logging cost ...", file=sys.stderr, flush=True)
    small_32 = next(w for w in workloads(quick) if w.name == "small_32")
    logging_result = await measure.logging_cost(small_32)
    log_lines = (tmp / "router.log").read_text(errors="replace").splitlines()
    request_lines = [line for line in log_lines if " ccrouter.request " in line]
    logging_result["request_lines"] = len(request_lines)
    logging_result["requests_sent"] = measure.router_requests
    logging_result["sample_line"] = request_lines[0] if request_lines else None

    print("  classification, stream translation ...", file=sys.stderr, flush=True)
    classification = bench_classify.measure(repeats=3 if quick else 7)
    stream_translation = bench_stream.measure(repeats=10 if quick else 30)
    tokens_out = None if quick else bench_tokens()

    memory = {
        "idle_mb": round(rss_idle, 1),
        "listening_before_any_request_mb": startup_result["rss_listening_mb"],
        "after_first_requests_mb": round(rss_warm, 1),
        "after_run_mb": round(rss_after, 1),
    }
    startup_result["ready_main_s"] = round(ready_s, 3)
    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "mode": "quick" if quick else "full",
        "profiled": bool(args.profile),
        "priority_boost": procs.nice,
        "machine": report.machine(),
        "commit": report.git_commit(),
        "launcher": targets.launcher,
        "workloads": results,
        "first_requests": first,
        "memory": memory,
        "startup": startup_result,
        "logging": logging_result,
        "classification": classification,
        "stream_translation": stream_translation,
        "bench_tokens": tokens_out,
        "goals": report.goals(results, memory, startup_result),
        "peers": report.PEERS,
        "notes": targets.notes + measure.notes,
        "profiles": profiles,
        "run_s": round(time.perf_counter() - started, 1),
    }


def bench_tokens() -> list[str] | None:
    """``bench_tokens.py``'s output lines (the tokenizer alone), in a process of its own."""
    out = subprocess.run(
        [PY, str(HERE / "bench_tokens.py")], capture_output=True, text=True, timeout=120
    )
    return out.stdout.strip().splitlines() if out.returncode == 0 else None


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a ~45 s smoke run")
    parser.add_argument("--json", type=Path, help="write the report here (default for a full "
                        "run: benchmarks/results/latest.json)")  # fmt: skip
    parser.add_argument("--no-boost", action="store_true", help="do not raise the priority of "
                        "the benchmark's processes over other work on the machine")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="py-spy the main ccrouter during "
                        "each workload (figures then inflated; benchmarks/results/profiles/)")  # fmt: skip
    args = parser.parse_args()
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {LOAD_CPU})
    # SIGTERM ends the run like Ctrl-C: the finally below ends every process started here.
    signal.signal(signal.SIGTERM, _interrupt)
    nice = 0 if args.no_boost else BOOST_NICE
    procs = Processes(nice)
    restore = own_priority(nice)
    try:
        import uvloop

        with tempfile.TemporaryDirectory(prefix="ccrouter-bench-") as tmp:
            result = uvloop.run(run(args, Path(tmp), procs))
    except KeyboardInterrupt:
        print("interrupted: stopped everything started here", file=sys.stderr)
        return 130
    finally:
        procs.close()
        restore()
    print(f"\n{report.header(result)}\n")
    print(report.markdown(result))
    target = args.json or (None if args.quick or args.profile else HERE / "results" / "latest.json")
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
