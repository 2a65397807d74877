"""The non-hot endpoints."""

from __future__ import annotations

import httpx

from ccrouter.app import CCRouterApp


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
