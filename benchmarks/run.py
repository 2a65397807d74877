"""The ccrouter benchmark: one command, bounded, under five minutes (``--quick``: under a minute).

    /tmp/venv/bin/python benchmarks/run.py [--quick] [--json FILE] [--no-fixes] [--no-boost] [--profile]

Starts the fake OpenRouter (``fake_upstream.py``), the issue's bare pass-through reference
(``passthrough.py``: starlette + aiohttp, no translation), ``python -m ccrouter serve``, and the same
router with the proposed fixes applied from outside (``variants.py``), all on loopback: the servers
pinned to core 0, the load generator (this process) and the fake to core 1. For every workload the
same load runs against each target in the same run: straight at the fake with the equivalent
OpenAI request (captured from what ccrouter itself sent upstream), then through the pass-through,
ccrouter, and ccrouter with the fixes. Reports requests or streams per second, p50/p99 latency,
time to first byte, errors (including a validated sample of every target's bodies: ccrouter's
streams through ``ccrouter.testing.streamcheck``), each server's CPU time per request (``/proc/<pid>/stat``)
and ccrouter's resident memory (``/proc/<pid>/status``), start-up (import and readiness), the cost
of the per-request log line, classification time cold and warm (``bench_classify.py``) and the
per-chunk stream translation cost (``bench_stream.py``).

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
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_classify  # noqa: E402
import bench_stream  # noqa: E402
from loadgen import RunResult, http_call, http_get, run_closed_loop  # noqa: E402
from payloads import (  # noqa: E402
    CLAUDE_CODE_HEADERS,
    MARKER,
    Variants,
    encode,
    http_request,
    large_body,
    small_body,
)
from procs import Processes, Usage, boost, read_line, rss_mb  # noqa: E402

from ccrouter.testing.streamcheck import assert_valid_anthropic_stream  # noqa: E402

PY = sys.executable
ROUTER_CPU, LOAD_CPU = 0, 1
# Other work on a shared machine (test suites) would take CPU from the measured processes: they
# run at this nice value, set on their scheduling autogroup too (each is its own session).
BOOST_NICE = -15
HOST = "127.0.0.1"
UPSTREAM_MODEL = "anthropic/claude-sonnet-4.5"
LONG_MODEL = "google/gemini-2.5-pro"
STREAM_CHUNKS = 200  # text deltas per stream (plus role, finish and usage chunks)
CHUNK_CHARS = 8
# Proposed fixes not yet in the core (README "Findings"), applied from outside by variants.py and
# measured as a fourth target. Empty: every measured proposal so far has been applied.
FIXES = ""

# The peers' figures from the issue (one core, loopback, instant fake upstream).
PEERS = {
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


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    body: dict[str, Any]
    clients: int
    duration_s: float
    max_requests: int
    stream: bool


def answer_text() -> str:
    words = ("router", "stream", "tokens", "answer", "prompt", "models", "upstream", "chunks")
    text = "".join(f"{words[i % len(words)]:7.7} " for i in range(STREAM_CHUNKS))
    assert len(text) == STREAM_CHUNKS * CHUNK_CHARS
    return text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def write_config(folder: Path, fake_port: int, log_level: str = "info") -> Path:
    url = f"http://{HOST}:{fake_port}/api/v1/chat/completions"
    models = [UPSTREAM_MODEL, LONG_MODEL]
    primary = f"openrouter,{UPSTREAM_MODEL}"
    config = {
        "LOG_LEVEL": log_level,
        "Providers": [
            {
                "name": "openrouter",
                "api_base_url": url,
                "api_key": "sk-or-v1-bench",
                "models": models,
                "transformer": {"use": ["openrouter"]},
            }
        ],
        "Router": {
            "default": primary,
            "background": primary,
            "think": primary,
            "longContext": f"openrouter,{LONG_MODEL}",
            "webSearch": primary,
            "image": primary,
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path, procs: Processes) -> None:
        self.args = args
        self.quick: bool = bool(getattr(args, "quick", False))
        self.tmp = tmp
        self.procs = procs
        self.fake_port = 0
        self.fake_pid = 0
        self.pt_port = 0
        self.pt_pid = 0
        self.launcher = "python -m ccrouter serve"
        self.notes: list[str] = []
        self.router_requests = 0  # every request this run sent to the main router

    # -- processes ------------------------------------------------------------------------------

    def start_fake(self) -> None:
        proc = self.procs.spawn(
            [PY, str(HERE / "fake_upstream.py"), "--port", "0"],
            cpu=LOAD_CPU,
            stdout=subprocess.PIPE,
        )
        line = read_line(proc, 20)
        self.fake_port = int(line.rsplit(":", 1)[1])
        self.fake_pid = proc.pid

    def router_argv(self, config: Path, port: int) -> list[str]:
        if self.launcher == "python -m ccrouter serve":
            return [PY, "-m", "ccrouter", "serve", "--config", str(config), "--port", str(port)]
        return [PY, str(HERE / "variants.py"), str(config), str(port)]  # serve(), no CLI

    async def start_router(
        self,
        config: Path,
        log_name: str,
        timeout_s: float = 20.0,
        argv: list[str] | None = None,
        probe_rss: bool = False,
        env: dict[str, str] | None = None,
    ) -> tuple[subprocess.Popen[bytes], int, float]:
        """Spawn a router on its core; (process, port, seconds until /health answers 200).

        ``probe_rss``: also note the RSS once the port accepts connections, before any request.
        """
        port = free_port()
        log = open(self.tmp / log_name, "wb")
        started = time.perf_counter()
        command = argv + [str(config), str(port)] if argv else self.router_argv(config, port)
        proc = self.procs.spawn(command, cpu=ROUTER_CPU, stderr=log, stdout=log, env=env)
        self.last_listening_rss: float | None = None
        deadline = started + timeout_s
        while time.perf_counter() < deadline and proc.poll() is None:
            if probe_rss and self.last_listening_rss is None and accepts(port):
                await asyncio.sleep(0.3)  # let start-up settle; no HTTP request has been made
                self.last_listening_rss = rss_mb(proc.pid)
            with contextlib.suppress(Exception):
                status, _ = await http_get(HOST, port, "/health", timeout=5)
                if status == 200:
                    return proc, port, time.perf_counter() - started
            await asyncio.sleep(0.005)
        self.procs.stop(proc)
        text = (self.tmp / log_name).read_text(errors="replace")
        if argv is None and self.launcher == "python -m ccrouter serve":
            # The CLI failed (e.g. mid-edit in a shared tree): start the server through serve().
            self.launcher = "ccrouter.server.run.serve()"
            self.notes.append(
                "`python -m ccrouter serve` failed to start in this tree; the router was started "
                "through `ccrouter.server.run.serve()` instead. Its output: " + text.strip()[-300:]
            )
            return await self.start_router(config, log_name, timeout_s, None, probe_rss)
        raise RuntimeError(f"ccrouter did not become ready: {text[-2000:]}")

    async def start_passthrough(self) -> None:
        port = free_port()
        upstream = f"http://{HOST}:{self.fake_port}/api/v1/chat/completions"
        proc = self.procs.spawn(
            [PY, str(HERE / "passthrough.py"), "--upstream", upstream, "--port", str(port)],
            cpu=ROUTER_CPU,
        )
        deadline = time.perf_counter() + 20
        while time.perf_counter() < deadline and proc.poll() is None:
            with contextlib.suppress(Exception):
                if (await http_get(HOST, port, "/health"))[0] == 200:
                    self.pt_port, self.pt_pid = port, proc.pid
                    return
            await asyncio.sleep(0.01)
        raise RuntimeError("the pass-through reference did not start")

    # -- start-up -------------------------------------------------------------------------------

    async def startup(self, config: Path) -> dict[str, Any]:
        runs = 2 if self.quick else 5

        def run_code(code: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                ["taskset", "-c", str(ROUTER_CPU), PY, "-c", code],
                check=True, capture_output=True, text=True, timeout=60,
            )  # fmt: skip

        def wall(code: str) -> float:
            t = time.perf_counter()
            run_code(code)
            return time.perf_counter() - t

        def import_s(module: str) -> float:
            code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
            return float(run_code(code).stdout.strip().splitlines()[-1])

        interpreter = statistics.median(wall("pass") for _ in range(runs))
        imports = statistics.median(import_s("ccrouter.server.run") for _ in range(runs))
        try:
            cli: float | None = statistics.median(
                import_s("ccrouter.cli.main") for _ in range(runs)
            )
        except subprocess.CalledProcessError:
            cli = None
        ready, listening, after_health = [], [], []
        for n in range(runs):
            proc, _, seconds = await self.start_router(config, f"startup-{n}.log", probe_rss=True)
            ready.append(seconds)
            if self.last_listening_rss is not None:
                listening.append(self.last_listening_rss)
            await asyncio.sleep(0.3)
            after_health.append(rss_mb(proc.pid))
            self.procs.stop(proc)
        return {
            "interpreter_ms": round(interpreter * 1000, 1),
            "import_ccrouter_serve_ms": round(imports * 1000, 1),
            "import_ccrouter_cli_ms": round(cli * 1000, 1) if cli is not None else None,
            "ready_s": round(statistics.median(ready), 3),
            "ready_runs_s": [round(s, 3) for s in ready],
            "rss_listening_mb": round(statistics.median(listening), 1) if listening else None,
            "rss_after_health_mb": round(statistics.median(after_health), 1),
            "launcher": self.launcher,
        }

    # -- workloads ------------------------------------------------------------------------------

    async def set_fake_answer(self) -> None:
        rule = {
            "when": "always",
            "response": {"type": "text", "text": answer_text(), "chunk_chars": CHUNK_CHARS},
        }
        status, body = await http_call(
            HOST, self.fake_port, "POST", "/_fake/rule", orjson.dumps(rule)
        )
        if status != 200:
            raise RuntimeError(f"fake rejected the script: {body[:300]!r}")

    async def capture_direct(self, router_port: int, raw: bytes) -> bytes:
        """Send one request through ccrouter; return what it sent upstream, as request bytes."""
        await http_call(HOST, self.fake_port, "POST", "/_fake/reset", b"")
        await self.set_fake_answer()
        request = http_request("/v1/messages", raw, CLAUDE_CODE_HEADERS)
        result = await run_closed_loop(
            HOST, router_port, lambda _n: request, clients=1, max_requests=1, duration_s=30
        )
        self.router_requests += result.ok + result.error_count
        if result.ok != 1:
            raise RuntimeError(f"capture request failed: {result.summary()}")
        _, listing = await http_get(HOST, self.fake_port, "/_fake/requests", timeout=10)
        recorded = orjson.loads(listing)[-1]
        body = orjson.dumps(recorded["body"])
        if MARKER not in body:
            raise RuntimeError("the translated request lost the per-request marker")
        headers = tuple(
            (k, v)
            for k, v in recorded["headers"].items()
            if k
            in ("authorization", "content-type", "user-agent", "accept", "http-referer", "x-title")
        )
        return http_request("/api/v1/chat/completions", body, headers)

    async def workload(self, w: Workload, servers: dict[str, tuple[int, int]]) -> dict[str, Any]:
        """``servers``: target name -> (pid, port) for passthrough, ccrouter and ccrouter_fixes."""
        raw = encode(w.body)
        claude = Variants(http_request("/v1/messages", raw, CLAUDE_CODE_HEADERS))
        direct = Variants(await self.capture_direct(servers["ccrouter"][1], raw))
        warm_s = 0.3 if self.quick else 1.0
        sample_every = 25 if w.stream else 200
        targets: list[tuple[str, int, Variants, int | None]] = [
            ("direct", self.fake_port, direct, None)
        ]
        targets += [(name, port, claude, pid) for name, (pid, port) in servers.items()]
        pids = {"fake": self.fake_pid, "loadgen": os.getpid()}
        summaries: dict[str, dict[str, Any]] = {}
        for name, port, variants, server_pid in targets:
            warm = await run_closed_loop(
                HOST, port, lambda n, v=variants: v.make(50_000_000 + n), clients=w.clients,
                max_requests=10**6, duration_s=warm_s if server_pid else warm_s / 2,
            )  # fmt: skip
            if name == "ccrouter":
                self.router_requests += warm.ok + warm.error_count
            usage = Usage({**pids, "server": server_pid} if server_pid else dict(pids))
            usage.start()
            result = await run_closed_loop(
                HOST, port, variants.make, clients=w.clients, max_requests=w.max_requests,
                duration_s=w.duration_s, sample_every=sample_every,
            )  # fmt: skip
            u = usage.stop()
            if name == "ccrouter":
                self.router_requests += result.ok + result.error_count
            summaries[name] = self.summarise(
                result, u, w.stream, anthropic=name.startswith("ccrouter")
            )
            if server_pid:
                summaries[name]["rss_mb"] = round(rss_mb(server_pid), 1)
        ds, cs = summaries["direct"], summaries["ccrouter"]
        out: dict[str, Any] = {
            "title": w.title,
            "request_kb": round(len(raw) / 1024, 1),
            "stream": w.stream,
            "clients": w.clients,
            **summaries,
        }
        for name in summaries:
            if name == "direct":
                continue
            s = summaries[name]
            s["added_p50_ms"] = round(s["p50_ms"] - ds["p50_ms"], 3)
            s["added_p99_ms"] = round(s["p99_ms"] - ds["p99_ms"], 3)
            s["added_ttfb_p50_ms"] = round(s["ttfb_p50_ms"] - ds["ttfb_p50_ms"], 3)
            s["ratio_per_s"] = round(s["per_s"] / ds["per_s"], 3) if ds["per_s"] else None
            s["ratio_p50"] = round(s["p50_ms"] / ds["p50_ms"], 3) if ds["p50_ms"] else None
        out["added_p50_ms"] = cs["added_p50_ms"]
        out["ratio_per_s"] = cs["ratio_per_s"]
        if "passthrough" in summaries and summaries["passthrough"].get("cpu_us_per_req"):
            out["cpu_ratio_to_passthrough"] = round(
                cs["cpu_us_per_req"] / summaries["passthrough"]["cpu_us_per_req"], 2
            )
        return out

    def summarise(
        self, result: RunResult, u: dict[str, Any], stream: bool, anthropic: bool
    ) -> dict[str, Any]:
        summary = result.summary()
        invalid = self.check_samples(result, stream, anthropic)
        summary["errors"] += invalid
        summary["invalid_samples"] = invalid
        summary["samples_checked"] = len(result.samples)
        n = max(1, result.ok)
        if "server" in u["cpu_s"]:
            summary["cpu_us_per_req"] = round(u["cpu_s"]["server"] / n * 1e6, 1)
            summary["cpu_util"] = round(u["cpu_s"]["server"] / u["wall_s"], 3)
            summary["capacity_per_s"] = round(1e6 / max(1.0, summary["cpu_us_per_req"]))
        summary["fake_cpu_us_per_req"] = round(u["cpu_s"]["fake"] / n * 1e6, 1)
        summary["loadgen_cpu_us_per_req"] = round(u["cpu_s"]["loadgen"] / n * 1e6, 1)
        summary["core_busy"] = u["core_busy"]
        own = sum(u["cpu_s"].values()) / u["wall_s"]
        summary["other_load"] = round(max(0.0, sum(u["core_busy"].values()) - own), 3)
        return summary

    def check_samples(self, result: RunResult, stream: bool, anthropic: bool) -> int:
        """Validate the kept bodies: the stream validator on ccrouter's streams, and the text."""
        expected = answer_text()
        bad = 0
        for status, body in result.samples:
            try:
                if status != 200:
                    raise AssertionError(f"status {status}: {body[:200]!r}")
                if anthropic and stream:
                    events = assert_valid_anthropic_stream(body)
                    text = "".join(
                        d["delta"].get("text", "")
                        for name, d in events
                        if name == "content_block_delta"
                    )
                    assert text == expected, "streamed text differs from the upstream's"
                elif anthropic:
                    message = orjson.loads(body)
                    assert message["type"] == "message", message
                    assert message["content"][0]["text"] == expected
                elif stream:
                    assert body.rstrip().endswith(b"data: [DONE]"), "no [DONE]"
                    assert body.count(b"\ndata: ") + 1 >= STREAM_CHUNKS, "too few chunks"
                else:
                    message = orjson.loads(body)
                    assert message["choices"][0]["message"]["content"] == expected
            except Exception as exc:
                bad += 1
                if bad <= 3:
                    who = "ccrouter" if anthropic else "direct/pass-through"
                    self.notes.append(f"invalid sample ({who}): {exc}"[:300])
        return bad

    # -- logging cost ---------------------------------------------------------------------------

    async def logging_cost(self, w: Workload) -> dict[str, Any]:
        """Interleaved rounds of the same load against three fresh routers: two at LOG_LEVEL info
        (one line per request) and one at warn (no request line). Fresh: the main router has
        grown caches over the whole run, which alone made it look ~8 % dearer. The two identical
        info routers give the noise floor of the comparison."""
        procs = []
        servers: dict[str, tuple[int, int]] = {}
        levels = {"info": "info", "warn": "warn", "info2": "info"}
        try:
            for name, level in levels.items():
                config = write_config(self.tmp / name, self.fake_port, level)
                proc, port, _ = await self.start_router(config, f"router-{name}.log")
                procs.append(proc)
                servers[name] = (proc.pid, port)
            raw = encode(w.body)
            claude = Variants(http_request("/v1/messages", raw, CLAUDE_CODE_HEADERS))
            rounds = 2 if self.quick else 8
            cpu: dict[str, list[float]] = {name: [] for name in levels}
            rate: dict[str, list[float]] = {name: [] for name in levels}
            for n in range(rounds):
                order = list(servers.items())
                for name, (pid, server_port) in order if n % 2 == 0 else order[::-1]:  # ABCCBA
                    await run_closed_loop(
                        HOST, server_port, claude.make, clients=w.clients, max_requests=10**6,
                        duration_s=0.2,
                    )  # fmt: skip
                    usage = Usage({"server": pid})
                    usage.start()
                    r = await run_closed_loop(
                        HOST, server_port, claude.make, clients=w.clients, max_requests=10**6,
                        duration_s=0.5 if self.quick else 1.0,
                    )  # fmt: skip
                    u = usage.stop()
                    cpu[name].append(u["cpu_s"]["server"] / max(1, r.ok) * 1e6)
                    rate[name].append(r.ok / max(1e-9, r.elapsed_s))
        finally:
            for proc in procs:
                self.procs.stop(proc)
        info_cpu, warn_cpu = statistics.median(cpu["info"]), statistics.median(cpu["warn"])
        paired = statistics.median(a - b for a, b in zip(cpu["info"], cpu["warn"], strict=True))
        noise = statistics.median(
            abs(a - b) for a, b in zip(cpu["info"], cpu["info2"], strict=True)
        )
        return {
            "workload": w.name,
            "rounds": rounds,
            "info_cpu_us_per_req": round(info_cpu, 1),
            "warn_cpu_us_per_req": round(warn_cpu, 1),
            "info_per_s": round(statistics.median(rate["info"]), 1),
            "warn_per_s": round(statistics.median(rate["warn"]), 1),
            "line_cpu_us": round(paired, 1),
            "line_share": round(paired / info_cpu, 3) if info_cpu else None,
            "noise_floor_us": round(noise, 1),  # |info - info2|: two identical routers
            "micro_us": log_line_micro_us(self.tmp),
        }

    # -- everything -----------------------------------------------------------------------------

    def workloads(self) -> list[Workload]:
        d = 2.0 if self.quick else 7.0
        return [
            Workload("small_1", "17 KB, non-streaming, 1 client", small_body(False), 1, d, 50_000, False),
            Workload("small_32", "17 KB, non-streaming, 32 clients", small_body(False), 32, d, 200_000, False),
            Workload("stream_32", f"17 KB, {STREAM_CHUNKS}-chunk stream, 32 clients", small_body(True), 32, d, 100_000, True),
            Workload("large_4", "400 KB, non-streaming, 4 clients", large_body(False), 4, d, 20_000, False),
        ]  # fmt: skip

    async def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        self.start_fake()
        config = write_config(self.tmp / "info", self.fake_port, "info")
        await self.set_fake_answer()
        print("  start-up ...", file=sys.stderr, flush=True)
        startup = await self.startup(config)

        await self.start_passthrough()
        proc, port, ready_s = await self.start_router(config, "router.log")
        servers: dict[str, tuple[int, int]] = {"passthrough": (self.pt_pid, self.pt_port)}
        servers["ccrouter"] = (proc.pid, port)
        if FIXES and not self.args.no_fixes:
            fixes_argv = [PY, str(HERE / "variants.py"), "--variants", FIXES]
            fixed, fixed_port, _ = await self.start_router(
                config, "router-fixes.log", argv=fixes_argv
            )
            servers["ccrouter_fixes"] = (fixed.pid, fixed_port)
        await asyncio.sleep(1.0)
        rss_idle = rss_mb(proc.pid)
        first = await self.first_requests(port)
        rss_warm = rss_mb(proc.pid)

        results: dict[str, Any] = {}
        profiles: list[str] = []
        for w in self.workloads():
            print(f"  {w.name}: {w.title} ...", file=sys.stderr, flush=True)
            spy = self.start_profiler(proc.pid, w) if self.args.profile else None
            results[w.name] = await self.workload(w, servers)
            if spy is not None:
                self.procs.stop(spy[0], grace_s=30)
                profiles.append(spy[1])
        rss_after = rss_mb(proc.pid)
        rss_fixes = rss_mb(servers["ccrouter_fixes"][0]) if "ccrouter_fixes" in servers else None

        print("  logging cost ...", file=sys.stderr, flush=True)
        small_32 = next(w for w in self.workloads() if w.name == "small_32")
        logging_result = await self.logging_cost(small_32)
        log_text = (self.tmp / "router.log").read_text(errors="replace")
        logging_result["request_lines"] = sum(
            1 for line in log_text.splitlines() if " ccrouter.request " in line
        )
        logging_result["requests_sent"] = self.router_requests
        logging_result["sample_line"] = next(
            (line for line in log_text.splitlines() if " ccrouter.request " in line), None
        )

        print("  classification, stream translation ...", file=sys.stderr, flush=True)
        classification = bench_classify.measure(repeats=3 if self.quick else 7)
        stream_translation = bench_stream.measure(repeats=10 if self.quick else 30)
        tokens_out = None
        if not self.quick:
            out = subprocess.run(
                [PY, str(HERE / "bench_tokens.py")], capture_output=True, text=True, timeout=120
            )
            tokens_out = out.stdout.strip().splitlines() if out.returncode == 0 else None

        memory = {
            "idle_mb": round(rss_idle, 1),
            "listening_before_any_request_mb": startup["rss_listening_mb"],
            "after_first_requests_mb": round(rss_warm, 1),
            "after_run_mb": round(rss_after, 1),
            "fixes_after_run_mb": round(rss_fixes, 1) if rss_fixes is not None else None,
        }
        startup["ready_main_s"] = round(ready_s, 3)
        return {
            "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "mode": "quick" if self.quick else "full",
            "profiled": bool(self.args.profile),
            "priority_boost": self.procs.nice,
            "machine": machine(),
            "commit": git_commit(),
            "launcher": self.launcher,
            "fixes": FIXES if "ccrouter_fixes" in servers else None,
            "workloads": results,
            "first_requests": first,
            "memory": memory,
            "startup": startup,
            "logging": logging_result,
            "classification": classification,
            "stream_translation": stream_translation,
            "bench_tokens": tokens_out,
            "goals": goals(results, memory, startup),
            "peers": PEERS,
            "notes": self.notes,
            "profiles": profiles,
            "run_s": round(time.perf_counter() - started, 1),
        }

    async def first_requests(self, port: int) -> dict[str, float]:
        """Latency of the very first requests after start: cold caches and lazy imports."""
        out: dict[str, float] = {}
        for name, body in (("small_ms", small_body(False)), ("large_cold_ms", large_body(False))):
            request = http_request("/v1/messages", encode(body), CLAUDE_CODE_HEADERS)
            r = await run_closed_loop(
                HOST, port, lambda _n, q=request: q, clients=1, max_requests=1, duration_s=30
            )
            self.router_requests += r.ok + r.error_count
            out[name] = round(r.latency_ms[0], 2) if r.latency_ms else -1.0
        return out

    def start_profiler(self, pid: int, w: Workload) -> tuple[subprocess.Popen[bytes], str] | None:
        spy = Path(PY).parent / "py-spy"
        if not spy.exists():
            self.notes.append("py-spy not installed in the venv: no profiles")
            return None
        out_dir = HERE / "results" / "profiles"
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / f"{w.name}.speedscope.json"
        seconds = int(w.duration_s * 5 + 10)
        argv = [str(spy), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250",
                "--nonblocking", "--format", "speedscope", "--output", str(out)]  # fmt: skip
        proc = self.procs.spawn(argv, cpu=LOAD_CPU)
        return proc, str(out.relative_to(HERE))


def accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) == 0


def log_line_micro_us(tmp: Path) -> float:
    """In-process cost of one ``ccrouter.request`` info line, built and written as the server
    does it (``messages._log_line`` → ``log.log_request`` → ccrouter's own handler)."""
    import logging

    from ccrouter.log import log_request, setup_logging

    try:
        from ccrouter.config.state import DecisionRecord
        from ccrouter.server.messages import _log_line
    except ImportError:  # older trees: the line was %-formatted in place
        return -1.0
    setup_logging("info")
    root = logging.getLogger("ccrouter")
    handler = next(h for h in root.handlers if getattr(h, "_ccrouter", False))
    assert isinstance(handler, logging.StreamHandler)
    stream = open(tmp / "micro.log", "w")
    old = handler.setStream(stream)
    record = DecisionRecord(time.time(), "default", "openrouter,anthropic/claude-sonnet-4.5",
                            "no other rule matched", 4000, "ok")  # fmt: skip
    try:
        n = 20_000
        t = time.perf_counter()
        for i in range(n):
            record.tokens = 4000 + i
            log_request(_log_line("req_0123456789abcdef01234567", record, t))
        return round((time.perf_counter() - t) / n * 1e6, 2)
    finally:
        handler.flush()
        handler.setStream(old)  # type: ignore[arg-type]
        stream.close()


