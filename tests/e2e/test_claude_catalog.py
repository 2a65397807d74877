"""The model catalog with the real CLI: ccrouter fetches the fake's model list in the background,
then clamps, skips and moves Claude Code's requests by what each model can take."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    MODEL_A,
    Claude,
    FakeOpenRouter,
    Router,
    post_json,
    router_config,
    wait_until,
)

pytestmark = pytest.mark.e2e

GATING = [
    {"id": "fake/cap-8k", "maxOutput": 8192},
    {"id": "fake/ctx-32k", "context": 32_768, "maxOutput": 32_768},
    {"id": "fake/no-tools", "tools": False},
    {"id": "fake/text-only", "vision": False},
]


def catalog_router(
    start_router: Callable[..., Router], fake: FakeOpenRouter, routes: dict[str, Any]
) -> Router:
    """A router whose provider lists the gating models, started once the fake serves them, and
    returned once its background refresh has read them (its /v1/models then carries them)."""
    post_json(f"{fake.url}/_fake/models", {"models": GATING})
    provider = router_config(fake)["Providers"][0]
    provider["models"] = [*provider["models"], *(m["id"] for m in GATING)]
    router = start_router({"longContextThreshold": 10_000_000, **routes}, Providers=[provider])

    def fetched() -> bool:
        models = httpx.get(f"{router.url}/v1/models", timeout=5, trust_env=False).json()["data"]
        return any(m.get("max_tokens") == 8192 for m in models)

    wait_until(fetched, 20, "ccrouter to fetch the fake's model list")
    return router


def test_max_tokens_is_clamped_to_the_models_output_cap(
    claude: Claude, start_router: Callable[..., Router], fake_openrouter: FakeOpenRouter
) -> None:
    router = catalog_router(start_router, fake_openrouter, {"default": "openrouter,fake/cap-8k"})
    result = claude.run(router.url, "-p", "say hi")
    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == "Hello from fake/cap-8k", result.describe()
    [upstream] = fake_openrouter.chat_requests()
    assert upstream["body"]["max_tokens"] == 8192  # Claude Code asked for far more
    [decision] = router.decisions()
    assert re.search(r"max_tokens \d+ -> 8192 \(output cap\)", decision["tried"])


def test_tools_skip_a_model_without_tools(
    claude: Claude, start_router: Callable[..., Router], fake_openrouter: FakeOpenRouter
) -> None:
    chain = ["openrouter,fake/no-tools", f"openrouter,{MODEL_A}"]
    router = catalog_router(start_router, fake_openrouter, {"default": chain})
    result = claude.run(router.url, "-p", "say hi")
    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == f"Hello from {MODEL_A}", result.describe()
    assert fake_openrouter.models() == [MODEL_A]  # Claude Code always sends its tools
    [decision] = router.decisions()
    assert "openrouter,fake/no-tools (skipped: model takes no tools)" in decision["tried"]


def test_a_prompt_over_the_window_goes_to_the_long_context_route(
    claude: Claude, start_router: Callable[..., Router], fake_openrouter: FakeOpenRouter
) -> None:
    routes = {"default": "openrouter,fake/ctx-32k", "longContext": f"openrouter,{MODEL_A}"}
    router = catalog_router(start_router, fake_openrouter, routes)
    started = time.monotonic()
    result = claude.run(router.url, "-p", "summarise: " + " ".join(str(n) for n in range(18_000)))
    assert result.returncode == 0, result.describe()
    assert fake_openrouter.models() == [MODEL_A], result.describe()
    [decision] = router.decisions()
    assert decision["tried"].startswith("openrouter,fake/ctx-32k (skipped: context 32768 < ")
    assert time.monotonic() - started < 120


def numbers(start: int, stop: int) -> str:
    """About 2.8 tokens per number: text that no tokenizer squeezes."""
    return " ".join(str(n) for n in range(start, stop))


def test_a_session_past_the_models_window_compacts_and_keeps_working(
    claude: Claude, start_router: Callable[..., Router], fake_openrouter: FakeOpenRouter
) -> None:
    """The second turn no longer fits the 32k window: ccrouter answers Anthropic's "prompt is
    too long", Claude Code compacts the conversation by itself and the retry fits."""
    routes = {"default": "openrouter,fake/ctx-32k", "longContext": "openrouter,fake/ctx-32k"}
    router = catalog_router(start_router, fake_openrouter, routes)
    fake_openrouter.script(
        "fake/ctx-32k",
        {"type": "text", "text": "first done"},
        {
            "type": "text",
            "text": "<analysis>numbers</analysis><summary>The user sent numbers.</summary>",
        },
        {"type": "text", "text": "second done"},
    )
    first = claude.run(router.url, "-p", "first: " + numbers(0, 4000))
    assert first.returncode == 0 and first.stdout.strip() == "first done", first.describe()
    second = claude.run(router.url, "--continue", "-p", "second: " + numbers(4000, 8000))
    assert second.returncode == 0, second.describe()
    assert second.stdout.strip() == "second done", second.describe()
    statuses = [d["status"] for d in router.decisions()]
    assert statuses == ["ok", "error 400", "ok", "ok"], router.decisions()
    too_long = router.decisions()[1]["tried"]
    assert too_long.startswith("openrouter,fake/ctx-32k (skipped: context 32768 < ")


# A 1x1 PNG: Claude Code forwards an image block of the user's message as it is.
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def test_an_image_skips_a_text_only_model(
    claude: Claude, start_router: Callable[..., Router], fake_openrouter: FakeOpenRouter
) -> None:
    routes = {"image": ["openrouter,fake/text-only", f"openrouter,{MODEL_A}"]}
    router = catalog_router(start_router, fake_openrouter, routes)
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": PIXEL},
    }
    message = {
        "type": "user",
        "message": {"role": "user", "content": [image, {"type": "text", "text": "what is this?"}]},
    }
    command = [claude.binary, "-p", "--input-format", "stream-json", "--output-format"]
    command += ["stream-json", "--verbose"]
    done = subprocess.run(
        command,
        input=json.dumps(message) + "\n",
        capture_output=True,
        text=True,
        env=claude.env(router.url),
        cwd=claude.workdir,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Hello from {MODEL_A}" in done.stdout
    assert fake_openrouter.models() == [MODEL_A]
    [decision] = router.decisions()
    assert decision["route"] == "image"
    assert "openrouter,fake/text-only (skipped: model is text-only" in decision["tried"]
