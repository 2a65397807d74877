"""One upstream event sequence gives one answer, however its bytes were split into reads.

Every recorded upstream stream goes through the whole server (app -> dispatcher -> pipe ->
translator) with the upstream's body cut into one event per read, 7-byte reads, and a single
read. The client must see the same outcome each time: the same status, the same event
sequence and the same text, and a valid Anthropic stream. Text that came before an upstream
error is never dropped once content has started.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccrouter.app import create_app
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream, parse_sse_bytes
from tests.conftest import base_config, user_message

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "openrouter_sse"
NAMES = sorted(path.name for path in FIXTURES.glob("*.sse"))
SPLITS = ("event", "7-byte", "whole")


def _reads(raw: bytes, split: str) -> list[bytes]:
    if split == "whole":
        return [raw]
    if split == "event":
        events = raw.split(b"\n\n")
        return [event + b"\n\n" for event in events[:-1]] + ([events[-1]] if events[-1] else [])
    return [raw[i : i + 7] for i in range(0, len(raw), 7)]


def _upstream(raw: bytes, split: str) -> httpx.AsyncClient:
    async def body() -> AsyncIterator[bytes]:
        for piece in _reads(raw, split):
            yield piece

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def _outcome(status: int, raw: bytes) -> dict[str, Any]:
    if status != 200:
        return {"status": status, "error": json.loads(raw)["error"]["type"]}
    events = parse_sse_bytes(raw)
    assert_valid_anthropic_stream(events)
    texts: list[str] = []
    for _, data in events:
        delta = data.get("delta") or {}
        texts.append(
            str(delta.get("text") or delta.get("thinking") or delta.get("partial_json") or "")
        )
    return {
        "status": status,
        "events": [name for name, _ in events if name != "ping"],
        "text": "".join(texts),
    }


async def _run(tmp_path: Path, raw: bytes, split: str) -> dict[str, Any]:
    config = tmp_path / f"config-{split}.json"
    # A one-model chain: a pre-content failure is the client's answer, not a fallback.
    config.write_text(json.dumps(base_config(Router={"default": "openrouter,model-default"})))
    app = create_app(config, client=_upstream(raw, split), watch=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ccrouter.test") as client:
        response = await client.post("/v1/messages", json=user_message(stream=True))
        return _outcome(response.status_code, response.content)


@pytest.mark.parametrize("name", NAMES)
async def test_every_split_gives_the_same_answer(tmp_path: Path, name: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    outcomes = {split: await _run(tmp_path, raw, split) for split in SPLITS}
    assert outcomes["event"] == outcomes["7-byte"] == outcomes["whole"], outcomes


@pytest.mark.parametrize("split", SPLITS)
async def test_text_before_a_mid_stream_error_reaches_the_client(
    tmp_path: Path, split: str
) -> None:
    raw = (FIXTURES / "error_mid_stream.sse").read_bytes()
    outcome = await _run(tmp_path, raw, split)
    assert outcome["status"] == 200
    assert outcome["text"] == "Partial ans"
    assert outcome["events"][-1] == "error"
