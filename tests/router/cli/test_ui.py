"""``ccrouter ui``: starts the service when none runs, prints the dashboard's address."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ccrouter.cli.ui import _can_open_browser, dashboard_url
from tests.router.cli.support import (
    cli_env,
    force_stop,
    free_port,
    pid_of,
    run_cli,
    running_service,
    write_config,
)


def test_dashboard_url() -> None:
    assert dashboard_url("http://127.0.0.1:3456") == "http://127.0.0.1:3456/ui/"
    assert dashboard_url("http://[::1]:3456/") == "http://[::1]:3456/ui/"


def test_no_browser_without_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert not _can_open_browser()
    monkeypatch.setenv("DISPLAY", ":0")
    assert _can_open_browser()


def test_ui_starts_the_service_and_prints_the_address(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port)
    env = cli_env(tmp_path, config)
    try:
        result = run_cli(["ui", "--no-open"], env)
        assert result.returncode == 0, result.stderr
        url = result.stdout.strip()
        assert url == f"http://127.0.0.1:{port}/ui/"
        assert "started ccrouter" in result.stderr
        assert pid_of(tmp_path) is not None
        page = httpx.get(url, trust_env=False, timeout=5)
        assert page.status_code == 200 and "<title>ccrouter</title>" in page.text
        again = run_cli(["ui", "--no-open"], env)  # already running: nothing started
        assert again.returncode == 0 and again.stdout.strip() == url
        assert "started" not in again.stderr
    finally:
        force_stop(tmp_path, env)


def test_ui_behind_an_apikey_says_to_sign_in(tmp_path: Path) -> None:
    with running_service(tmp_path, apikey="inbound-secret-ui-42") as service:
        result = run_cli(["ui", "--no-open"], service.env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"{service.url}/ui/"
        assert "sign in with the APIKEY" in result.stderr
        assert "inbound-secret-ui-42" not in result.stdout + result.stderr
        page = httpx.get(f"{service.url}/ui/", trust_env=False, timeout=5)
        assert 'id="login-form"' in page.text
