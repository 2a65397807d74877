"""``ccrouter code``: a fake ``claude`` (via CLAUDE_PATH) records its argv and environment."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccrouter.cli.code import claude_env, find_claude, settings_overrides
from ccrouter.cli.common import CLIError
from tests.router.cli.support import (
    CLI,
    Service,
    alive,
    cli_env,
    force_stop,
    free_port,
    pid_of,
    run_cli,
    running_service,
    write_config,
)

APIKEY = "inbound-key-for-code-tests"

FAKE_CLAUDE = """#!{python}
import json, os, signal, sys, time
def dump(extra):
    with open(os.environ["FAKE_DUMP"], "w") as f:
        json.dump({{"argv": sys.argv[1:], "env": dict(os.environ), **extra}}, f)
if os.environ.get("FAKE_WAIT_FOR_SIGINT"):
    def on_sigint(signum, frame):
        dump({{"signal": "SIGINT"}})
        sys.exit(130)
    signal.signal(signal.SIGINT, on_sigint)
    open(os.environ["FAKE_DUMP"] + ".ready", "w").close()
    time.sleep(20)
    sys.exit(99)
dump({{}})
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service someone else started: `ccrouter code` must leave it running."""
    with running_service(tmp_path_factory.mktemp("code"), apikey=APIKEY) as svc:
        yield svc


@pytest.fixture
def fake_claude(tmp_path: Path) -> Path:
    path = tmp_path / "fake-claude"
    path.write_text(FAKE_CLAUDE.format(python=sys.executable))
    path.chmod(0o755)
    return path


def run_code(
    service: Service, fake: Path, args: list[str], **env: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    dump = fake.parent / "dump.json"
    result = run_cli(
        ["code", *args], {**service.env, "CLAUDE_PATH": str(fake), "FAKE_DUMP": str(dump), **env}
    )
    return result, json.loads(dump.read_text()) if dump.exists() else {}


def test_arguments_pass_through_verbatim(service: Service, fake_claude: Path) -> None:
    args = ["--model", "openrouter,x/y", "-p", "two words", "--", "--weird", "", "a b  c"]
    result, seen = run_code(service, fake_claude, args)
    assert result.returncode == 0, result.stderr
    assert seen["argv"] == args


def test_prompt_flag_keeps_its_value(service: Service, fake_claude: Path) -> None:
    _, seen = run_code(service, fake_claude, ["-p", "two words"])
    assert seen["argv"] == ["-p", "two words"]


def test_a_leading_double_dash_is_dropped(service: Service, fake_claude: Path) -> None:
    _, seen = run_code(service, fake_claude, ["--", "--help"])
    assert seen["argv"] == ["--help"]


def test_environment_points_claude_at_the_router(service: Service, fake_claude: Path) -> None:
    result, seen = run_code(
        service,
        fake_claude,
        ["-p", "hi"],
        ANTHROPIC_API_KEY="sk-ant-real-key",
        CLAUDECODE="1",
        CLAUDE_CODE_USE_BEDROCK="1",
        NO_PROXY="corp.example",
        ANTHROPIC_BASE_URL="https://api.anthropic.com",
    )
    assert result.returncode == 0, result.stderr
    env = seen["env"]
    assert env["ANTHROPIC_BASE_URL"] == service.url
    assert env["ANTHROPIC_AUTH_TOKEN"] == APIKEY
    assert "ANTHROPIC_API_KEY" not in env
    assert "CLAUDECODE" not in env
    assert "CLAUDE_CODE_USE_BEDROCK" not in env
    assert env["API_TIMEOUT_MS"] == "123000"
    assert env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1"
    assert env["CLAUDE_CODE_ATTRIBUTION_HEADER"] == "0"
    assert env["DISABLE_COST_WARNINGS"] == "1"
    assert env["NO_PROXY"].split(",")[:2] == ["corp.example", "127.0.0.1"]
    assert env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == "claude-haiku-5-5"
    assert APIKEY not in result.stdout + result.stderr


def test_the_users_background_model_is_kept(service: Service, fake_claude: Path) -> None:
    _, seen = run_code(service, fake_claude, [], ANTHROPIC_SMALL_FAST_MODEL="my-small")
    assert "ANTHROPIC_DEFAULT_HAIKU_MODEL" not in seen["env"]
    _, seen = run_code(service, fake_claude, [], ANTHROPIC_DEFAULT_HAIKU_MODEL="mine")
    assert seen["env"]["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == "mine"


@pytest.mark.parametrize("code", [0, 3, 42])
def test_the_exit_code_of_claude_is_returned(
    service: Service, fake_claude: Path, code: int
) -> None:
    result, _ = run_code(service, fake_claude, ["-p", "x"], FAKE_EXIT=str(code))
    assert result.returncode == code


def test_the_service_someone_else_started_keeps_running(
    service: Service, fake_claude: Path
) -> None:
    pid = service.pid
    run_code(service, fake_claude, ["-p", "x"], FAKE_EXIT="1")
    assert alive(pid) and pid_of(service.root) == pid
    assert run_cli(["status"], service.env).returncode == 0


def test_sigint_reaches_claude_and_its_code_comes_back(service: Service, fake_claude: Path) -> None:
    dump = fake_claude.parent / "dump.json"
    env = {
        **service.env,
        "CLAUDE_PATH": str(fake_claude),
        "FAKE_DUMP": str(dump),
        "FAKE_WAIT_FOR_SIGINT": "1",
    }
    process = subprocess.Popen(
        [*CLI, "code", "-p", "long"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        ready = Path(str(dump) + ".ready")
        deadline = time.monotonic() + 15
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ready.exists()
        process.send_signal(signal.SIGINT)  # to ccrouter only, as `kill -INT` would
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert json.loads(dump.read_text())["signal"] == "SIGINT"
    assert b"Traceback" not in stderr


def test_code_starts_the_service_when_none_runs_and_leaves_it(
    tmp_path: Path, fake_claude: Path
) -> None:
    port = free_port()
    env = cli_env(tmp_path, write_config(tmp_path, port))
    env.update(CLAUDE_PATH=str(fake_claude), FAKE_DUMP=str(tmp_path / "dump.json"))
    try:
        result = run_cli(["code", "-p", "hi"], env)
        assert result.returncode == 0, result.stderr
        assert f"started the router at http://127.0.0.1:{port}" in result.stderr
        seen = json.loads((tmp_path / "dump.json").read_text())
        assert seen["env"]["ANTHROPIC_BASE_URL"] == f"http://127.0.0.1:{port}"
        assert seen["env"]["ANTHROPIC_AUTH_TOKEN"] == "ccrouter"  # no APIKEY: the placeholder
        pid = pid_of(tmp_path)
        assert pid is not None and alive(pid)  # `code` never stops the service
    finally:
        force_stop(tmp_path, env)


def test_missing_claude_says_how_to_install(tmp_path: Path) -> None:
    env = cli_env(tmp_path, write_config(tmp_path, free_port()), PATH="/nonexistent")
    result = run_cli(["code", "-p", "x"], env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "npm install -g @anthropic-ai/claude-code" in lines[0]
    assert "CLAUDE_PATH" in lines[0]
    assert pid_of(tmp_path) is None  # nothing was started for nothing


def test_a_wrong_claude_path_is_named(tmp_path: Path) -> None:
    env = cli_env(tmp_path, write_config(tmp_path, free_port()), CLAUDE_PATH="/no/claude")
    result = run_cli(["code"], env)
    assert result.returncode == 1
    assert "CLAUDE_PATH is /no/claude, which is not an executable file" in result.stderr


def test_code_help_is_ccrouters_own(tmp_path: Path) -> None:
    env = cli_env(tmp_path, write_config(tmp_path, free_port()))
    result = run_cli(["code", "--help"], env)
    assert result.returncode == 0
    assert "usage: ccrouter code [claude arguments ...]" in result.stdout
    assert "ccrouter code -- --help" in result.stdout.replace("\n", " ")


def test_find_claude_order(tmp_path: Path, fake_claude: Path) -> None:
    other = tmp_path / "bin" / "claude"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    path_env = {"PATH": str(other.parent)}
    assert find_claude(path_env) == str(other)
    assert find_claude({**path_env, "CLAUDE_PATH": str(fake_claude)}) == str(fake_claude)
    assert find_claude(path_env, str(fake_claude)) == str(fake_claude)
    with pytest.raises(CLIError, match="config CLAUDE_PATH"):
        find_claude(path_env, "/missing/claude")
    with pytest.raises(CLIError, match="not on PATH"):
        find_claude({"PATH": str(tmp_path / "empty")})


def test_claude_env_is_a_pure_function() -> None:
    base = {"ANTHROPIC_API_KEY": "k", "no_proxy": "a,127.0.0.1", "KEEP": "1"}
    env = claude_env(base, "http://127.0.0.1:1", None, 5)
    assert env["ANTHROPIC_AUTH_TOKEN"] == "ccrouter"
    assert env["no_proxy"] == "a,127.0.0.1,localhost,::1"
    assert env["KEEP"] == "1" and env["API_TIMEOUT_MS"] == "5"
    assert base == {"ANTHROPIC_API_KEY": "k", "no_proxy": "a,127.0.0.1", "KEEP": "1"}


def test_settings_that_override_the_environment_are_reported(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    settings = {"env": {"ANTHROPIC_BASE_URL": "https://elsewhere", "OTHER": "1"}}
    (tmp_path / ".claude" / "settings.json").write_text(json.dumps(settings))
    found = settings_overrides(tmp_path, tmp_path / "project")
    assert found == [f"{tmp_path / '.claude' / 'settings.json'} sets ANTHROPIC_BASE_URL in env"]
    assert settings_overrides(tmp_path / "none", tmp_path / "none") == []


def test_keys_from_the_parent_environment_never_leak(service: Service, fake_claude: Path) -> None:
    _, seen = run_code(service, fake_claude, [], ANTHROPIC_API_KEY="sk-ant-leak")
    assert "sk-ant-leak" not in json.dumps(seen["env"])


def test_the_session_models_window_from_the_catalog(service: Service, fake_claude: Path) -> None:
    from ccrouter.catalog.facts import ModelFacts
    from ccrouter.catalog.fetch import models_url
    from ccrouter.catalog.store import Fetched, write_cache

    local = re.search(r'"api_base_url": "(http://127\.0\.0\.1[^"]+)"', service.config.read_text())
    assert local is not None
    url = models_url(local.group(1))
    cache = Path(service.env["CCROUTER_HOME"]) / "catalog.json"
    write_cache(
        cache, {url: Fetched(url, time.time(), {"model-a": ModelFacts("model-a", 131_072, 8192)})}
    )
    try:
        _, seen = run_code(service, fake_claude, ["-p", "x"], CLAUDE_CODE_MAX_OUTPUT_TOKENS="4000")
    finally:
        cache.unlink()
    env = seen["env"]
    assert env["CLAUDE_CODE_MAX_CONTEXT_TOKENS"] == "131072"
    assert env["CLAUDE_CODE_AUTO_COMPACT_WINDOW"] == "131072"
    assert env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] == "4000"  # the user's own setting stays
