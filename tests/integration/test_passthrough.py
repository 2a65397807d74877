"""Anthropic-native providers: the request goes out as sent, the answer comes back as received."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccrouter.app import create_app
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import Text, ToolCall, ToolCalls
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from tests.recording.driver import Recordings
from tests.transformers.kit import provider_config

PROVIDER_KEY = "sk-test-anthropic"
CLIENT_HEADERS = {
    "anthropic-version": "2023-06-01",
    "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
    "x-api-key": "client-key-must-not-leak",
    "authorization": "Bearer client-token-must-not-leak",
    "content-type": "application/json",
    "x-claude-code-session-id": "sess-1",
}


class RecordingTransport(httpx.AsyncBaseTransport):
    """The fake upstream, keeping the exact bytes of every answer it gave."""

    def __init__(self, fake: FakeOpenRouter) -> None:
        self._inner = fake.transport()
        self.answers: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        raw = await response.aread()
        self.answers.append(raw)
        return httpx.Response(response.status_code, headers=response.headers, content=raw)


def node_json(body: dict[str, Any]) -> bytes:
    """What Claude Code (Node's JSON.stringify) puts on the wire."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def claude_code_body(claude_code: Recordings) -> dict[str, Any]:
    """Claude Code's request after a Bash round trip (a copy: the recording is shared)."""
    body: dict[str, Any] = copy.deepcopy(claude_code.request("c_tool_bash/002")["body"])
    body["model"] = "anthropic,claude-sonnet-4-5"
    body["safeguards"] = {"cwd": "/home/me/project"}  # Claude Code-only; never forwarded
    return body


@pytest.fixture
def recording(fake: FakeOpenRouter) -> RecordingTransport:
    return RecordingTransport(fake)


@pytest.fixture
def app(write_config: Callable[..., Path], recording: RecordingTransport) -> Any:
    config = provider_config(
        "anthropic", "https://api.anthropic.com/v1/messages", ["Anthropic"], ["claude-sonnet-4-5"]
    )
    config["Providers"][-1]["api_key"] = PROVIDER_KEY
    return create_app(
        write_config(config), client=httpx.AsyncClient(transport=recording), watch=False
    )


async def send(app: Any, raw: bytes, headers: dict[str, str] = CLIENT_HEADERS) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=10
    ) as client:
        return await client.post("/v1/messages?beta=true", content=raw, headers=headers)


@pytest.mark.parametrize("stream", [True, False])
async def test_request_arrives_as_sent_but_for_model_auth_and_local_fields(
    app: Any, fake: FakeOpenRouter, stream: bool, claude_code: Recordings
) -> None:
    body = claude_code_body(claude_code)
    body["stream"] = stream
    response = await send(app, node_json(body))
    assert response.status_code == 200, response.text
    expected = {k: v for k, v in body.items() if k != "safeguards"}
    expected["model"] = "claude-sonnet-4-5"
    sent = fake.requests[-1]
    assert sent.path == "/v1/messages"
    assert sent.raw == node_json(expected)
    assert sent.headers["x-api-key"] == PROVIDER_KEY
    assert sent.headers["anthropic-version"] == CLIENT_HEADERS["anthropic-version"]
    assert sent.headers["anthropic-beta"] == CLIENT_HEADERS["anthropic-beta"]
    assert "authorization" not in sent.headers
    assert not any("must-not-leak" in value for value in sent.headers.values())


@pytest.mark.parametrize(
    "answer",
    [
        Text("Hello from Claude.", reasoning="Thinking first.", reasoning_signature="sig-abc"),
        ToolCalls([ToolCall("Bash", {"command": "ls"})], text="Let me look."),
    ],
)
async def test_stream_comes_back_byte_for_byte(
    app: Any,
    fake: FakeOpenRouter,
    recording: RecordingTransport,
    answer: Any,
    claude_code: Recordings,
) -> None:
    fake.script("claude-sonnet-4-5", answer)
    body = {**claude_code_body(claude_code), "stream": True}
    response = await send(app, node_json(body))
    assert response.status_code == 200, response.text
    assert response.content == recording.answers[-1]
    assert_valid_anthropic_stream(response.content)


async def test_non_stream_answer_comes_back_unchanged(
    app: Any, fake: FakeOpenRouter, recording: RecordingTransport, claude_code: Recordings
) -> None:
    fake.script("claude-sonnet-4-5", Text("Plain."))
    response = await send(app, node_json({**claude_code_body(claude_code), "stream": False}))
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(recording.answers[-1])


async def test_use_bearer_sends_the_key_as_authorization(
    write_config: Callable[..., Path], fake: FakeOpenRouter
) -> None:
    config = provider_config(
        "proxy",
        "https://llm-proxy.example/v1/messages",
        [["Anthropic", {"UseBearer": True}]],
        ["claude-sonnet-4-5"],
    )
    app = create_app(
        write_config(config), client=httpx.AsyncClient(transport=fake.transport()), watch=False
    )
    body = {
        "model": "proxy,claude-sonnet-4-5",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
    }
    response = await send(app, node_json(body))
    assert response.status_code == 200, response.text
    sent = fake.requests[-1]
    assert sent.headers["authorization"] == "Bearer sk-test-proxy"
    assert sent.headers.get("x-api-key") is None
    assert sent.raw == node_json({**body, "model": "claude-sonnet-4-5"})
