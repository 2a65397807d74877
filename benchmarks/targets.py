"""The processes a benchmark measures: the fake OpenRouter, the bare pass-through, ccrouter.

All of them listen on 127.0.0.1. The servers are pinned to ``ROUTER_CPU``; the fake shares
``LOAD_CPU`` with the load generator (the benchmark's own process). Every process is started
through ``procs.Processes``, which ends exactly those at close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from loadgen import http_get
from procs import Processes, read_line, rss_mb

HERE = Path(__file__).resolve().parent
PY = sys.executable
ROUTER_CPU, LOAD_CPU = 0, 1
# Other work on a shared machine (test suites) would take CPU from the measured processes: they
# run at this nice value, set on their scheduling autogroup too (each is its own session).
BOOST_NICE = -15
HOST = "127.0.0.1"
UPSTREAM_MODEL = "anthropic/claude-sonnet-4.5"
LONG_MODEL = "google/gemini-2.5-pro"
CLI_LAUNCHER = "python -m ccrouter serve"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) == 0


def write_config(folder: Path, fake_port: int, log_level: str = "info", usage: bool = True) -> Path:
    """A ccrouter config whose one provider is the fake; every route on the same model.

    The usage ledger is on, as by default, in the config's own folder (never the user's)."""
    url = f"http://{HOST}:{fake_port}/api/v1/chat/completions"
    primary = f"openrouter,{UPSTREAM_MODEL}"
    config = {
        "LOG_LEVEL": log_level,
        "Providers": [
            {
                "name": "openrouter",
                "api_base_url": url,
                "api_key": "sk-or-v1-bench",
                "models": [UPSTREAM_MODEL, LONG_MODEL],
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
        "Usage": {"enabled": usage, "path": str(folder / "usage.db")},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


class Targets:
    """Starts the measured processes and remembers where they listen."""

    def __init__(self, tmp: Path, procs: Processes) -> None:
        self.tmp = tmp
        self.procs = procs
        self.fake_port = 0
        self.fake_pid = 0
        self.pt_port = 0
        self.pt_pid = 0
        self.launcher = CLI_LAUNCHER
        self.notes: list[str] = []
        self.last_listening_rss: float | None = None

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
        if self.launcher == CLI_LAUNCHER:
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

        ``argv``: a command to which the config path and the port are appended (``variants.py``);
        default ``python -m ccrouter serve``. ``probe_rss``: also note the RSS once the port
        accepts connections, before any request (``last_listening_rss``).
        """
        port = free_port()
        log = open(self.tmp / log_name, "wb")
        started = time.perf_counter()
        command = argv + [str(config), str(port)] if argv else self.router_argv(config, port)
        proc = self.procs.spawn(command, cpu=ROUTER_CPU, stderr=log, stdout=log, env=env)
        self.last_listening_rss = None
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
        if argv is None and self.launcher == CLI_LAUNCHER:
            # The CLI failed (e.g. mid-edit in a shared tree): start the server through serve().
            self.launcher = "ccrouter.server.run.serve()"
            self.notes.append(
                f"`{CLI_LAUNCHER}` failed to start in this tree; the router was started "
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

    def start_profiler(
        self, pid: int, name: str, duration_s: float
    ) -> tuple[subprocess.Popen[bytes], str] | None:
        """py-spy on ``pid`` for a workload of ``duration_s`` (per target); None without py-spy."""
        spy = Path(PY).parent / "py-spy"
        if not spy.exists():
            self.notes.append("py-spy not installed in the venv: no profiles")
            return None
        out_dir = HERE / "results" / "profiles"
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / f"{name}.speedscope.json"
        seconds = int(duration_s * 5 + 10)
        argv = [str(spy), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250",
                "--nonblocking", "--format", "speedscope", "--output", str(out)]  # fmt: skip
        proc = self.procs.spawn(argv, cpu=LOAD_CPU)
        return proc, str(out.relative_to(HERE))
