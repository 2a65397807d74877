"""``ccrouter start|stop|restart|status|pid|log``: the router as a background service.

``start`` spawns ``python -m ccrouter serve`` in a new session (so a Ctrl-C in the terminal
that started it never reaches it), writes the pid file (pid, address, config path) and returns
once ``/health`` answers. Every failure is one line and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccrouter.cli.common import (
    CLIError,
    ConfigArg,
    ServiceRecord,
    SubParsers,
    base_url,
    check_record,
    find_service,
    note,
    probe,
    process_alive,
    remove_record,
    stale_note,
    write_record,
)
from ccrouter.cli.status import NOT_RUNNING, cmd_status
from ccrouter.home import ensure_home, lock_path, log_path, rotate_log

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 15.0  # > server.run.GRACE_S: in-flight requests finish first


class AlreadyRunningError(CLIError):
    def __init__(self, record: ServiceRecord) -> None:
        super().__init__(f"ccrouter is already running at {record.url} (pid {record.pid})")
        self.record = record


@dataclass(frozen=True)
class StartRequest:
    config_path: Path  # absolute; may not exist (the embedded default is served then)
    host: str
    port: int
    options: dict[str, Any]  # what the user gave, kept in the pid file for ``restart``

    @property
    def url(self) -> str:
        return base_url(self.host, self.port)


def resolve_start(options: dict[str, Any]) -> StartRequest:
    """Resolve --config/--host/--port against the config; a broken config fails here, early."""
    from ccrouter.config.load import resolve_config_path
    from ccrouter.config.model import load_config

    given = options.get("config")
    path = resolve_config_path(given).absolute()
    if given and not path.exists():
        raise CLIError(f"config file {path} does not exist")
    config = load_config(path)
    host = options.get("host") or config.host
    port = options["port"] if options.get("port") is not None else config.port
    return StartRequest(path, host, port, {k: v for k, v in options.items() if v is not None})


@contextlib.contextmanager
def _start_lock(home: Path) -> Iterator[None]:
    """Serialise starts: two ``ccrouter code`` at once must not both spawn a server."""
    with lock_path().open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_service(request: StartRequest) -> ServiceRecord:
    """Start the background service; raises AlreadyRunningError or CLIError."""
    home = ensure_home()
    with _start_lock(home):
        check = check_record()
        if check.live is not None:
            raise AlreadyRunningError(check.live)
        if check.stale is not None:
            note(stale_note(check.stale))
        health = probe(request.url)
        if health is not None:
            raise CLIError(
                f"a ccrouter not started by `ccrouter start` already serves {request.url} "
                f"(config: {health.get('config')}); stop it where it runs or choose another --port"
            )
        return _spawn(request, home)


def _spawn(request: StartRequest, home: Path) -> ServiceRecord:
    log = log_path()
    rotate_log(log)
    command = [sys.executable, "-m", "ccrouter", "serve", "--host", request.host]
    command += ["--port", str(request.port)]
    # The path goes through the environment, not --config: a missing default config is then
    # served as the embedded default and watched, so `ccrouter model set` can create it later.
    env = {**os.environ, "CCROUTER_CONFIG": str(request.config_path), "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        out.write(
            f"--- {stamp} ccrouter start: {request.url} config {request.config_path}\n".encode()
        )
        out.flush()
        offset = out.tell()
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=home,
            env=env,
            start_new_session=True,
        )
    record = ServiceRecord(
        pid=process.pid,
        host=request.host,
        port=request.port,
        config=str(request.config_path),
        log=str(log),
        options=request.options,
    )
    write_record(record)
    try:
        _wait_healthy(process, record, offset)
    except BaseException:
        remove_record()
        if process.poll() is None:
            terminate(process.pid, process)
        raise
    return record


def _wait_healthy(process: subprocess.Popen[bytes], record: ServiceRecord, offset: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        code = process.poll()
        if code is not None:
            why = last_error(Path(record.log), offset) or f"the server exited with code {code}"
            raise CLIError(f"could not start: {why} (log: {record.log})")
        health = probe(record.url, timeout=0.5)
        if health is not None and health.get("pid", process.pid) == process.pid:
            return
        if time.monotonic() > deadline:
            raise CLIError(
                f"the server did not answer {record.url}/health within {START_TIMEOUT_S:.0f} s; "
                f"stopped it (log: {record.log})"
            )
        time.sleep(0.05)


def last_error(log: Path, offset: int) -> str | None:
    """The child's own error line (``ccrouter: …``), else the last line it wrote."""
    try:
        with log.open("rb") as handle:
            handle.seek(offset)
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    lines = [line.strip() for line in lines if line.strip()]
    for line in reversed(lines):
        if line.startswith("ccrouter: "):
            return line.removeprefix("ccrouter: ")
    return lines[-1] if lines else None


def terminate(pid: int, process: subprocess.Popen[bytes] | None = None) -> bool:
    """SIGTERM, then SIGKILL after STOP_TIMEOUT_S; True once the process is gone."""
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 2.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                return True
            if process is None and not process_alive(pid):
                return True
            time.sleep(0.05)
    return False


