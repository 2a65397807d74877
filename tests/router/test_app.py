"""The app with its own aiohttp-backed client, served on a real port with its lifespan."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import httpx
import orjson
import pytest

from ccrouter.app import create_app
from ccrouter.routing import tokenizer
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from tests.conftest import base_config, user_message
from tests.servers import serve_app


async def test_real_sockets_end_to_end(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with fake.serve() as fake_url:
        config = base_config()
        config["Providers"][0]["api_base_url"] = f"{fake_url}/chat/completions"
        path = tmp_path / "config.json"
        path.write_bytes(orjson.dumps(config))
        app = create_app(path)
        async with serve_app(app) as url, httpx.AsyncClient(timeout=10) as client:
            streamed = await client.post(f"{url}/v1/messages", json=user_message(stream=True))
            assert_valid_anthropic_stream(streamed.content)
            plain = await client.post(f"{url}/v1/messages", json=user_message())
            assert plain.json()["content"][0]["text"] == "Hello from model-default"
            assert (await client.get(f"{url}/health")).json()["status"] == "ok"


async def test_the_tokenizer_warms_in_the_background_after_start(
    fake: FakeOpenRouter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 14: the first request paid the tokenizer's build (decide_ms=489)."""
    tokenizer.reset_for_tests()
    caplog.set_level(logging.INFO, logger="ccrouter")
    async with fake.serve() as fake_url:
        config = base_config(LOG_LEVEL="info")
        config["Providers"][0]["api_base_url"] = f"{fake_url}/chat/completions"
        path = tmp_path / "config.json"
        path.write_bytes(orjson.dumps(config))
        async with serve_app(create_app(path)) as url, httpx.AsyncClient(timeout=10) as client:
            started = time.perf_counter()
            health = await client.get(f"{url}/health")
            assert health.status_code == 200 and time.perf_counter() - started < 0.25
            for _ in range(1000):  # built without any request asking for it
                if tokenizer.is_loaded():
                    break
                await asyncio.sleep(0.01)
            assert tokenizer.is_loaded()
            assert (await client.post(f"{url}/v1/messages", json=user_message())).is_success
    line = next(r.getMessage() for r in caplog.records if "decide_ms=" in r.getMessage())
    decide_ms = float(line.split("decide_ms=")[1].split()[0])
    assert decide_ms < 50, line
