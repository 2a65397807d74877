"""A/B: ccrouter variants, or source trees, side by side on the same load, in alternating rounds.

    .venv/bin/python benchmarks/ab.py --workload small_32 \\
        --variant base= --variant quiet=no_request_log --variant gc=gc_200k
    .venv/bin/python benchmarks/ab.py --workload large_4 --variant before@ab18637= --variant now=

Every variant (see ``variants.py``) runs as its own server on the router core, all at once;
``NAME@COMMIT=…`` runs that commit's code instead (a temporary ``git worktree``, laid out as the
installed package and put first on ``PYTHONPATH``). Each round measures every server in turn for
``--seconds``, the order reversed every other round, so drift on the machine hits all of them
alike. Reports per server the median over rounds of the rate, p50/p99, and ccrouter's CPU time
per request. Bounded: rounds × servers × (seconds + warm-up), then everything is stopped and
the worktrees removed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from loadgen import run_closed_loop  # noqa: E402
from payloads import CLAUDE_CODE_HEADERS, Variants, encode, http_request  # noqa: E402
from procs import Processes, Usage, own_priority  # noqa: E402
from targets import BOOST_NICE, HOST, LOAD_CPU, PY, Targets, write_config  # noqa: E402
from workloads import Measure, workloads  # noqa: E402


async def ab(args: argparse.Namespace, tmp: Path, procs: Processes) -> dict[str, Any]:
    targets = Targets(tmp, procs)
    measure = Measure(targets, quick=False)
    targets.start_fake()
    await measure.set_fake_answer()
    config = write_config(tmp / "config", targets.fake_port, args.log_level)
    workload = next(w for w in workloads(quick=False) if w.name == args.workload)
    raw = encode(workload.body)
    claude = Variants(http_request("/v1/messages", raw, CLAUDE_CODE_HEADERS))

    warn_config = write_config(tmp / "config-warn", targets.fake_port, "warn")
    no_usage_config = write_config(
        tmp / "config-no-usage", targets.fake_port, args.log_level, False
    )
    servers: dict[str, tuple[int, int]] = {}
    for spec in args.variant:
        name, _, names = spec.partition("=")
        name, _, commit = name.partition("@")
        parts = names.split(",")
        use = warn_config if "log_warn" in parts else config  # LOG_LEVEL warn in the config
        use = no_usage_config if "usage_off" in parts else use  # "Usage": {"enabled": false}
        names = ",".join(p for p in parts if p not in ("log_warn", "usage_off"))
        argv = [PY, str(HERE / "variants.py"), "--variants", names]
        env = None
        if commit:
            env = {**os.environ, "PYTHONPATH": str(package_of(commit, tmp))}
        proc, port, _ = await targets.start_router(use, f"{name}.log", argv=argv, env=env)
        servers[name] = (proc.pid, port)

    rows: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    for n in range(args.rounds):
        order = list(servers.items())
        for name, (pid, port) in order if n % 2 == 0 else order[::-1]:
            await run_closed_loop(
                HOST, port, claude.make, clients=workload.clients, max_requests=10**6,
                duration_s=args.warm,
            )  # fmt: skip
            usage = Usage({"ccrouter": pid})
            usage.start()
            result = await run_closed_loop(
                HOST, port, claude.make, clients=workload.clients, max_requests=10**6,
                duration_s=args.seconds, sample_every=50, max_samples=8,
            )  # fmt: skip
            u = usage.stop()
            s = result.summary()
            s["errors"] += measure.check_samples(result, workload.stream, anthropic=True)
            rows[name].append(
                {
                    "per_s": s["per_s"],
                    "p50_ms": s["p50_ms"],
                    "p99_ms": s["p99_ms"],
                    "cpu_us_per_req": u["cpu_s"]["ccrouter"] / max(1, result.ok) * 1e6,
                    "errors": s["errors"],
                }
            )
    out: dict[str, Any] = {"workload": workload.title, "rounds": args.rounds, "variants": {}}
    base_cpu = None
    for name, runs in rows.items():
        med: dict[str, Any] = {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}
        med["errors"] = sum(r["errors"] for r in runs)
        med["cpu_us_per_req_all"] = [round(r["cpu_us_per_req"]) for r in runs]
        med["cpu_us_per_req_min"] = round(min(r["cpu_us_per_req"] for r in runs))
        if base_cpu is None:
            base_cpu = med["cpu_us_per_req"]
        med["cpu_vs_first"] = round(med["cpu_us_per_req"] / base_cpu, 3)
        out["variants"][name] = med
    return out


REPO = HERE.parent


def package_of(commit: str, tmp: Path) -> Path:
    """A folder holding ``ccrouter`` as COMMIT had it (``router/`` + ``transformers/``)."""
    tree = tmp / f"tree-{commit}"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), commit],
        check=True,
        capture_output=True,
    )
    package = tmp / f"package-{commit}"
    shutil.copytree(tree / "router", package / "ccrouter")
    (package / "ccrouter" / "transformers").symlink_to(tree / "transformers")
    return package


def remove_worktrees(tmp: Path) -> None:
    for tree in tmp.glob("tree-*"):
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
            capture_output=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="small_32",
                        choices=["small_1", "small_32", "stream_32", "large_4"])  # fmt: skip
    parser.add_argument("--variant", action="append", required=True,
                        help="NAME[@COMMIT]=comma,separated,variants (empty: unchanged; "
                        "log_warn: a config with LOG_LEVEL warn; usage_off: the usage ledger "
                        "off; @COMMIT: that commit's code)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--warm", type=float, default=0.5)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-boost", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {LOAD_CPU})
    nice = 0 if args.no_boost else BOOST_NICE
    procs = Processes(nice)
    restore = own_priority(nice)
    try:
        import uvloop

        with tempfile.TemporaryDirectory(prefix="ccrouter-ab-") as tmp:
            try:
                result = uvloop.run(ab(args, Path(tmp), procs))
            finally:
                procs.close()
                remove_worktrees(Path(tmp))
    except KeyboardInterrupt:
        return 130
    finally:
        procs.close()
        restore()
    print(f"{result['workload']}, median of {result['rounds']} rounds")
    print(
        f"{'variant':14}{'rate/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU µs/req':>12}{'min':>7}{'vs first':>10}  rounds"
    )
    for name, v in result["variants"].items():
        print(f"{name:14}{v['per_s']:9.0f}{v['p50_ms']:9.2f}{v['p99_ms']:9.2f}"
              f"{v['cpu_us_per_req']:12.0f}{v['cpu_us_per_req_min']:7}{v['cpu_vs_first']:10.2f}  {v['cpu_us_per_req_all']}"
              + (f"  errors {v['errors']}" if v["errors"] else ""))  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
