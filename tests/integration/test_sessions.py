"""Many Claude Code sessions at once, each with a subagent: stickiness, lanes and the
conversation memo stay per session (``ccrouter.routing.sessions``, ``routing.conversation``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx

from ccrouter.app import CCRouterApp
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import HttpError, RecordedRequest, Spec, Text
from tests.conftest import base_config

SESSIONS = 40
FAILING = {f"s{n:02d}" for n in range(0, SESSIONS, 2)}  # their first main turn fails on default


def body(session: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    user_id = json.dumps({"device_id": "d", "account_uuid": "", "session_id": session})
    return {
        "model": "claude-opus-5-5",
        "max_tokens": 1000,
        "stream": True,
        "metadata": {"user_id": user_id},
        "messages": messages,
    }


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def answering(failed: set[str]) -> Callable[[RecordedRequest], Spec]:
    """The fake's answer: 503 for a failing session's first main turn, else who was asked."""

    def answer(request: RecordedRequest) -> Spec:
        request_body = request.body or {}
        session = str(request_body.get("session_id"))
        if request.model == "model-default" and session in FAILING and session not in failed:
            failed.add(session)
            return HttpError(503, "overloaded")
        return Text(f"{request.model} for {session}")

    return answer


async def run_session(client: httpx.AsyncClient, session: str) -> list[str]:
    """Three main turns, a subagent turn interleaved with the second; the models that answered."""
    headers = {"x-claude-code-session-id": session}
    history = [user(f"main task of {session}")]
    models: list[str] = []
    for turn in range(3):
        requests = [client.post("/v1/messages", json=body(session, history), headers=headers)]
        if turn == 1:
            agent = {**headers, "x-claude-code-agent-id": f"agent-{session}"}
            side = body(session, [user(f"subagent task of {session}")])
            requests.append(client.post("/v1/messages", json=side, headers=agent))
        responses = await asyncio.gather(*requests)
        for response in responses:
            assert response.status_code == 200, response.text
        models.append(responses[0].headers["x-ccrouter-model"])
        if turn == 1:
            assert responses[1].headers["x-ccrouter-model"] == "openrouter,model-sub"
        history = [*history, assistant(f"answer {turn}"), user(f"more {turn}")]
    return models


async def test_many_concurrent_sessions_keep_their_own_models_and_memos(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    config = base_config()
    config["Router"] = {
        **config["Router"],
        "default": ["openrouter,model-default", "openrouter,model-b"],
        "subagent": "openrouter,model-sub",
    }
    config["Resilience"] = {**config["Resilience"], "cooldownAfterFailures": 1000}
    fake.default = answering(set())
    app = make_app(config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ccrouter.test", timeout=20
    ) as client:
        sessions = [f"s{n:02d}" for n in range(SESSIONS)]
        results = await asyncio.gather(*(run_session(client, s) for s in sessions))

    default, fallback = "openrouter,model-default", "openrouter,model-b"
    for session, models in zip(sessions, results, strict=True):
        if session in FAILING:  # the fallback keeps one turn more, then default has it back
            assert models == [fallback, fallback, default], (session, models)
        else:
            assert models == [default, default, default], (session, models)
    # Every upstream request carried its own session's conversation, nobody else's.
    for request in fake.requests:
        request_body = request.body or {}
        text = json.dumps(request_body["messages"])
        session = request_body["session_id"]
        assert f"task of {session}" in text
        assert text.count("task of s") == 1, text
    assert len(fake.requests) == SESSIONS * 4 + len(FAILING)
