"""``ccrouter code``: starts the background service, runs the real CLI through it with the
arguments untouched, and returns Claude Code's exit code."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    MODEL_A,
    MODEL_B,
    MODEL_BG,
    Claude,
    ClaudeResult,
    FakeOpenRouter,
    Router,
    free_port,
    read_text,
    router_config,
    run_captured,
)

pytestmark = pytest.mark.e2e


@dataclass
class Service:
    """The environment of one user with ccrouter: its own HOME, CCROUTER_HOME and config."""

    env: dict[str, str]
    home: Path  # CCROUTER_HOME: pid file and log
    workdir: Path
    url: str

    def ccrouter(self, *args: str, timeout: float = 60.0) -> ClaudeResult:
        command = [sys.executable, "-m", "ccrouter", *args]
        return run_captured(command, self.env, self.workdir, timeout)

    def router(self) -> Router:
        return Router(self.url, self.home / "ccrouter.log")

    def pid(self) -> int | None:
        try:
            return int(json.loads((self.home / "ccrouter.pid").read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return None


@pytest.fixture
def service(
    claude: Claude, claude_bin: str, fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> Iterator[Service]:
    port = free_port()
    config_path = tmp_path / "ccrouter-config.json"
    config = router_config(fake_openrouter, HOST="127.0.0.1", PORT=port)
    config_path.write_text(json.dumps(config, indent=2))
    env = claude.env(
        None,
        CCROUTER_HOME=str(tmp_path / "ccrouter-home"),
        CCROUTER_CONFIG=str(config_path),
        CLAUDE_PATH=claude_bin,
    )
    service = Service(env, tmp_path / "ccrouter-home", claude.workdir, f"http://127.0.0.1:{port}")
    try:
        yield service
    finally:
        pid = service.pid()
        stopped = service.ccrouter("stop", timeout=20)
        if pid is not None and stopped.returncode != 0:  # end what `ccrouter code` started
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        print(f"--- ccrouter stop ---\n{stopped.describe()}")
        print(f"--- ccrouter log ---\n{read_text(service.home / 'ccrouter.log')}")


def user_texts(body: dict[str, Any]) -> str:
    """All text the user messages of an upstream chat request carry, joined."""
    parts: list[str] = []
    for message in body["messages"]:
        if message["role"] != "user":
            continue
        content = message["content"]
        if isinstance(content, str):
            parts.append(content)
        else:
            parts += [part["text"] for part in content if part.get("type") == "text"]
    return "\n".join(parts)


def test_code_starts_the_service_and_passes_the_prompt_verbatim(
    service: Service, fake_openrouter: FakeOpenRouter
) -> None:
    prompt = """reply with "ok" to 'single quotes',  two  spaces, a $HOME and a --flag"""

    result = service.ccrouter("code", "-p", prompt)

    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == f"Hello from {MODEL_A}", result.describe()
    assert "started the router" in result.stderr, result.describe()
    assert service.pid() is not None, "no pid file: the service was not started by ccrouter"

    [upstream] = fake_openrouter.chat_requests()
    assert upstream["body"]["model"] == MODEL_A
    assert prompt in user_texts(upstream["body"])
    [decision] = service.router().decisions()
    assert decision["route"] == "default"


def test_code_model_flag_routes_to_exactly_that_model(
    service: Service, fake_openrouter: FakeOpenRouter
) -> None:
    result = service.ccrouter("code", "--model", f"openrouter,{MODEL_B}", "-p", "hi")

    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == f"Hello from {MODEL_B}", result.describe()
    assert fake_openrouter.models() == [MODEL_B]
    [decision] = service.router().decisions()
    assert (decision["route"], decision["target"]) == ("explicit", f"openrouter,{MODEL_B}")

    # A second run reuses the running service, and without --model is back on the default.
    pid = service.pid()
    again = service.ccrouter("code", "-p", "hi")

    assert again.returncode == 0, again.describe()
    assert again.stdout.strip() == f"Hello from {MODEL_A}", again.describe()
    assert "started" not in again.stderr, again.describe()
    assert service.pid() == pid
    assert fake_openrouter.models() == [MODEL_B, MODEL_A]


def test_code_haiku_model_takes_the_background_route(
    service: Service, fake_openrouter: FakeOpenRouter
) -> None:
    # `-p` sends no background request by itself (reference §12.2), so ask for the haiku alias:
    # `ccrouter code` maps it to claude-haiku-5-5, the name the background rule recognises.
    result = service.ccrouter("code", "--model", "haiku", "-p", "hi")

    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == f"Hello from {MODEL_BG}", result.describe()
    assert fake_openrouter.models() == [MODEL_BG]
    [decision] = service.router().decisions()
    assert (decision["route"], decision["target"]) == ("background", f"openrouter,{MODEL_BG}")
    assert "claude-haiku-5-5" in decision["reason"]


def test_code_returns_claudes_exit_code(service: Service, fake_openrouter: FakeOpenRouter) -> None:
    fake_openrouter.rule("always", {"type": "http_error", "status": 500, "message": "boom (e2e)"})

    result = service.ccrouter("code", "-p", "hi")

    assert result.returncode == 1, result.describe()
    assert "boom (e2e)" in result.stdout + result.stderr, result.describe()
    # The service outlives the failed run: another terminal may be using it.
    assert service.router().status()["requests"] >= 1
