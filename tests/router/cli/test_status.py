"""``ccrouter status`` rendering (the live-service cases are in test_cli_service.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ccrouter.cli.common import Service, ServiceHTTPError, ServiceRecord, get_json
from ccrouter.cli.status import decision_line, status_lines
from tests.router.cli.support import run_cli, running_service

RECORD = ServiceRecord(pid=77, host="127.0.0.1", port=3456, config="/c.json", log="/l.log")
HEALTH = {
    "version": "9.9",
    "config": "/c.json",
    "problems": [
        "provider openrouter: set the OPENROUTER_API_KEY environment variable",
        "last config reload failed (serving the previous config): bad",
    ],
    "cooldowns": {},
}
STATUS = {
    "uptime_s": 3725.0,
    "requests": 12,
    "config_path": "/c.json",
    "reloads": 2,
    "reload_error": "/c.json has 1 problem(s): Router: 5 is not of type 'object'",
    "custom_routers": ["keyword"],
    "recent": [
        {
            "at": time.time(),
            "route": "think",
            "target": "openrouter,deepseek/deepseek-r1",
            "reason": "effort 'max'",
            "tokens": 1234,
            "status": "ok",
        }
    ],
    "cooldowns": {"openrouter,x/y": 12.5},
}


def test_a_full_report() -> None:
    lines = status_lines(Service(RECORD.url, RECORD.config, RECORD), HEALTH, STATUS)
    text = "\n".join(lines)
    assert lines[0] == "ccrouter is running at http://127.0.0.1:3456 (pid 77)"
    assert "  config:    /c.json" in lines
    assert "  version:   9.9" in lines
    assert "  uptime:    1h 2m 5s" in lines
    assert "  requests:  12" in lines
    assert "  reload:    FAILED, serving the previous config: /c.json has 1 problem(s)" in text
    assert (
        "  problem:   provider openrouter: set the OPENROUTER_API_KEY environment variable" in lines
    )
    assert text.count("last config reload failed") == 0  # said once, on the reload line
    assert "  custom routers: keyword" in lines
    assert "  cooling down: openrouter,x/y (12.5 s)" in lines
    assert "  log:       /l.log" in lines
    assert "think → openrouter,deepseek/deepseek-r1  1234 tokens  ok  (effort 'max')" in text


def test_a_service_started_elsewhere_without_status() -> None:
    lines = status_lines(Service("http://127.0.0.1:1", None, None), {}, {})
    assert lines == [
        "ccrouter is running at http://127.0.0.1:1 (not started by `ccrouter start`, pid unknown)",
        "  config:    embedded default",
    ]


def test_decision_line_tolerates_missing_fields() -> None:
    assert "None → None" in decision_line({})


def test_a_reload_failure_shows_even_when_status_is_refused() -> None:
    """The config (and its APIKEY) was deleted: /api/status refuses, /health still says why."""
    lines = status_lines(Service(RECORD.url, RECORD.config, RECORD), HEALTH, {})
    assert "  problem:   last config reload failed (serving the previous config): bad" in lines


def test_deleting_the_config_of_a_running_service(tmp_path: Path) -> None:
    """A real service with APIKEY: its config deleted, it keeps the key and status says why."""
    with running_service(tmp_path, apikey="inbound-secret-0d1e") as service:
        service.config.unlink()
        deadline = time.monotonic() + 10
        while True:
            result = run_cli(["status"], service.env)
            if "was deleted, renamed" in result.stdout or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert "last config reload failed" in result.stdout, result.stdout
        assert "was deleted, renamed" in result.stdout
        with pytest.raises(ServiceHTTPError) as refused:
            get_json(service.url, "/api/status")
        assert refused.value.status == 401
        assert get_json(service.url, "/api/status", apikey="inbound-secret-0d1e")["config_path"]


def test_sessions_show_their_route_sticky_model_and_cache_rate() -> None:
    sessions = [
        {
            "session_id": "1a2b3c4d-5e6f",
            "route": "default",
            "model": "openrouter,x/y",
            "sticky": True,
            "cache_hit_rate": 0.724,
        },
        {"session_id": "99", "route": "think", "model": "openrouter,t/t", "cache_hit_rate": None},
    ]
    lines = status_lines(Service(RECORD.url, None, None), {}, {**STATUS, "sessions": sessions})
    assert lines[-3:] == [
        "  sessions (latest first):",
        "    1a2b3c4d…  default → openrouter,x/y (sticky)  cache 72%",
        "    99…  think → openrouter,t/t  cache -",
    ]
