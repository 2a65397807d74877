"""ccrouter.userprobe: a user file that exits, hangs or crashes at import is refused, not run here.

The probe cases run the child for real. The last test is the whole story against a real
``python -m ccrouter serve`` process: files calling ``os._exit`` at import, present at start and
dropped in while serving, are named in the log and skipped; the service keeps answering.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from ccrouter import userprobe
from ccrouter.userfiles import UserFileError, load_user_module
from tests.conftest import base_config

PREFIX = "ccrouter_test_probe"


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


@pytest.mark.parametrize(
    ("source", "verdict"),
    [
        ("X = 1\n", None),
        ("raise RuntimeError('configure me')\n", None),  # the service's own import reports it
        ("import sys\nsys.exit(2)\n", None),  # caught by the loader, here and there
        ("import os\nos._exit(1)\n", "exited with code 1 at import"),
        ("import os\nos._exit(0)\n", "exited with code 0 at import"),  # no token: caught too
        (
            "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n",
            "crashed with signal 11 (SIGSEGV) at import",
        ),
        ("print('x' * 300_000)\n", None),  # a chatty file does not fill a pipe and hang
    ],
    ids=["ok", "raises", "sys-exit", "os-exit-1", "os-exit-0", "segfault", "prints"],
)
def test_what_happened_at_import(tmp_path: Path, source: str, verdict: str | None) -> None:
    assert userprobe.run_probe(write(tmp_path, "user.py", source), PREFIX) == verdict


def test_a_file_that_hangs_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "hangs.py", "import time\ntime.sleep(60)\n")
    started = time.monotonic()
    assert userprobe.run_probe(path, PREFIX, timeout_s=0.5) == (
        "did not finish importing within 0.5 s"
    )
    assert time.monotonic() - started < 3


def test_the_loader_refuses_a_file_the_probe_failed_and_names_it(tmp_path: Path) -> None:
    path = write(tmp_path, "exits.py", "import os\nos._exit(1)\n")
    with pytest.raises(UserFileError) as info:
        load_user_module(path, PREFIX)  # the test process survives: the file never ran here
    assert str(info.value).startswith("exits.py: exited with code 1 at import (tried in a")


def test_verdicts_are_cached_by_path_mtime_and_size(tmp_path: Path) -> None:
    path = write(tmp_path, "r.py", "import os\nos._exit(4)\n")
    assert userprobe.verdict(path, PREFIX) == "exited with code 4 at import"
    key = userprobe._key(path)
    assert key is not None
    userprobe._verdicts[key] = "remembered"  # what a second probe would not say
    assert userprobe.verdict(path, PREFIX) == "remembered"
    path.write_text("X = 1  # fixed\n")
    assert userprobe.verdict(path, PREFIX) is None  # changed: probed again


def test_probe_all_probes_new_files_side_by_side(tmp_path: Path) -> None:
    paths = [write(tmp_path, f"slow{i}.py", "import time\ntime.sleep(0.6)\n") for i in range(2)]
    started = time.monotonic()
    userprobe.probe_all(paths, PREFIX)
    assert time.monotonic() - started < 1.15  # not one after the other
    assert all(userprobe.verdict(p, PREFIX) is None for p in paths)


# --- a real `python -m ccrouter serve` process -------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: object, what: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        assert process.poll() is None, f"the server exited with code {process.returncode}"
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def health(port: int) -> dict[str, object] | None:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
    except httpx.HTTPError:
        return None
    report: dict[str, object] = response.json()
    return report


def test_files_exiting_at_import_are_named_and_skipped_at_start_and_on_reload(
    tmp_path: Path,
) -> None:
    routers = tmp_path / "routers"
    routers.mkdir()
    write(routers, "boom.py", "import os\nos._exit(1)\n")
    crash = write(tmp_path, "crash_transformer.py", "import os\nos._exit(7)\n")
    port = free_port()
    config = base_config(
        PORT=port, CUSTOM_ROUTER_DIR=str(routers), transformers=[{"path": str(crash)}]
    )
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ccrouter", "serve", "--config", str(path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        wait_until(lambda: health(port) is not None, "the server to answer", process, 8)
        text = log_path.read_text()
        assert "boom.py" in text and "exited with code 1 at import" in text, text
        assert "crash_transformer.py" in text and "exited with code 7 at import" in text, text
        report = health(port)
        assert report is not None
        assert any("boom.py" in str(p) for p in report["problems"])  # type: ignore[attr-defined]

        write(routers, "late.py", "import os\nos._exit(1)\n")  # dropped in while serving
        wait_until(
            lambda: "late.py" in log_path.read_text(), "the reload to name late.py", process, 8
        )
        assert health(port) is not None  # still serving
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert "Traceback" not in log_path.read_text()
