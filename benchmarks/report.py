"""The report: goals met or not, the machine, and the Markdown tables printed at the end.

``PEERS`` are the figures published for other routers (one core, loopback, an instant fake
upstream), taken on a faster machine and not re-measured here; ``GOALS`` are ccrouter's targets.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from targets import HERE, LOAD_CPU, ROUTER_CPU

PEERS: dict[str, dict[str, float]] = {
    "claude-code-router 1.0.73": {"small_added_ms": 4.4, "large_added_ms": 328, "rps_32": 238, "streams_32": 121},
    "claude-code-router 3.1.1": {"small_added_ms": 2.2, "large_added_ms": 15, "rps_32": 1464, "streams_32": 447},
    "LiteLLM proxy": {"small_added_ms": 11, "rps_32": 83, "streams_32": 9},
    "bare pass-through (starlette+aiohttp)": {"small_added_ms": 0.27, "rps_32": 4200, "streams_32": 705},
}  # fmt: skip
GOALS = {
    "small_added_p50_ms": 0.5,
    "rps_32": 2000,
    "streams_32": 500,
    "large_added_p50_ms": 5.0,
    "idle_rss_mb": 60,
    "startup_s": 1.0,
}
TARGET_NAMES = {"direct": "direct (fake)", "passthrough": "bare pass-through",
                "ccrouter": "**ccrouter**"}  # fmt: skip


def goals(
    results: dict[str, Any], memory: dict[str, Any], startup: dict[str, Any]
) -> dict[str, Any]:
    """ccrouter's figures against ``GOALS`` and against every peer; errors of the direct runs."""
    peers = [v for k, v in PEERS.items() if not k.startswith("bare")]
    small = results["small_1"]["ccrouter"]["added_p50_ms"]
    large = results["large_4"]["ccrouter"]["added_p50_ms"]
    rps = results["small_32"]["ccrouter"]["per_s"]
    streams = results["stream_32"]["ccrouter"]["per_s"]
    checks: dict[str, tuple[float | None, float, str]] = {
        "small_added_p50_ms": (small, GOALS["small_added_p50_ms"], "<="),
        "rps_32": (rps, GOALS["rps_32"], ">="),
        "streams_32": (streams, GOALS["streams_32"], ">="),
        "large_added_p50_ms": (large, GOALS["large_added_p50_ms"], "<="),
        "idle_rss_mb": (memory["idle_mb"], GOALS["idle_rss_mb"], "<"),
        "startup_s": (startup["ready_s"], GOALS["startup_s"], "<"),
    }
    g: dict[str, Any] = {}
    for name, (value, goal, op) in checks.items():
        if value is None:
            continue
        met = value <= goal if op == "<=" else value >= goal if op == ">=" else value < goal
        g[name] = {"value": value, "goal": f"{op} {goal}", "met": met}
    errors = sum(r["ccrouter"]["errors"] for r in results.values())
    g["errors"] = {"value": errors, "goal": "== 0", "met": errors == 0}
    g["beats_every_peer"] = {
        "small_added": small < min(p["small_added_ms"] for p in peers),
        "rps_32": rps > max(p["rps_32"] for p in peers),
        "streams_32": streams > max(p["streams_32"] for p in peers),
        "large_added": large < min(p.get("large_added_ms", 1e9) for p in peers),
    }
    return {"ccrouter": g, "direct_errors": sum(r["direct"]["errors"] for r in results.values())}


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pinning": f"ccrouter on core {ROUTER_CPU}; load generator and fake upstream on core {LOAD_CPU}",
    }


def git_commit() -> str | None:
    with contextlib.suppress(Exception):
        out = subprocess.run(
            ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=5,
        )  # fmt: skip
        return out.stdout.strip() or None
    return None


def header(report: dict[str, Any]) -> str:
    m = report["machine"]
    return (
        f"ccrouter benchmark ({report['mode']}, {report['run_s']} s, commit {report['commit']}) "
        f"on {m['cpu']}, {m['cores']} cores, Python {m['python']}; {m['pinning']}"
    )


