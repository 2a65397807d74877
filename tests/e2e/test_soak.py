"""A bounded soak: hundreds of concurrent streams against a faulty upstream, a config rewrite
and broken custom routers dropped in mid-way; the service never stops answering.

Real processes on 127.0.0.1: the fake OpenRouter and ``ccrouter serve``. The first model of the
chain fails at random (429, 500, a cut, an error mid-stream, bad JSON, a slow first byte); the
second answers. Every response must end as a valid Anthropic stream or an Anthropic error, and
``/health`` must answer within a second throughout.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccrouter.testing.streamcheck import assert_valid_anthropic_stream, parse_sse_bytes
from tests.e2e.conftest import MODEL_A, MODEL_B, FakeOpenRouter, Router

pytestmark = pytest.mark.slow

STREAMS = 200  # at once, twice over
HEALTH_LIMIT_S = 1.0
FAULTS: list[dict[str, Any]] = [
    {"type": "text", "text": "answer from model a", "chunk_chars": 4},
    {"type": "http_error", "status": 429, "message": "rate limited (soak)"},
    {"type": "http_error", "status": 500, "message": "upstream broke (soak)"},
    {"type": "cut", "after_chunks": 1},
    {"type": "mid_stream_error", "after_chunks": 1},
    {"type": "bad_json", "after_chunks": 1},
    {"type": "cut", "after_chunks": 4},  # after content: the stream ends with event: error
    {"type": "mid_stream_error", "after_chunks": 4},
    {"type": "text", "text": "slow answer", "first_byte_delay": 0.3},
    {"type": "refuse"},
]
BLOCKING_ROUTER = """
import time

async def route(request, config):
    time.sleep(3)  # blocks its own thread, never the service
    return None
"""
EXITING_ROUTER = "import os\nos._exit(1)\n"


def _body(number: int) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 256,
        "stream": True,
        "metadata": {"user_id": f"user_soak_account__session_{number % 17:08d}"},
        "messages": [{"role": "user", "content": f"soak request {number}"}],
    }


async def _one(client: httpx.AsyncClient, number: int) -> str:
    """'stream' or 'error': what the client got; anything else fails the test."""
    response = await client.post("/v1/messages", json=_body(number))
    if response.status_code != 200:
        assert 400 <= response.status_code < 600, response.status_code
        error = response.json()
        assert error["type"] == "error" and error["error"]["message"], error
        return "error"
    events = parse_sse_bytes(response.content)
    assert_valid_anthropic_stream(events)
    return "stream"


# /health is probed from its own process, so the test's own busy event loop is not measured.
PROBE = """
import sys, time, urllib.request
url, slowest = sys.argv[1], 0.0
while True:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
    slowest = max(slowest, time.perf_counter() - started)
    print(f"{slowest:.3f}", flush=True)
    time.sleep(0.1)
"""


async def _start_probe(url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROBE, f"{url}/health", stdout=asyncio.subprocess.PIPE
    )


async def _stop_probe(probe: asyncio.subprocess.Process) -> list[float]:
    probe.terminate()
    out, _ = await probe.communicate()
    return [float(line) for line in out.decode().split()]


async def _wave(client: httpx.AsyncClient, first: int) -> list[str]:
    return list(await asyncio.gather(*(_one(client, first + i) for i in range(STREAMS))))


async def test_soak_with_faults_rewrites_and_broken_routers(
    start_router: Callable[..., Router], fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    rng = random.Random(1414)
    fake_openrouter.script(MODEL_A, *(rng.choice(FAULTS) for _ in range(2 * STREAMS + 50)))
    fake_openrouter.rule("always", {"type": "text", "text": "answer from model b"})
    routers = tmp_path / "routers"
    routers.mkdir()
    chain = [f"openrouter,{MODEL_A}", f"openrouter,{MODEL_B}"]
    router = start_router(
        {"default": chain},
        CUSTOM_ROUTER_DIR=str(routers),
        Resilience={"cooldownAfterFailures": 10_000, "firstByteTimeoutMs": 5000},
        LOG_LEVEL="warn",
    )
    config_path = tmp_path / "ccrouter-1.json"
    limits = httpx.Limits(max_connections=STREAMS + 10, max_keepalive_connections=STREAMS + 10)
    async with (
        httpx.AsyncClient(base_url=router.url, timeout=60, limits=limits) as client,
        httpx.AsyncClient(base_url=router.url) as health,
    ):
        probe = await _start_probe(router.url)
        try:
            outcomes = await _wave(client, 0)
            # Mid-soak: a config rewrite and two broken routers while the second wave runs.
            config = json.loads(config_path.read_text())
            config["Router"]["background"] = f"openrouter,{MODEL_B}"
            config_path.write_text(json.dumps(config, indent=2))
            (routers / "blocking.py").write_text(BLOCKING_ROUTER)
            (routers / "exiting.py").write_text(EXITING_ROUTER)
            outcomes += await _wave(client, STREAMS)
        finally:
            slowest = await _stop_probe(probe)
        assert (await health.get("/health")).status_code == 200
        final = await client.post(
            "/v1/messages", json=_body(10_000) | {"stream": False}, timeout=30
        )
    print(
        f"soak: {outcomes.count('stream')} streams, {outcomes.count('error')} errors, "
        f"slowest /health {slowest[-1] * 1000:.0f} ms over {len(slowest)} probes"
    )
    assert final.status_code == 200, final.text
    assert len(outcomes) == 2 * STREAMS
    assert outcomes.count("stream") > STREAMS, outcomes.count("error")  # the second model answers
    assert len(slowest) >= 5, "the /health probe did not run"
    assert slowest[-1] < HEALTH_LIMIT_S, f"/health took {slowest[-1]:.2f} s"
    log = router.log_text()
    assert "exiting.py" in log  # the crashing router was named, and the service lived on
    assert router.process is not None and router.process.poll() is None
