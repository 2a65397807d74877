"""The loads: what is sent to each target, how it is measured and how the answers are checked.

Every workload runs against every target in the same run: straight at the fake with the
equivalent OpenAI request (captured from what ccrouter itself sent upstream), then through the
bare pass-through and ccrouter. A sample of every target's bodies is validated (ccrouter's
streams with ``ccrouter.testing.streamcheck``); an invalid sample counts as an error.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from loadgen import RunResult, http_call, http_get, run_closed_loop
from payloads import (
    CLAUDE_CODE_HEADERS,
    MARKER,
    Variants,
    encode,
    http_request,
    large_body,
    small_body,
)
from procs import Usage, rss_mb
from targets import HOST, Targets, write_config

from ccrouter.testing.streamcheck import assert_valid_anthropic_stream

STREAM_CHUNKS = 200  # text deltas per stream (plus role, finish and usage chunks)
CHUNK_CHARS = 8


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    body: dict[str, Any]
    clients: int
    duration_s: float
    max_requests: int
    stream: bool


def workloads(quick: bool) -> list[Workload]:
    d = 2.0 if quick else 7.0
    return [
        Workload("small_1", "17 KB, non-streaming, 1 client", small_body(False), 1, d, 50_000, False),
        Workload("small_32", "17 KB, non-streaming, 32 clients", small_body(False), 32, d, 200_000, False),
        Workload("stream_32", f"17 KB, {STREAM_CHUNKS}-chunk stream, 32 clients", small_body(True), 32, d, 100_000, True),
        Workload("large_4", "400 KB, non-streaming, 4 clients", large_body(False), 4, d, 20_000, False),
    ]  # fmt: skip


def answer_text() -> str:
    words = ("router", "stream", "tokens", "answer", "prompt", "models", "upstream", "chunks")
    text = "".join(f"{words[i % len(words)]:7.7} " for i in range(STREAM_CHUNKS))
    assert len(text) == STREAM_CHUNKS * CHUNK_CHARS
    return text


class Measure:
    """Runs the loads against ``targets``; counts every request sent to the main router."""

    def __init__(self, targets: Targets, quick: bool) -> None:
        self.targets = targets
        self.quick = quick
        self.router_requests = 0  # every request this run sent to the main router
        self.notes: list[str] = []

    async def set_fake_answer(self) -> None:
        rule = {
            "when": "always",
            "response": {"type": "text", "text": answer_text(), "chunk_chars": CHUNK_CHARS},
        }
        status, body = await http_call(
            HOST, self.targets.fake_port, "POST", "/_fake/rule", orjson.dumps(rule)
        )
        if status != 200:
            raise RuntimeError(f"fake rejected the script: {body[:300]!r}")

    async def capture_direct(self, router_port: int, raw: bytes) -> bytes:
        """Send one request through ccrouter; return what it sent upstream, as request bytes."""
        fake_port = self.targets.fake_port
        await http_call(HOST, fake_port, "POST", "/_fake/reset", b"")
        await self.set_fake_answer()
        request = http_request("/v1/messages", raw, CLAUDE_CODE_HEADERS)
        result = await run_closed_loop(
            HOST, router_port, lambda _n: request, clients=1, max_requests=1, duration_s=30
        )
        self.router_requests += result.ok + result.error_count
        if result.ok != 1:
            raise RuntimeError(f"capture request failed: {result.summary()}")
        _, listing = await http_get(HOST, fake_port, "/_fake/requests", timeout=10)
        recorded = orjson.loads(listing)[-1]
        body = orjson.dumps(recorded["body"])
        if MARKER not in body:
            raise RuntimeError("the translated request lost the per-request marker")
        kept = ("authorization", "content-type", "user-agent", "accept", "http-referer", "x-title")
        headers = tuple((k, v) for k, v in recorded["headers"].items() if k in kept)
        return http_request("/api/v1/chat/completions", body, headers)

    async def workload(self, w: Workload, servers: dict[str, tuple[int, int]]) -> dict[str, Any]:
        """``servers``: target name -> (pid, port) for ``passthrough`` and ``ccrouter``."""
        raw = encode(w.body)
        claude = Variants(http_request("/v1/messages", raw, CLAUDE_CODE_HEADERS))
        direct = Variants(await self.capture_direct(servers["ccrouter"][1], raw))
        warm_s = 0.3 if self.quick else 1.0
        sample_every = 25 if w.stream else 200
        targets: list[tuple[str, int, Variants, int | None]] = [
            ("direct", self.targets.fake_port, direct, None)
        ]
        targets += [(name, port, claude, pid) for name, (pid, port) in servers.items()]
        pids = {"fake": self.targets.fake_pid, "loadgen": os.getpid()}
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
            summaries[name] = self.summarise(result, u, w.stream, anthropic=name == "ccrouter")
            if server_pid:
                summaries[name]["rss_mb"] = round(rss_mb(server_pid), 1)
        return compare(w, len(raw), summaries)

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

    async def logging_cost(self, w: Workload) -> dict[str, Any]:
        """Interleaved rounds of the same load against three fresh routers: two at LOG_LEVEL info
        (one line per request) and one at warn (no request line). Fresh: the main router has
        grown caches over the whole run, which alone made it look ~8 % dearer. The two identical
        info routers give the noise floor of the comparison."""
        tmp, procs = self.targets.tmp, []
        servers: dict[str, tuple[int, int]] = {}
        levels = {"info": "info", "warn": "warn", "info2": "info"}
        try:
            for name, level in levels.items():
                config = write_config(tmp / name, self.targets.fake_port, level)
                proc, port, _ = await self.targets.start_router(config, f"router-{name}.log")
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
                self.targets.procs.stop(proc)
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
            "micro_us": log_line_micro_us(tmp),
        }


def compare(w: Workload, request_bytes: int, summaries: dict[str, Any]) -> dict[str, Any]:
    """One workload's result: every target's summary, each compared with the direct one."""
    ds, cs = summaries["direct"], summaries["ccrouter"]
    out: dict[str, Any] = {
        "title": w.title,
        "request_kb": round(request_bytes / 1024, 1),
        "stream": w.stream,
        "clients": w.clients,
        **summaries,
    }
    for name, s in summaries.items():
        if name == "direct":
            continue
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


def log_line_micro_us(tmp: Path) -> float:
    """In-process cost of one ``ccrouter.request`` info line, built and written as the server
    does it (``record.log_line`` → ``log.log_request`` → ccrouter's own handler)."""
    from ccrouter.config.state import DecisionRecord
    from ccrouter.log import log_request, setup_logging

    try:
        from ccrouter.server.record import log_line
    except ImportError:  # before the line moved out of server/messages.py
        from ccrouter.server.messages import _log_line as log_line

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
            log_request(log_line("req_0123456789abcdef01234567", record, t))
        return round((time.perf_counter() - t) / n * 1e6, 2)
    finally:
        handler.flush()
        handler.setStream(old)  # type: ignore[arg-type]
        stream.close()