def goals(
    results: dict[str, Any], memory: dict[str, Any], startup: dict[str, Any]
) -> dict[str, Any]:
    peers = [v for k, v in PEERS.items() if not k.startswith("bare")]
    out: dict[str, Any] = {}
    for target in ("ccrouter", "ccrouter_fixes"):
        if target not in results["small_1"]:
            continue
        small = results["small_1"][target]["added_p50_ms"]
        large = results["large_4"][target]["added_p50_ms"]
        rps = results["small_32"][target]["per_s"]
        streams = results["stream_32"][target]["per_s"]
        checks: dict[str, tuple[float | None, float, str]] = {
            "small_added_p50_ms": (small, GOALS["small_added_p50_ms"], "<="),
            "rps_32": (rps, GOALS["rps_32"], ">="),
            "streams_32": (streams, GOALS["streams_32"], ">="),
            "large_added_p50_ms": (large, GOALS["large_added_p50_ms"], "<="),
        }
        if target == "ccrouter":
            checks["idle_rss_mb"] = (memory["idle_mb"], GOALS["idle_rss_mb"], "<")
            checks["startup_s"] = (startup["ready_s"], GOALS["startup_s"], "<")
        g: dict[str, Any] = {}
        for name, (value, goal, op) in checks.items():
            if value is None:
                continue
            met = value <= goal if op == "<=" else value >= goal if op == ">=" else value < goal
            g[name] = {"value": value, "goal": f"{op} {goal}", "met": met}
        errors = sum(r[target]["errors"] for r in results.values())
        g["errors"] = {"value": errors, "goal": "== 0", "met": errors == 0}
        g["beats_every_peer"] = {
            "small_added": small < min(p["small_added_ms"] for p in peers),
            "rps_32": rps > max(p["rps_32"] for p in peers),
            "streams_32": streams > max(p["streams_32"] for p in peers),
            "large_added": large < min(p.get("large_added_ms", 1e9) for p in peers),
        }
        out[target] = g
    errors_direct = sum(r["direct"]["errors"] for r in results.values())
    out["direct_errors"] = errors_direct
    return out


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


