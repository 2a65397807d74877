"""``ccrouter start|stop|restart|status|pid|log`` against real background services."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccrouter.cli.common import get_json
from ccrouter.cli.service import last_error
from tests.router.cli.support import (
    Service,
    alive,
    cli_env,
    force_stop,
    free_port,
    pid_of,
    post_message,
    run_cli,
    running_service,
    wait_gone,
    write_config,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(tmp_path_factory.mktemp("service"), apikey="inbound-secret-7f3a9") as svc:
        yield svc


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_start_writes_the_pid_file_with_address_and_config(service: Service) -> None:
    record = json.loads((service.root / "home" / "ccrouter.pid").read_text())
    assert record["port"] == service.port
    assert record["host"] == "127.0.0.1"
    assert record["config"] == str(service.config)
    assert alive(record["pid"])
    assert (service.root / "home" / "ccrouter.log").exists()


def test_starting_twice_says_already_running(service: Service) -> None:
    result = run_cli(["start", "--port", str(service.port)], service.env)
    assert result.returncode == 0
    assert one_line(result.stdout) == (
        f"ccrouter is already running at {service.url} (pid {service.pid})"
    )


def test_starting_twice_with_other_settings_fails(service: Service) -> None:
    result = run_cli(["start", "--port", str(free_port())], service.env)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert f"already running at {service.url} (pid {service.pid})" in line
    assert "restart" in line


def test_status_reports_config_uptime_requests_and_decisions(service: Service) -> None:
    assert post_message(service.url, "status-session", apikey="inbound-secret-7f3a9") >= 400
    result = run_cli(["status"], service.env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"ccrouter is running at {service.url} (pid {service.pid})")
    assert f"config:    {service.config}" in out
    assert "uptime:" in out and "requests:  " in out
    assert "reload:    ok" in out
    assert "default → local,model-a" in out  # the recent decision
    assert "inbound-secret-7f3a9" not in out + result.stderr
    assert "dummy-key-for-masking" not in out


def test_status_json(service: Service) -> None:
    result = run_cli(["status", "--json"], service.env)
    report = json.loads(result.stdout)
    assert report["running"] is True and report["pid"] == service.pid
    assert report["status"]["config_path"] == str(service.config)
    assert "uptime_s" in report["status"]


def test_status_shows_a_failed_reload(service: Service) -> None:
    good = service.config.read_text()
    try:
        service.config.write_text(good.replace('"Router"', '"Router": 5, "X"', 1))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            status = get_json(service.url, "/api/status", apikey="inbound-secret-7f3a9")
            if status["reload_error"]:
                break
            time.sleep(0.05)
        result = run_cli(["status"], service.env)
        assert "reload:    FAILED, serving the previous config" in result.stdout
        assert "Router" in result.stdout
    finally:
        service.config.write_text(good)


def test_pid_prints_the_pid(service: Service) -> None:
    result = run_cli(["pid"], service.env)
    assert result.stdout.strip() == str(service.pid)


def test_log_shows_the_tail_and_path(service: Service) -> None:
    result = run_cli(["log", "-n", "5"], service.env)
    assert result.returncode == 0
    assert "ccrouter start" in result.stdout
    path = run_cli(["log", "--path"], service.env).stdout.strip()
    assert path == str(service.root / "home" / "ccrouter.log")


def test_lifecycle_stale_pid_restart_stop(tmp_path: Path) -> None:
    """A stale pid file is cleaned up; restart starts, restarts with the same options; stop."""
    port = free_port()
    env = cli_env(tmp_path, write_config(tmp_path, port))
    (tmp_path / "home").mkdir()
    stale = {"pid": 2**22 + 12345, "host": "127.0.0.1", "port": port, "config": "x", "log": ""}
    (tmp_path / "home" / "ccrouter.pid").write_text(json.dumps(stale))
    try:
        started = run_cli(["restart", "--port", str(port)], env)
        assert started.returncode == 0, started.stderr
        assert one_line(started.stderr) == (
            f"ccrouter: removed a stale pid file (pid {stale['pid']} is no longer running)"
        )
        url = f"http://127.0.0.1:{port}"
        assert one_line(started.stdout).startswith(
            f"ccrouter started (it was not running) at {url}"
        )
        first = pid_of(tmp_path)
        assert first is not None and first != stale["pid"]

        restarted = run_cli(["restart"], env)
        assert restarted.returncode == 0, restarted.stderr
        assert one_line(restarted.stdout).startswith(f"ccrouter restarted at {url} (pid ")
        second = pid_of(tmp_path)
        assert second is not None and second != first and not alive(first)

        stopped = run_cli(["stop"], env)
        assert stopped.returncode == 0
        assert one_line(stopped.stdout) == f"ccrouter stopped (pid {second})"
        assert wait_gone(second, 1)
        assert pid_of(tmp_path) is None
        again = run_cli(["stop"], env)
        assert again.returncode == 1
        assert one_line(again.stderr) == "ccrouter: ccrouter is not running"
        status = run_cli(["status"], env)
        assert status.returncode == 3
        assert one_line(status.stdout) == "ccrouter is not running"
    finally:
        force_stop(tmp_path, env)


def test_stale_pid_file_on_stop(tmp_path: Path) -> None:
    env = cli_env(tmp_path, write_config(tmp_path, free_port()))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "ccrouter.pid").write_text("not json")
    result = run_cli(["stop"], env)
    assert result.returncode == 1
    assert "removed a stale pid file" in result.stderr
    assert "ccrouter is not running" in result.stderr
    assert not (tmp_path / "home" / "ccrouter.pid").exists()


def test_a_busy_port_gives_the_servers_own_error_line(tmp_path: Path) -> None:
    port = free_port()
    env = cli_env(tmp_path, write_config(tmp_path, port))
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))  # bound, not listening: only the child's bind fails
        result = run_cli(["start"], env)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith(f"ccrouter: could not start: cannot listen on 127.0.0.1:{port}: ")
    assert "in use" in line
    assert pid_of(tmp_path) is None


def test_a_ccrouter_not_started_by_start_is_recognised(service: Service, tmp_path: Path) -> None:
    # Another home (no pid file) whose config points at the already running service's port.
    env = cli_env(tmp_path, write_config(tmp_path, service.port))
    result = run_cli(["start"], env)
    assert result.returncode == 1
    assert "not started by `ccrouter start` already serves" in one_line(result.stderr)
    status = run_cli(["status"], env)
    assert "not started by `ccrouter start`, pid unknown" in status.stdout
    stop = run_cli(["stop"], env)
    assert stop.returncode == 1 and "was not started by `ccrouter start`" in stop.stderr


def test_an_invalid_config_fails_before_spawning(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"Router": {"default": 5}, "Providers": [{"name": 1}]}')
    env = cli_env(tmp_path, config)
    result = run_cli(["start", "--port", str(free_port())], env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("ccrouter: ")
    assert "Providers[0]" in result.stderr
    assert pid_of(tmp_path) is None


def test_a_missing_config_file_is_one_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path, tmp_path / "config.json")
    result = run_cli(["start", "--config", str(tmp_path / "nope.json")], env)
    assert result.returncode == 1
    assert (
        one_line(result.stderr) == f"ccrouter: config file {tmp_path / 'nope.json'} does not exist"
    )


def test_start_serves_a_missing_default_config_and_watches_for_it(tmp_path: Path) -> None:
    """No config file yet: the embedded default is served, and `model set` creates the file."""
    port = free_port()
    config = tmp_path / "cfg" / "config.json"
    config.parent.mkdir()
    env = cli_env(tmp_path, config)
    try:
        result = run_cli(["start", "--port", str(port)], env)
        assert result.returncode == 0, result.stderr
        status = run_cli(["status"], env)
        assert "config:    embedded default" in status.stdout
        changed = run_cli(["model", "set", "think", "openrouter,deepseek/deepseek-chat"], env)
        assert changed.returncode == 0, changed.stderr
        assert f"wrote the default config to {config}" in changed.stdout
        assert "reloaded it" in changed.stdout
    finally:
        force_stop(tmp_path, env)


def test_last_error_prefers_the_ccrouter_line(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text(
        "old: ccrouter: nope\nccrouter: old failure\n--- start\nnoise\nccrouter: the one\nmore\n"
    )
    offset = len("old: ccrouter: nope\nccrouter: old failure\n")
    assert last_error(log, offset) == "the one"
    log.write_text("Traceback\n  File x\nValueError: boom\n")
    assert last_error(log, 0) == "ValueError: boom"
    assert last_error(tmp_path / "missing", 0) is None
