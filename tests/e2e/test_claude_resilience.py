"""A failing model in a fallback chain: the user sees the next model's answer, not the failure."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from tests.e2e.conftest import MODEL_A, MODEL_B, Claude, FakeOpenRouter, Router

pytestmark = pytest.mark.e2e

CHAIN = [f"openrouter,{MODEL_A}", f"openrouter,{MODEL_B}"]
RATE_LIMITED = {"type": "http_error", "status": 429, "message": "model-a is rate limited (e2e)"}


@pytest.fixture
def chain_router(start_router: Callable[..., Router]) -> Router:
    # Cooldowns off the path: every request below starts at the first model again.
    return start_router({"default": CHAIN}, Resilience={"cooldownAfterFailures": 100})


def test_rate_limited_first_model_falls_back_to_the_second(
    claude: Claude, chain_router: Router, fake_openrouter: FakeOpenRouter
) -> None:
    fake_openrouter.script(MODEL_A, RATE_LIMITED)

    result = claude.run(chain_router.url, "-p", "say hi")

    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == f"Hello from {MODEL_B}", result.describe()
    output = (result.stdout + result.stderr).lower()
    assert "error" not in output and "429" not in output, result.describe()

    # One Claude Code request; both models saw the same translated body, in chain order.
    first, second = fake_openrouter.chat_requests()
    assert [first["body"]["model"], second["body"]["model"]] == [MODEL_A, MODEL_B]
    assert first["body"]["messages"] == second["body"]["messages"]
    [decision] = chain_router.decisions()
    assert (decision["route"], decision["target"], decision["status"]) == (
        "default",
        f"openrouter,{MODEL_B}",
        "ok",
    )
    # Info lines are written in batches (within a quarter second); warnings at once.
    expected = f"route=default model=openrouter,{MODEL_B}"
    deadline = time.monotonic() + 3
    while expected not in chain_router.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = chain_router.log_text()
    assert f"attempt openrouter,{MODEL_A} failed" in log
    assert expected in log


def test_tried_header_names_both_models(
    chain_router: Router, fake_openrouter: FakeOpenRouter
) -> None:
    """What Claude Code received above, seen directly: the response headers of the same case."""
    fake_openrouter.script(MODEL_A, RATE_LIMITED)
    body = {
        "model": "claude-opus-5-5",
        "max_tokens": 64,
        "stream": True,
        "messages": [{"role": "user", "content": "say hi"}],
    }
    with httpx.stream(
        "POST", f"{chain_router.url}/v1/messages?beta=true", json=body, timeout=30, trust_env=False
    ) as response:
        events = response.read().decode()

    assert response.status_code == 200, events
    assert response.headers["x-ccrouter-route"] == "default"
    assert response.headers["x-ccrouter-model"] == f"openrouter,{MODEL_B}"
    assert response.headers["x-ccrouter-tried"] == (
        f"openrouter,{MODEL_A} (429), openrouter,{MODEL_B} (ok)"
    )
    assert streamed_text(events) == f"Hello from {MODEL_B}"
    assert "event: error" not in events


def streamed_text(events: str) -> str:
    """The concatenated ``text_delta``s of an Anthropic SSE stream."""
    deltas = []
    for line in events.splitlines():
        if line.startswith("data: "):
            data = json.loads(line.removeprefix("data: "))
            if data.get("type") == "content_block_delta" and data["delta"]["type"] == "text_delta":
                deltas.append(data["delta"]["text"])
    return "".join(deltas)


def test_every_model_failing_shows_one_error(
    claude: Claude, chain_router: Router, fake_openrouter: FakeOpenRouter
) -> None:
    fake_openrouter.rule("always", RATE_LIMITED)

    result = claude.run(chain_router.url, "-p", "say hi")

    assert result.returncode == 1, result.describe()
    assert "API Error" in result.stdout + result.stderr, result.describe()
    assert "rate limited (e2e)" in result.stdout + result.stderr, result.describe()
    # CLAUDE_CODE_MAX_RETRIES=0: one Claude Code request, each model tried once.
    assert fake_openrouter.models() == [MODEL_A, MODEL_B]
