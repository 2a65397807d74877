"""``ccrouter statusline`` with a running service, with none, and with odd input."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccrouter.cli.statusline import read_status_input, render
from tests.router.cli.support import (
    Service,
    cli_env,
    free_port,
    post_message,
    run_cli,
    running_service,
    write_config,
)

APIKEY = "statusline-inbound-key"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(tmp_path_factory.mktemp("statusline"), apikey=APIKEY) as svc:
        yield svc


def statusline(env: dict[str, str], stdin: str) -> str:
    result = run_cli(["statusline"], env, input=stdin)
    assert result.returncode == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


def status_json(session_id: str) -> str:
    return json.dumps(
        {
            "session_id": session_id,
            "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet"},
            "workspace": {"current_dir": "/tmp"},
        }
    )


def test_shows_the_sessions_last_decision(service: Service) -> None:
    assert post_message(service.url, "sess-a", apikey=APIKEY) >= 400  # no upstream: an error
    line = statusline(service.env, status_json("sess-a"))
    assert line.startswith("ccrouter ▸ default → local,model-a · ")
    assert " tok · error " in line


def test_uses_the_router_claude_code_was_pointed_at(service: Service) -> None:
    # Under `ccrouter code` the status command inherits ANTHROPIC_BASE_URL/AUTH_TOKEN.
    root = service.root / "elsewhere"
    root.mkdir(exist_ok=True)
    env = cli_env(root, root / "none.json")
    env.update(ANTHROPIC_BASE_URL=service.url, ANTHROPIC_AUTH_TOKEN=APIKEY)
    assert statusline(env, status_json("sess-a")).startswith("ccrouter ▸ default → local,model-a")


def test_a_wrong_key_is_reported(service: Service) -> None:
    root = service.root / "wrong-key"
    root.mkdir(exist_ok=True)
    env = cli_env(root, root / "none.json")
    env.update(ANTHROPIC_BASE_URL=service.url, ANTHROPIC_AUTH_TOKEN="wrong")
    env["CCROUTER_CONFIG"] = str(write_config(root, free_port()))
    assert statusline(env, "{}") == "ccrouter ▸ running (APIKEY rejected)"


@pytest.mark.parametrize("stdin", ["", "not json", "[1, 2]", '{"session_id": null}'])
def test_tolerates_empty_or_invalid_input(service: Service, stdin: str) -> None:
    assert statusline(service.env, stdin).startswith("ccrouter ▸ ")


def test_not_running(tmp_path: Path) -> None:
    env = cli_env(tmp_path, write_config(tmp_path, free_port()))
    started = time.monotonic()
    assert statusline(env, status_json("x")) == "ccrouter ▸ not running"
    assert time.monotonic() - started < 5


def test_render() -> None:
    assert render({}) == "ccrouter ▸ ready"
    record = {"route": "think", "target": "openrouter,deepseek/deepseek-r1", "tokens": 12345}
    assert render({**record, "status": "ok"}) == (
        "ccrouter ▸ think → openrouter,deepseek/deepseek-r1 · 12.3k tok"
    )
    assert render({**record, "tokens": 12, "status": "error 429"}) == (
        "ccrouter ▸ think → openrouter,deepseek/deepseek-r1 · 12 tok · error 429"
    )
    assert render({**record, "cache_hit_rate": 0.8, "status": "ok"}) == (
        "ccrouter ▸ think → openrouter,deepseek/deepseek-r1 · 12.3k tok · cache 80%"
    )
    assert render({**record, "cache_hit_rate": None}).endswith("12.3k tok")


def test_read_status_input() -> None:
    assert read_status_input(io.StringIO('{"session_id": "s"}')) == {"session_id": "s"}
    assert read_status_input(io.StringIO("")) == {}
    assert read_status_input(io.StringIO("{")) == {}
    assert read_status_input(None) == {}
