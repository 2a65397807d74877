"""The CLI's shared pieces: pid-file records, process checks, the tiny HTTP client."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ccrouter.cli.common import (
    ServiceHTTPError,
    ServiceRecord,
    apikey_for,
    base_url,
    check_record,
    client_host,
    configured_address,
    format_duration,
    get_json,
    probe,
    process_alive,
    read_record,
    write_record,
)
from tests.router.cli.support import free_port


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path))
    return tmp_path


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            self.reply(200, {"version": "x", "routes": {}, "key": self.headers.get("x-api-key")})
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b'{"a"', b": [1, 2]}"):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/denied":
            self.reply(401, {"type": "error", "error": {"message": "invalid API key"}})
        else:
            self.reply(200, {"other": True})

    def reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_get_json(server: str) -> None:
    assert get_json(server, "/health", apikey="k")["key"] == "k"
    assert get_json(server, "/chunked") == {"a": [1, 2]}
    with pytest.raises(ServiceHTTPError) as denied:
        get_json(server, "/denied")
    assert denied.value.status == 401 and "invalid API key" in str(denied.value)


def test_get_json_when_nothing_listens() -> None:
    with pytest.raises(OSError):
        get_json(f"http://127.0.0.1:{free_port()}", "/health", timeout=0.5)


def test_probe_recognises_only_ccrouter(server: str) -> None:
    assert probe(server) is not None
    assert probe(f"http://127.0.0.1:{free_port()}") is None


def test_addresses() -> None:
    assert client_host("0.0.0.0") == "127.0.0.1"
    assert client_host("::") == "::1"
    assert base_url("::1", 80) == "http://[::1]:80"
    assert base_url("localhost", 3456) == "http://localhost:3456"


def test_record_round_trip_and_stale_detection(home: Path) -> None:
    record = ServiceRecord(
        pid=1, host="127.0.0.1", port=1, config="/c", log="/l", options={"port": 1}
    )
    write_record(record)
    assert read_record() == record
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_record(ServiceRecord(pid=dead.pid, host="h", port=2, config="/c", log="/l"))
    check = check_record()
    assert check.live is None and check.stale is not None and check.stale.pid == dead.pid
    assert read_record() is None  # cleaned up
    (home / "ccrouter.pid").write_text("garbage")
    check = check_record()
    assert check.stale is not None and check.stale.pid == 0


def test_process_alive_sees_zombies_as_dead() -> None:
    import os

    assert process_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    for _ in range(200):
        if not process_alive(child.pid):
            break
        import time

        time.sleep(0.01)
    assert not process_alive(child.pid)  # exited, not yet reaped
    child.wait()
    assert not process_alive(0)


def test_config_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.json"
    config.write_text('{ // comment\n "APIKEY": "$MY_KEY", "HOST": "0.0.0.0", "PORT": 4000 }')
    monkeypatch.setenv("MY_KEY", "expanded")
    assert apikey_for(config) == "expanded"
    assert configured_address(config) == ("0.0.0.0", 4000)
    assert apikey_for(tmp_path / "none.json") is None
    assert configured_address(None) == ("127.0.0.1", 3456)


def test_format_duration() -> None:
    assert format_duration(5) == "5s"
    assert format_duration(65) == "1m 5s"
    assert format_duration(3600 * 26 + 1) == "1d 2h 0m 1s"