def markdown(report: dict[str, Any]) -> str:
    names = {"direct": "direct (fake)", "passthrough": "bare pass-through", "ccrouter": "**ccrouter**",
             "ccrouter_fixes": "ccrouter + proposed fixes"}  # fmt: skip
    lines = [
        "| workload | target | rate | p50 | p99 | TTFB p50 | added p50 vs direct | rate vs direct | server CPU / request (one-core capacity) | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for w in report["workloads"].values():
        unit = "streams/s" if w["stream"] else "req/s"
        for key, label in names.items():
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
    m, s, lg = report["memory"], report["startup"], report["logging"]
    cl, st = report["classification"], report["stream_translation"]
    lines += [
        "",
        f"- **memory** (VmRSS of ccrouter): listening, before any request {m['listening_before_any_request_mb']} MB; "
        f"idle after `/health` {m['idle_mb']} MB; after the first requests {m['after_first_requests_mb']} MB; "
        f"after the run {m['after_run_mb']} MB" + (f" (with the fixes: {m['fixes_after_run_mb']} MB)" if m.get("fixes_after_run_mb") else ""),
        f"- **start-up**: interpreter {s['interpreter_ms']} ms; `import ccrouter.server.run` {s['import_ccrouter_serve_ms']} ms; "
        f"`import ccrouter.cli.main` {s['import_ccrouter_cli_ms']} ms; spawn of `{s['launcher']}` → `/health` 200: "
        f"**{s['ready_s']} s** (median of {len(s['ready_runs_s'])}: {s['ready_runs_s']})",
        f"- **first requests** after start: 17 KB {report['first_requests']['small_ms']} ms, "
        f"400 KB (token cache cold) {report['first_requests']['large_cold_ms']} ms",
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
        "",
        "| goal | target | ccrouter | met | with the proposed fixes | met |",
        "|---|---|---|---|---|---|",
    ]  # fmt: skip
    g, gf = report["goals"]["ccrouter"], report["goals"].get("ccrouter_fixes", {})
    for name, item in g.items():
        if name == "beats_every_peer":
            continue
        fixed = gf.get(name)
        lines.append(
            f"| {name} | {item['goal']} | {item['value']} | {'yes' if item['met'] else '**no**'} | "
            + (
                f"{fixed['value']} | {'yes' if fixed['met'] else '**no**'} |"
                if fixed
                else "– | – |"
            )
        )
    lines.append("")
    for target, label in (("ccrouter", "ccrouter"), ("ccrouter_fixes", "with the fixes")):
        if target in report["goals"]:
            peers = report["goals"][target]["beats_every_peer"]
            lines.append(f"- beats every peer ({label}): " + ", ".join(
                f"{k} {'yes' if v else '**no**'}" for k, v in peers.items()))  # fmt: skip
    for note in report["notes"]:
        lines.append(f"- note: {note}")
    return "\n".join(lines)


def own_priority(nice: int) -> Any:
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


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a ~45 s smoke run")
    parser.add_argument("--json", type=Path, help="write the report here (default for a full "
                        "run: benchmarks/results/latest.json)")  # fmt: skip
    parser.add_argument("--no-fixes", action="store_true", help="skip the 'ccrouter + proposed "
                        "fixes' target")  # fmt: skip
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
            report = uvloop.run(Bench(args, Path(tmp), procs).run())
    except KeyboardInterrupt:
        print("interrupted: stopped everything started here", file=sys.stderr)
        return 130
    finally:
        procs.close()
        restore()
    m = report["machine"]
    print(f"\nccrouter benchmark ({report['mode']}, {report['run_s']} s, commit {report['commit']}) on "
          f"{m['cpu']}, {m['cores']} cores, Python {m['python']}; {m['pinning']}\n")  # fmt: skip
    print(markdown(report))
    target = args.json or (None if args.quick or args.profile else HERE / "results" / "latest.json")
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
