"""The recorder itself: what its server answers, what it keeps, how a case's requests are checked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from tests.recording.cases import CASES, MESSAGE_NAMES, Case, request_names, tiny_png
from tests.recording.driver import RecordingError, Recordings, in_declared_order
from tests.recording.server import RecordingServer, Script, ToolTurn

TOOLS = [{"name": "Bash", "input_schema": {"type": "object"}}]


def turn(*content: dict[str, Any]) -> dict[str, Any]:
    return {"model": "m", "max_tokens": 5, "stream": True, "tools": TOOLS, "messages": [
        {"role": "user", "content": list(content) or "hi"}
    ]}  # fmt: skip


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    running = RecordingServer(Script(ToolTurn("Bash", {"command": "ls"})))
    try:
        yield running
    finally:
        running.close()


def test_a_scripted_tool_turn_then_the_closing_text(server: RecordingServer) -> None:
    with httpx.Client(base_url=server.url, trust_env=False, timeout=5) as client:
        first = client.post("/v1/messages", params={"beta": "true"}, json=turn())
        result = {"type": "tool_result", "tool_use_id": "t", "content": "ok"}
        second = client.post("/v1/messages", json=turn(result))
    events = assert_valid_anthropic_stream(first.content)
    assert [e[1]["content_block"]["type"] for e in events if e[0] == "content_block_start"] == [
        "thinking",
        "text",
        "tool_use",
    ]
    assert b'"stop_reason": "tool_use"' in first.content
    assert_valid_anthropic_stream(second.content)
    assert b'"stop_reason": "end_turn"' in second.content
    recorded = server.requests[0]
    assert (recorded["method"], recorded["path"], recorded["query"]) == (
        "POST",
        "/v1/messages",
        {"beta": "true"},
    )
    assert recorded["body"] == turn()
    assert ["Host", f"127.0.0.1:{server.url.rsplit(':', 1)[1]}"] in recorded["headers"]


def test_json_answers_counts_and_the_model_list(server: RecordingServer) -> None:
    with httpx.Client(base_url=server.url, trust_env=False, timeout=5) as client:
        probe = client.post("/v1/messages", json={**turn(), "stream": False, "tools": []})
        counted = client.post("/v1/messages/count_tokens", json={"messages": []})
        models = client.get("/v1/models", params={"limit": "1000"})
        missing = client.get("/v1/nothing")
    assert probe.json()["content"] == [{"type": "text", "text": "hi"}]
    assert counted.json()["input_tokens"] > 0
    assert {m["id"] for m in models.json()["data"]} == {
        "claude-via-gateway",
        "anthropic/gw-model-b",
    }
    assert missing.status_code == 404 and missing.json()["type"] == "error"
    assert "body" not in server.requests[2]  # a GET has none


def test_requests_are_put_in_the_declared_order() -> None:
    case = Case("x", (), ("models", "messages"))
    messages = {"method": "POST", "path": "/v1/messages"}
    models = {"method": "GET", "path": "/v1/models"}
    assert in_declared_order(case, [messages, models]) == [models, messages]
    with pytest.raises(RecordingError, match="expected"):
        in_declared_order(case, [messages])
    with pytest.raises(RecordingError, match="expected"):
        in_declared_order(case, [messages, models, messages])


def test_names_follow_the_declared_requests() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    assert len(request_names()) == sum(len(c.sends) for c in CASES)
    assert "c_tool_bash/002" in MESSAGE_NAMES
    assert "f_gateway_model_discovery/001" not in MESSAGE_NAMES  # the GET /v1/models


def test_the_tiny_png_is_a_png() -> None:
    data = tiny_png()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")


def test_the_session_recording(claude_code: Recordings) -> None:
    """Every case ran; its summary (also in the temp dir's summary.json) says what it sent."""
    assert claude_code.summary() == {c.name: len(c.sends) for c in CASES}
    assert claude_code.seconds < 60
    image_turn = json.dumps(claude_code.body("c_tool_read_image/002"))
    assert '"media_type": "image/png"' in image_turn
    assert claude_code.body("f_rename_haiku_env/002")["model"] == "gw-haiku"
    assert "stream" not in claude_code.body("g_model_slash/001")  # the /model probe
