"""The router writes one usage row per request, with what the fake OpenRouter billed."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccrouter.app import CCRouterApp
from ccrouter.home import ccrouter_home
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import HttpError, Text, Usage
from ccrouter.usage.report import usage_report
from ccrouter.usage.schema import connect
from tests.conftest import base_config
from tests.servers import serve_app

BILLED = Usage(
    prompt_tokens=1000, completion_tokens=50, cached_tokens=600, cache_write_tokens=100, cost=0.0123
)
ENV = "# Environment\n - Primary working directory: {}\n"


def request(stream: bool, cwd: str = "/srv/app") -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "stream": stream,
        "messages": [{"role": "user", "content": ENV.format(cwd) + "hello"}],
    }


def rows() -> list[dict[str, Any]]:
    conn = sqlite3.connect(ccrouter_home() / "usage.db")
    conn.row_factory = sqlite3.Row
    found = [dict(r) for r in conn.execute("SELECT * FROM requests ORDER BY at")]
    conn.close()
    return found


async def test_each_request_is_a_row_with_what_was_billed(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    fake.script("model-default", Text("one", usage=BILLED), Text("two", usage=BILLED))
    fake.script("model-b", Text("three", usage=BILLED))
    fake.script("model-x", HttpError(503))
    app = make_app(
        Router={
            "default": "openrouter,model-default",
            "think": ["openrouter,model-x", "openrouter,model-b"],
        }
    )
    headers = {"x-claude-code-session-id": "sess-1"}
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        plain = await client.post("/v1/messages", json=request(False), headers=headers)
        streamed = await client.post("/v1/messages", json=request(True), headers=headers)
        think = {**request(False), "thinking": {"type": "enabled", "budget_tokens": 4000}}
        fell_back = await client.post(
            "/v1/messages", json=think, headers={**headers, "x-ccrouter-project": "client-x"}
        )
        bad = await client.post("/v1/messages", json={"model": "m"}, headers=headers)
    assert [r.status_code for r in (plain, streamed, fell_back, bad)] == [200, 200, 200, 400]
    found = rows()  # the lifespan's end wrote every queued row
    assert [r["request_id"] for r in found] == [
        r.headers["request-id"] for r in (plain, streamed, fell_back, bad)
    ]
    first, second, third, fourth = found
    for row in (first, second, third):
        assert (row["input_tokens"], row["output_tokens"]) == (300, 50)
        assert (row["cache_read_tokens"], row["cache_write_tokens"]) == (600, 100)
        assert (row["cost_usd"], row["cost_source"], row["status"]) == (0.0123, "reported", "ok")
        assert row["session_id"] == "sess-1" and row["latency_ms"] > 0
    assert plain.json()["usage"]["input_tokens"] == 300
    assert first["project"] == "/srv/app" and first["stream"] == 0 and first["route"] == "default"
    assert second["stream"] == 1 and second["ttft_ms"] is not None
    assert third["project"] == "client-x" and third["model"] == "openrouter,model-b"
    assert json.loads(third["tried"]) == [
        ["openrouter,model-x", "503"],
        ["openrouter,model-b", "ok"],
    ]
    assert fourth["status"] == "error 400" and fourth["cost_usd"] is None
    conn = connect(ccrouter_home() / "usage.db")
    report = usage_report(conn, 0, "project")
    conn.close()
    total = report["total"]
    assert (total["requests"], total["errors"], total["fallbacks"]) == (4, 1, 1)
    assert total["cost_usd"] == pytest.approx(3 * 0.0123) and total["unknown_cost_requests"] == 1


async def test_a_disabled_ledger_writes_nothing(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    app = make_app(Usage={"enabled": False})
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.post("/v1/messages", json=request(False))).status_code == 200
    assert not (ccrouter_home() / "usage.db").exists()


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"ccrouter serve exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {timeout} s")


async def test_sigterm_on_ccrouter_serve_loses_no_row(tmp_path: Path) -> None:
    fake = FakeOpenRouter()
    async with serve_app(fake.app) as upstream:
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        config = base_config(PORT=port, Usage={"path": "ledger.db"})
        config["Providers"][0]["api_base_url"] = f"{upstream}/api/v1/chat/completions"
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        process = subprocess.Popen(
            [sys.executable, "-m", "ccrouter", "serve", "--config", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            await asyncio.to_thread(_wait_listening, port, process)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
                for i in range(20):
                    answer = await c.post("/v1/messages", json=request(i % 2 == 0))
                    assert answer.status_code == 200
            process.send_signal(signal.SIGTERM)  # rows of the last half second are still queued
            # uvicorn shuts down gracefully, then re-raises the signal: -15 is a clean stop
            assert await asyncio.to_thread(process.wait, 20) in (0, -signal.SIGTERM)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    conn = sqlite3.connect(tmp_path / "ledger.db")
    assert conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 20
    conn.close()
