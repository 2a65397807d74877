"""Foreground serving: loopback unless APIKEY, and a clear line for a busy port."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from ccrouter.errors import ConfigError
from ccrouter.server.run import is_loopback, serve


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.2", False),
        ("example.com", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_refuses_to_bind_beyond_loopback_without_apikey(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"HOST": "0.0.0.0"}))
    with pytest.raises(ConfigError, match="refusing to listen on 0.0.0.0"):
        serve(path)


def test_busy_port_is_one_clear_error(tmp_path: Path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        path = tmp_path / "config.json"
        path.write_text("{}")
        with pytest.raises(ConfigError, match="cannot listen on 127.0.0.1"):
            serve(path, port=busy.getsockname()[1])
    finally:
        busy.close()


@pytest.mark.parametrize(
    ("config", "why"),
    [
        ({"Router": {"default": "ghost,m"}}, "Router.default: unknown provider 'ghost'"),
        ({"APIKEY": "$CCROUTER_TEST_UNSET"}, "APIKEY: $CCROUTER_TEST_UNSET is not set"),
    ],
)
def test_start_refuses_a_config_breaking_a_rule(
    tmp_path: Path, config: dict[str, object], why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CCROUTER_TEST_UNSET", raising=False)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with pytest.raises(ConfigError) as info:
        serve(path)
    assert why in str(info.value)