def markdown(report: dict[str, Any]) -> str:
    lines = workload_table(report["workloads"])
    lines += [""] + facts(report)
    lines += ["", "| goal | target | ccrouter | met |", "|---|---|---|---|"]
    g = report["goals"]["ccrouter"]
    for name, item in g.items():
        if name != "beats_every_peer":
            met = "yes" if item["met"] else "**no**"
            lines.append(f"| {name} | {item['goal']} | {item['value']} | {met} |")
    lines.append("")
    lines.append("- beats every peer: " + ", ".join(
        f"{k} {'yes' if v else '**no**'}" for k, v in g["beats_every_peer"].items()))  # fmt: skip
    lines += [f"- note: {note}" for note in report["notes"]]
    return "\n".join(lines)


def workload_table(workloads: dict[str, Any]) -> list[str]:
    lines = [
        "| workload | target | rate | p50 | p99 | TTFB p50 | added p50 vs direct | rate vs direct | server CPU / request (one-core capacity) | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for w in workloads.values():
        unit = "streams/s" if w["stream"] else "req/s"
        for key, label in TARGET_NAMES.items():
            if key not in w:
                continue
            r = w[key]
            ttfb = f"{r['ttfb_p50_ms']:.2f} ms" if w["stream"] else "–"
            added = f"{r['added_p50_ms']:+.2f} ms" if "added_p50_ms" in r else "–"
            ratio = f"{r['ratio_per_s']:.2f}×" if r.get("ratio_per_s") else "–"
            cpu = (
                f"{r['cpu_us_per_req']:,.0f} µs ({r['capacity_per_s']:,}/s)"
                if "cpu_us_per_req" in r
                else "–"
            )
            lines.append(
                f"| {w['title']} | {label} | {r['per_s']:,.0f} {unit} | {r['p50_ms']:.2f} ms | "
                f"{r['p99_ms']:.2f} ms | {ttfb} | {added} | {ratio} | {cpu} | {r['errors']} |"
            )  # fmt: skip
    return lines


def facts(report: dict[str, Any]) -> list[str]:
    """The bullet list under the table: memory, start-up, logging, classification, streams."""
    m, s, lg = report["memory"], report["startup"], report["logging"]
    cl, st = report["classification"], report["stream_translation"]
    first = report["first_requests"]
    return [
        f"- **memory** (VmRSS of ccrouter): listening, before any request {m['listening_before_any_request_mb']} MB; "
        f"idle after `/health` {m['idle_mb']} MB; after the first requests {m['after_first_requests_mb']} MB; "
        f"after the run {m['after_run_mb']} MB",
        f"- **start-up**: interpreter {s['interpreter_ms']} ms; `import ccrouter.server.run` {s['import_ccrouter_serve_ms']} ms; "
        f"`import ccrouter.cli.main` {s['import_ccrouter_cli_ms']} ms; spawn of `{s['launcher']}` → `/health` 200: "
        f"**{s['ready_s']} s** (median of {len(s['ready_runs_s'])}: {s['ready_runs_s']})",
        f"- **first requests** after start: 17 KB {first['small_ms']} ms, "
        f"400 KB (token cache cold) {first['large_cold_ms']} ms",
        f"- **request log line** (info): {lg['line_cpu_us']} µs of ccrouter CPU per request = "
        f"{(lg['line_share'] or 0) * 100:.1f}% (median of {lg['rounds']} interleaved rounds, info "
        f"{lg['info_cpu_us_per_req']} vs warn {lg['warn_cpu_us_per_req']} µs/request; two identical "
        f"info routers differ by {lg.get('noise_floor_us', '?')} µs); {lg['micro_us']} µs "
        f"in a tight loop; {lg['request_lines']} lines for {lg['requests_sent']} requests",
        f"- **classification** of {cl['request_kb']} KB ({cl['cold']['tokens']:.0f} tokens → {cl['route']}): "
        f"cold {cl['cold']['classify_ms']} ms, warm {cl['warm']['classify_ms']} ms, "
        f"warm + new turn {cl['warm_new_turn']['classify_ms']} ms (JSON parse not included: {cl['cold']['parse_ms']} ms)",
        f"- **stream translation** in-process: {st['upstream_chunks']} chunks in one read "
        f"{st['whole_stream_one_feed_us']} µs, one read per chunk {st['whole_stream_feed_per_chunk_us']} µs "
        f"({st['per_chunk_us']} µs/chunk: decode {st['steps_per_chunk_us']['sse_decode']}, parse "
        f"{st['steps_per_chunk_us']['json_parse']}, translate {st['steps_per_chunk_us']['translate']}, "
        f"encode {st['steps_per_chunk_us']['sse_encode']} µs/event)",
    ]  # fmt: skip
