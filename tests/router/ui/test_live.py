"""``LiveFeed``: numbering, the kept backlog, fan-out to streams, and closing them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import httpx

from ccrouter.config.state import DecisionRecord, Statistics
from ccrouter.ui.live import LiveFeed, encode, live_event
from tests.conftest import base_config
from tests.e2e.conftest import clean_env, free_port, read_text, spawn, stop_group, wait_until


def record(route: str = "default", tried: str = "", status: str = "ok") -> DecisionRecord:
    return DecisionRecord(1000.0, route, "p,m", "why", 12, status, tried=tried)


def test_live_event_adds_number_latency_and_fallback_count() -> None:
    event = live_event(7, record(tried="p,a (429), p,b (ok)"), now=1000.25)
    assert event["id"] == 7 and event["latency_ms"] == 250.0
    assert event["fallbacks_tried"] == 1 and event["route"] == "default"
    assert live_event(1, record(), 1000.0)["fallbacks_tried"] == 0


def test_statistics_publishes_each_record() -> None:
    stats, feed = Statistics(), LiveFeed()
    stats.listeners.append(feed.publish)
    stats.record(record("think"))
    stats.record(record("background"))
    assert [e["route"] for e in feed.recent()] == ["think", "background"]
    assert [e["id"] for e in feed.recent(after=1)] == [2]
    assert len(feed.recent(last=1)) == 1


def test_encode_is_one_sse_event() -> None:
    data = encode({"id": 3, "route": "x"})
    assert data.startswith(b"id: 3\nevent: request\ndata: ") and data.endswith(b"\n\n")
    assert json.loads(data.split(b"data: ")[1]) == {"id": 3, "route": "x"}


async def _collect(feed: LiveFeed, after: int | None, count: int) -> list[bytes]:
    out = []
    async for chunk in feed.stream(after, heartbeat_s=0.05):
        out.append(chunk)
        if len(out) == count:
            break
    return out


async def test_stream_sends_backlog_then_new_events_then_ends_on_close() -> None:
    feed = LiveFeed()
    feed.publish(record("old"))
    chunks: list[bytes] = []

    async def read() -> None:
        async for chunk in feed.stream(None, heartbeat_s=0.05):
            chunks.append(chunk)

    reader = asyncio.ensure_future(read())
    for _ in range(100):
        if len(chunks) >= 2:
            break
        await asyncio.sleep(0.01)
    feed.publish(record("new"))
    for _ in range(100):
        if any(b'"new"' in c for c in chunks):
            break
        await asyncio.sleep(0.01)
    feed.close()
    await asyncio.wait_for(reader, 2)
    text = b"".join(chunks)
    assert text.startswith(b"retry: 1000")
    assert text.index(b'"old"') < text.index(b'"new"')


async def test_stream_resumes_after_last_event_id_and_beats() -> None:
    feed = LiveFeed()
    for route in ("a", "b", "c"):
        feed.publish(record(route))
    chunks = await _collect(feed, 2, 3)
    assert b'"c"' in chunks[1] and b'"a"' not in b"".join(chunks)
    assert chunks[2] == b": keep-alive\n\n"


async def test_a_slow_stream_drops_events_instead_of_blocking() -> None:
    feed = LiveFeed(queue=1)
    stream = feed.stream(None, heartbeat_s=5).__aiter__()
    await stream.__anext__()  # retry line: the stream is registered
    feed.publish(record("1"))
    feed.publish(record("2"))
    assert feed.dropped == 1
    feed.close()
    assert b'"1"' in await stream.__anext__()
    await stream.aclose()


def test_sigterm_ends_open_live_streams_at_once(tmp_path: Path) -> None:
    """An open dashboard must not hold ``ccrouter stop`` for the whole grace period."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(base_config()))
    port = free_port()
    log = tmp_path / "serve.log"
    env = clean_env(PYTHONUNBUFFERED="1", CCROUTER_HOME=str(tmp_path / "home"))
    env["CCROUTER_CATALOG_FETCH"] = "0"
    command = [sys.executable, "-m", "ccrouter", "serve", "--config", str(config)]
    process = spawn([*command, "--port", str(port)], log, env, tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"{url}/health", timeout=1, trust_env=False).status_code == 200
            except httpx.HTTPError:
                return process.poll() is not None

        wait_until(healthy, 20, "ccrouter to answer")
        with httpx.Client(base_url=url, trust_env=False, timeout=15) as client:
            client.get("/ui/")  # a loopback session
            with client.stream("GET", "/ui/api/live") as stream:
                assert next(stream.iter_bytes()).startswith(b"retry:")
                started = time.monotonic()
                os.kill(process.pid, signal.SIGTERM)
                process.wait(timeout=8)
        assert time.monotonic() - started < 5, read_text(log)
    finally:
        stop_group(process)
