"""What the CLI commands share: the pid-file record, process checks, tiny HTTP calls to the service.

Kept import-light (no jsonschema, httpx or uvicorn): ``ccrouter statusline`` runs on every
Claude Code status refresh and must start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import urlsplit

from ccrouter.home import pid_path

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
ConfigArg: TypeAlias = Callable[[argparse.ArgumentParser], None]


class CLIError(Exception):
    """A failure the CLI reports as one line (``ccrouter: …``) and an exit code, never a traceback."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def note(message: str) -> None:
    """A one-line message for the user that is not the command's output (stderr)."""
    print(f"ccrouter: {message}", file=sys.stderr)


def client_host(host: str) -> str:
    """The address a client on this machine connects to for a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def base_url(host: str, port: int) -> str:
    host = client_host(host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass(frozen=True)
class ServiceRecord:
    """The pid file: where a service started by ``ccrouter start`` listens and with which config."""

    pid: int
    host: str
    port: int
    config: str  # absolute path; the file may not exist (then the embedded default is served)
    log: str
    started_at: float = field(default_factory=time.time)
    options: dict[str, Any] = field(default_factory=dict)  # --config/--host/--port as given

    @property
    def url(self) -> str:
        return base_url(self.host, self.port)


def read_record() -> ServiceRecord | None:
    try:
        data = json.loads(pid_path().read_text("utf-8"))
        return ServiceRecord(
            pid=int(data["pid"]),
            host=str(data["host"]),
            port=int(data["port"]),
            config=str(data["config"]),
            log=str(data.get("log", "")),
            started_at=float(data.get("started_at", 0)),
            options=dict(data.get("options") or {}),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # A pid file from CCR or a half-written one: treat as stale, the caller cleans it up.
        return ServiceRecord(pid=0, host="127.0.0.1", port=0, config="", log="")


def write_record(record: ServiceRecord) -> None:
    path = pid_path()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(asdict(record), indent=2) + "\n", "utf-8")
    tmp.replace(path)


def remove_record() -> None:
    with contextlib.suppress(FileNotFoundError):
        pid_path().unlink()


def process_alive(pid: int) -> bool:
    """True when ``pid`` runs and is not a zombie (an exited child nobody has reaped yet)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


@dataclass(frozen=True)
class RecordCheck:
    live: ServiceRecord | None  # the pid file's service, running
    stale: ServiceRecord | None  # a pid file whose process is gone (already removed)


def check_record() -> RecordCheck:
    record = read_record()
    if record is None:
        return RecordCheck(None, None)
    if process_alive(record.pid):
        return RecordCheck(record, None)
    remove_record()
    return RecordCheck(None, record)


def stale_note(record: ServiceRecord) -> str:
    who = f"pid {record.pid}" if record.pid else "an unreadable pid file"
    return f"removed a stale pid file ({who} is no longer running)"


class ServiceHTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


def get_json(url: str, path: str, *, apikey: str | None = None, timeout: float = 2.0) -> Any:
    """GET ``url + path`` from the local service and parse JSON; never goes through a proxy.

    Raises OSError when nothing answers in ``timeout`` seconds, ServiceHTTPError on a non-2xx
    answer, ValueError on a non-JSON body.
    """
    status, reason, body = _http_get(url, path, apikey, timeout)
    if not 200 <= status < 300:
        try:
            message = json.loads(body)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = reason
        raise ServiceHTTPError(status, str(message))
    return json.loads(body)


def _http_get(url: str, path: str, apikey: str | None, timeout: float) -> tuple[int, str, bytes]:
    """One HTTP/1.1 GET with ``Connection: close`` over a plain socket.

    Not http.client: importing it (and the email package behind it) costs ~35 ms, a third of
    the statusline's start-up. Our own server is the only peer, so little parsing is needed.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    deadline = time.monotonic() + timeout
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", "Accept: application/json"]
    if apikey:
        lines.append(f"x-api-key: {apikey}")
    request = ("\r\n".join([*lines, "Connection: close", "", ""])).encode("latin-1")
    chunks: list[bytes] = []
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        while True:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    try:
        _, code, *reason = status_line.split(" ", 2)
        status = int(code)
    except ValueError:
        raise OSError(f"not an HTTP answer from {url}") from None
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunk(body)
    return status, " ".join(reason), body


def _unchunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return bytes(out)


def probe(url: str, timeout: float = 0.5) -> dict[str, Any] | None:
    """``/health`` of a ccrouter at ``url``, or None when nothing (or something else) answers."""
    try:
        data = get_json(url, "/health", timeout=timeout)
    except (OSError, ValueError, ServiceHTTPError):
        return None
    if isinstance(data, dict) and "version" in data and "routes" in data:
        return data
    return None


def read_config_raw(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The config's top level without schema checks or interpolation ({} when unreadable)."""
    if not path:
        return {}
    try:
        text = Path(path).read_text("utf-8")
    except OSError:
        return {}
    from ccrouter.config.jsonc import JSONCError, loads

    try:
        raw = loads(text)
    except JSONCError:
        return {}
    return raw if isinstance(raw, dict) else {}


def apikey_for(config_path: str | os.PathLike[str] | None) -> str | None:
    """The config's ``APIKEY`` with ``$VAR`` expanded, cheaply (no schema, no full load)."""
    if not config_path:
        return None
    try:
        if "APIKEY" not in Path(config_path).read_text("utf-8"):
            return None  # the common case: skip parsing entirely
    except OSError:
        return None
    value = read_config_raw(config_path).get("APIKEY")
    return os.path.expandvars(str(value)) if value else None


def configured_address(config_path: str | os.PathLike[str] | None) -> tuple[str, int]:
    """``HOST``/``PORT`` from the config (defaults 127.0.0.1:3456), cheaply."""
    raw = read_config_raw(config_path)
    host = os.path.expandvars(str(raw.get("HOST") or "127.0.0.1"))
    try:
        port = int(os.path.expandvars(str(raw.get("PORT") or 3456)))
    except ValueError:
        port = 3456
    return host, port


@dataclass(frozen=True)
class Service:
    """A ccrouter that answers, whether or not ``ccrouter start`` started it."""

    url: str
    config: str | None  # the config path it serves (None: unknown or the embedded default)
    record: ServiceRecord | None  # None: not started by ``ccrouter start`` (pid unknown)


def find_service(config_path: str | os.PathLike[str] | None) -> Service | None:
    """The pid file's live service, else a ccrouter answering at the config's address."""
    record = check_record().live
    if record is not None:
        return Service(record.url, record.config, record)
    host, port = configured_address(config_path)
    health = probe(base_url(host, port), timeout=0.3)
    if health is None:
        return None
    served = health.get("config")
    return Service(base_url(host, port), served if served != "embedded default" else None, None)


def format_duration(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if days or hours:
        parts.append(f"{hours}h")
    if days or hours or minutes:
        parts.append(f"{minutes}m")
    parts.append(f"{secs}s")
    return " ".join(parts)
