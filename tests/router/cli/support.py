"""Helpers for the CLI tests: a config with no reachable upstream, the environment, a real service.

Every service runs on a free loopback port with ``CCROUTER_HOME``/``CCROUTER_CONFIG``/``HOME``
inside the test's temporary folder, and is stopped (SIGKILL as the last resort) even when the
test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CLI = [sys.executable, "-m", "ccrouter"]
TIMEOUT_S = 30

COMMENTED_CONFIG = """{
  // ccrouter test config: the upstream port is unused, nothing is ever reached
  "PORT": %(port)d,
  "LOG_LEVEL": "warn",
  "API_TIMEOUT_MS": 123000,
  "CUSTOM_ROUTER_DIR": "no-custom-routers",
  "Providers": [
    {
      "name": "local",
      "api_base_url": "http://127.0.0.1:%(upstream)d/v1/chat/completions",
      "api_key": "$CCROUTER_TEST_LOCAL_KEY", // a $VAR reference, kept as written
      "models": ["model-a", "model-b", "model-think"],
    },
    {
      "name": "openrouter",
      "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
      "api_key": "sk-or-test-dummy-key-for-masking-00",
      "models": ["deepseek/deepseek-r1"],
    },
  ],
  "Router": {
    "default": ["local,model-a", "local,model-b"], /* primary, then a fallback */
    "think": "local,model-think",
    "background": "local,model-b",
  },
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_config(folder: Path, port: int, *, apikey: str | None = None) -> Path:
    text = COMMENTED_CONFIG % {"port": port, "upstream": free_port()}
    if apikey:
        text = text.replace('"LOG_LEVEL"', f'"APIKEY": "{apikey}",\n  "LOG_LEVEL"', 1)
    path = folder / "config.json"
    path.write_text(text)
    return path


def cli_env(root: Path, config: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy") and not k.startswith(("ANTHROPIC_", "CCROUTER_"))
    }
    env.update(
        CCROUTER_HOME=str(root / "home"),
        CCROUTER_CONFIG=str(config),
        HOME=str(root),
        PYTHONUNBUFFERED="1",
        CCROUTER_CATALOG_FETCH="0",  # the config names openrouter.ai: never fetch its models
    )
    env.pop("CLAUDE_PATH", None)
    env.update(extra)
    return env


def run_cli(
    args: list[str], env: dict[str, str], *, input: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=cwd,
    )


def pid_of(root: Path) -> int | None:
    try:
        return int(json.loads((root / "home" / "ccrouter.pid").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def force_stop(root: Path, env: dict[str, str]) -> None:
    """``ccrouter stop``, then SIGKILL if anything is left (a test must never leak a server)."""
    pid = pid_of(root)
    with contextlib.suppress(Exception):
        run_cli(["stop"], env)
    if pid is not None and alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        wait_gone(pid)


@dataclass(frozen=True)
class Service:
    root: Path
    port: int
    config: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        pid = pid_of(self.root)
        assert pid is not None
        return pid


@contextlib.contextmanager
def running_service(root: Path, *, apikey: str | None = None) -> Iterator[Service]:
    """A real background service started with ``python -m ccrouter start --port N``."""
    port = free_port()
    config = write_config(root, port, apikey=apikey)
    env = cli_env(root, config)
    try:
        result = run_cli(["start", "--port", str(port)], env)
        assert result.returncode == 0, result.stderr
        yield Service(root, port, config, env)
    finally:
        force_stop(root, env)


def post_message(url: str, session_id: str, *, apikey: str | None = None) -> int:
    """One non-streaming Messages request (its upstream is unreachable): the response status."""
    import httpx

    headers = {"x-claude-code-session-id": session_id, "anthropic-version": "2023-06-01"}
    if apikey:
        headers["x-api-key"] = apikey
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hello"}],
    }
    with httpx.Client(timeout=20, trust_env=False) as client:
        return client.post(f"{url}/v1/messages", json=body, headers=headers).status_code
