"""The app with its own aiohttp-backed client, served on a real port with its lifespan."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson

from ccrouter.app import create_app
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
