"""Resilience over real sockets: client disconnects and a bounded soak of failing upstreams."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ccrouter.app import create_app
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import (
    BadJSON,
    Cut,
    HttpError,
    MidStreamError,
    RecordedRequest,
    Text,
)
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from tests.conftest import base_config, user_message
from tests.servers import serve_app


def live_config(tmp_path: Path, fake_url: str, **router: Any) -> Path:
    config = base_config()
    config["Providers"][0]["api_base_url"] = f"{fake_url}/chat/completions"
    config["Providers"][0]["models"] += ["model-a", "model-c"]
    config["Router"].update(router)
    path = tmp_path / "config.json"
    path.write_bytes(orjson.dumps(config))
    return path


async def test_client_disconnect_closes_the_upstream_within_a_second(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default = Text("word " * 400, chunk_chars=5, chunk_delay=0.02)
    async with fake.serve() as fake_url:
        app = create_app(live_config(tmp_path, fake_url), watch=False)
        async with serve_app(app) as url, httpx.AsyncClient(timeout=10) as client:
            async with client.stream(
                "POST", f"{url}/v1/messages", json=user_message(stream=True)
            ) as response:
                async for chunk in response.aiter_bytes():
                    if b"text_delta" in chunk:
                        break  # the answer has started; now the user presses Esc
            assert await fake.wait_disconnect(timeout=1.0), (
                "upstream still streaming after the client left"
            )
            await asyncio.sleep(0.2)
            assert len(url.server.server_state.connections) == 0


def random_fault(seed: int) -> Any:
    rng = random.Random(seed)

    def pick(request: RecordedRequest) -> Any:
        slow = Text("ok " * 20, chunk_chars=6, chunk_delay=0.002)
        return rng.choice(
            [
                slow,
                slow,
                HttpError(500, "boom"),
                HttpError(429, "slow down"),
                HttpError(503, "overloaded"),
                MidStreamError(slow, after_chunks=rng.randint(0, 6)),
                Cut(slow, after_chunks=rng.randint(0, 6)),
                BadJSON(slow, after_chunks=rng.randint(0, 6)),
            ]
        )

    return pick


@pytest.mark.slow
async def test_soak_200_concurrent_streams_against_a_flaky_upstream(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default = random_fault(7)
    async with fake.serve() as fake_url:
        config = live_config(
            tmp_path,
            fake_url,
            default=["openrouter,model-a", "openrouter,model-b", "openrouter,model-c"],
        )
        app = create_app(config, watch=False)
        app.dispatcher.cooldowns.failed = lambda *a, **k: None  # type: ignore[method-assign]  # keep every model in play
        async with serve_app(app) as url:
            await asyncio.sleep(0.1)
            baseline = len(asyncio.all_tasks())
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
            async with httpx.AsyncClient(timeout=30, limits=limits) as client:

                async def one(i: int) -> str:
                    response = await client.post(
                        f"{url}/v1/messages", json=user_message(f"request {i}", stream=True)
                    )
                    if response.status_code != 200:
                        error = response.json()
                        assert error["type"] == "error" and error["error"]["message"], error
                        return "error"
                    events = assert_valid_anthropic_stream(response.content)
                    return "complete" if events[-1][0] == "message_stop" else "error-event"

                outcomes = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(200))), 60)
            # Every request ended properly; the mix exercised all three endings.
            assert set(outcomes) == {"complete", "error", "error-event"}
            for _ in range(50):
                if (
                    len(url.server.server_state.connections) == 0
                    and len(asyncio.all_tasks()) <= baseline
                ):
                    break
                await asyncio.sleep(0.1)
            assert len(url.server.server_state.connections) == 0
            assert len(asyncio.all_tasks()) <= baseline
