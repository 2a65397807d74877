"""Foreground serving: loopback unless APIKEY, and a clear line for a busy port."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
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


# --- SIGTERM with a stream in flight, against a real `python -m ccrouter serve` process -------


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited during start-up"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {timeout} s")


async def test_sigterm_lets_a_slow_stream_finish_then_exits(tmp_path: Path) -> None:
    from ccrouter.server.run import GRACE_S
    from ccrouter.testing.fake.app import FakeOpenRouter
    from ccrouter.testing.fake.script import Text
    from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
    from tests.conftest import base_config, user_message
    from tests.servers import serve_app

    fake = FakeOpenRouter()
    words = "slow words arrive one by one " * 4
    fake.script("model-default", Text(words, chunk_chars=6, chunk_delay=0.1))  # ~2 s
    async with serve_app(fake.app) as upstream:
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        config = base_config(LOG_LEVEL="info", PORT=port)
        config["Providers"][0]["api_base_url"] = f"{upstream}/api/v1/chat/completions"
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        log = (tmp_path / "serve.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "ccrouter", "serve", "--config", str(path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            await asyncio.to_thread(_wait_listening, port, process)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
                async with c.stream("POST", "/v1/messages", json=user_message(stream=True)) as r:
                    assert r.status_code == 200
                    chunks = r.aiter_bytes()
                    received = [await anext(chunks)]
                    process.send_signal(signal.SIGTERM)
                    stopped_at = time.monotonic()
                    received += [chunk async for chunk in chunks]
            events = assert_valid_anthropic_stream(b"".join(received))
            assert events[-1][0] == "message_stop"
            await asyncio.to_thread(process.wait, GRACE_S + 5)
            assert time.monotonic() - stopped_at < GRACE_S
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
    lines = (tmp_path / "serve.log").read_text().splitlines()
    stopping = [line for line in lines if "stopping" in line]
    assert len(stopping) == 1, lines
    assert "stopping (SIGTERM): finishing 1 open connection(s), at most 10 s" in stopping[0]
    assert "Traceback" not in "\n".join(lines)