# --- commands -------------------------------------------------------------------------------


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {"config": args.config, "host": args.host, "port": args.port}


def cmd_start(args: argparse.Namespace) -> int:
    request = resolve_start(_options(args))
    try:
        record = start_service(request)
    except AlreadyRunningError as exc:
        running = exc.record
        if (running.host, running.port, running.config) == (
            request.host,
            request.port,
            str(request.config_path),
        ):
            print(exc.message)
            return 0
        wanted = f"{request.url} with config {request.config_path}"
        raise CLIError(
            f"{exc.message} with config {running.config}, not {wanted}; "
            "`ccrouter restart` with your options applies them"
        ) from None
    print(f"ccrouter running at {record.url} (pid {record.pid}); log: {record.log}")
    return 0


def stop_running() -> ServiceRecord | None:
    """Stop the pid file's service; None when there was none running."""
    check = check_record()
    if check.stale is not None:
        note(stale_note(check.stale))
    record = check.live
    if record is None:
        return None
    if not terminate(record.pid):
        raise CLIError(f"ccrouter (pid {record.pid}) did not stop, even after SIGKILL")
    remove_record()
    return record


def cmd_stop(args: argparse.Namespace) -> int:
    record = stop_running()
    if record is not None:
        print(f"ccrouter stopped (pid {record.pid})")
        return 0
    from ccrouter.config.load import resolve_config_path

    other = find_service(resolve_config_path(None))
    if other is not None:
        raise CLIError(
            f"the ccrouter at {other.url} was not started by `ccrouter start`; "
            "stop it where it runs (Ctrl-C, systemctl, docker)"
        )
    raise CLIError("ccrouter is not running")


def cmd_restart(args: argparse.Namespace) -> int:
    check = check_record()
    if check.stale is not None:
        note(stale_note(check.stale))
    previous = check.live.options if check.live else {}
    given = {k: v for k, v in _options(args).items() if v is not None}
    request = resolve_start({**previous, **given})  # a broken config fails before the stop
    stopped = stop_running()
    record = start_service(request)
    verb = "restarted" if stopped else "started (it was not running)"
    print(f"ccrouter {verb} at {record.url} (pid {record.pid}); log: {record.log}")
    return 0


def cmd_pid(args: argparse.Namespace) -> int:
    check = check_record()
    if check.stale is not None:
        note(stale_note(check.stale))
    if check.live is None:
        raise CLIError("ccrouter is not running (no service started by `ccrouter start`)")
    print(check.live.pid)
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    path = log_path()
    if args.path:
        print(path)
        return 0
    if not path.exists():
        raise CLIError(f"no log yet at {path} (`ccrouter start` creates it)")
    with path.open("rb") as handle:
        lines = (
            handle.read().decode("utf-8", "replace").splitlines()[-args.lines :]
            if args.lines
            else []
        )
        for line in lines:
            print(line)
        if not args.follow:
            return 0
        sys.stdout.flush()
        try:
            while True:
                chunk = handle.read()
                if chunk:
                    sys.stdout.write(chunk.decode("utf-8", "replace"))
                    sys.stdout.flush()
                else:
                    time.sleep(0.2)
        except KeyboardInterrupt:
            return 0


def register(sub: SubParsers, config_arg: ConfigArg) -> None:
    def service_options(parser: argparse.ArgumentParser) -> None:
        config_arg(parser)
        parser.add_argument("--host", help="address to bind (default: HOST from the config)")
        parser.add_argument("--port", type=int, help="port (default: PORT from the config, 3456)")

    start = sub.add_parser(
        "start",
        help="start the router in the background",
        description="Start the router as a background service and wait until it answers. "
        "Pid file and log live in $CCROUTER_HOME (default ~/.ccrouter). Exit 0 when a service "
        "with these settings is running afterwards (also when it already was).",
    )
    service_options(start)
    start.set_defaults(func=cmd_start)

    stop = sub.add_parser(
        "stop",
        help="stop the background router",
        description="Stop the service started by `ccrouter start` (SIGTERM, then SIGKILL after "
        f"{STOP_TIMEOUT_S:.0f} s). Exit 1 when none was running.",
    )
    stop.set_defaults(func=cmd_stop)

    restart = sub.add_parser(
        "restart",
        help="restart the background router (start it if not running)",
        description="Stop and start the background service. Options not given are taken from "
        "the previous start. The config is checked before anything is stopped.",
    )
    service_options(restart)
    restart.set_defaults(func=cmd_restart)

    status = sub.add_parser(
        "status",
        help="is it running, where, with which config; uptime, requests, recent decisions",
        description="Show whether ccrouter runs, its pid, address and config, whether the last "
        "config reload failed and why, uptime, requests served and the latest routing "
        f"decisions. Exit {NOT_RUNNING} when not running.",
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=cmd_status)

    pid = sub.add_parser("pid", help="print the pid of the background router")
    pid.set_defaults(func=cmd_pid)

    log = sub.add_parser("log", help="show the background router's log")
    log.add_argument("-n", "--lines", type=int, default=50, help="lines to show (default 50)")
    log.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    log.add_argument("--path", action="store_true", help="only print the log file's path")
    log.set_defaults(func=cmd_log)
