"""The non-hot endpoints."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from ccrouter.app import CCRouterApp
from tests.conftest import user_message


async def test_status_and_statusline_report_recent_decisions(
    app: CCRouterApp, client: httpx.AsyncClient
) -> None:
    await client.post(
        "/v1/messages",
        json={
            "model": "claude-opus-5-5",
            "max_tokens": 10,
            "messages": [{"role": "user", "content": "hi"}],
        },
        headers={"x-claude-code-session-id": "sess-1"},
    )
    status = (await client.get("/api/status")).json()
    assert status["requests"] == 1 and status["recent"][-1]["route"] == "default"
    line = (await client.get("/api/statusline", params={"session_id": "sess-1"})).json()
    assert line["target"] == "openrouter,model-default"


async def test_wrong_method_is_anthropic_shaped(client: httpx.AsyncClient) -> None:
    response = await client.delete("/health")
    assert response.status_code == 404
    assert response.json()["type"] == "error"


async def test_count_tokens_validates_its_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/messages/count_tokens", json={"messages": []})
    assert response.status_code == 400
    assert "model" in response.json()["error"]["message"]


async def test_a_huge_count_tokens_does_not_hold_up_health(client: httpx.AsyncClient) -> None:
    """Issue 14 row 6: one 30 MB text stalled every request, /health included, for ~4 s."""
    text = " ".join(f"w{i % 977} nine{i % 13}" for i in range(200_000))  # ~2 MB, ~0.3 s to count
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    await client.get("/health")  # the tokenizer is built before timing anything
    gaps: list[float] = []  # between two /health answers

    async def keep_asking() -> None:
        last = time.perf_counter()
        while True:
            assert (await client.get("/health")).status_code == 200
            gaps.append(time.perf_counter() - last)
            last = time.perf_counter()
            await asyncio.sleep(0.005)  # in-memory requests never yield: give the count a turn

    async def answers(count: int) -> None:
        for _ in range(1000):
            if len(gaps) >= count:
                return
            await asyncio.sleep(0.001)

    asking = asyncio.ensure_future(keep_asking())
    await answers(1)
    started = time.perf_counter()
    counted = await client.post("/v1/messages/count_tokens", json=body)
    took = time.perf_counter() - started
    await answers(len(gaps) + 1)  # the gap the count may have caused is closed
    asking.cancel()
    await asyncio.gather(asking, return_exceptions=True)
    assert counted.json()["input_tokens"] > 100_000
    assert len(gaps) > 3 and max(gaps) < took / 3, (max(gaps), took)


async def test_health_names_a_custom_router_that_was_switched_off(
    tmp_path: Path, make_app: Callable[..., CCRouterApp]
) -> None:
    routers = tmp_path / "routers"
    routers.mkdir()
    (routers / "broken.py").write_text(
        "def route(request, config):\n    raise RuntimeError('always')\n"
    )
    app = make_app(CUSTOM_ROUTER_DIR="routers")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ccrouter.test") as client:
        for _ in range(3):  # three failures in a row switch it off
            answer = await client.post("/v1/messages", json=user_message())
            assert answer.status_code == 200  # the usual rules answered instead
        health = (await client.get("/health")).json()
    assert health["status"] == "degraded"
    assert any("broken.py is switched off" in problem for problem in health["problems"])
