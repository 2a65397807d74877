"""``ccrouter statusline``: the command Claude Code's ``statusLine`` setting runs.

Reads Claude Code's status JSON on stdin (``session_id``, ``model``, ``workspace``…), asks the
running router for that session's last decision and prints one line:
``ccrouter ▸ think → openrouter,deepseek/deepseek-r1 · 12.3k tok · cache 72%`` (the
session's cache reads over its prompt tokens so far). Runs on every status refresh,
so it imports only the standard library (plus ``jsonc`` when the config sets an APIKEY) and
waits at most about half a second for the router.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any
from urllib.parse import quote, urlsplit

from ccrouter.cli.common import (
    ServiceHTTPError,
    SubParsers,
    apikey_for,
    base_url,
    check_record,
    configured_address,
    get_json,
)

PREFIX = "ccrouter ▸"
TIMEOUT_S = 0.5
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def read_status_input(stream: Any) -> dict[str, Any]:
    """Claude Code's status JSON; {} for an empty, invalid or interactive stdin."""
    try:
        if stream is None or stream.isatty():
            return {}
        data = json.loads(stream.read() or "{}")
    except (ValueError, OSError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _candidates() -> list[tuple[str, str | None]]:
    """(url, apikey) to ask, best first.

    Under ``ccrouter code`` Claude Code's environment names the exact router it talks to, and
    its token is the router's APIKEY; otherwise the pid file, else the configured address.
    """
    out: list[tuple[str, str | None]] = []
    env_url = os.environ.get("ANTHROPIC_BASE_URL", "")
    if urlsplit(env_url).hostname in _LOOPBACK:
        out.append((env_url.rstrip("/"), os.environ.get("ANTHROPIC_AUTH_TOKEN")))
    record = check_record().live
    if record is not None:
        out.append((record.url, apikey_for(record.config)))
    else:
        from ccrouter.config.load import resolve_config_path  # slower; only without a pid file

        path = resolve_config_path(None)
        host, port = configured_address(path)
        out.append((base_url(host, port), apikey_for(path)))
    return list(dict.fromkeys(out))


def _tokens(count: Any) -> str:
    if not isinstance(count, int) or count <= 0:
        return ""
    return f" · {count / 1000:.1f}k tok" if count >= 1000 else f" · {count} tok"


def render(record: dict[str, Any]) -> str:
    if not record or not record.get("route"):
        return f"{PREFIX} ready"
    line = (
        f"{PREFIX} {record['route']} → {record.get('target') or '?'}{_tokens(record.get('tokens'))}"
    )
    rate = record.get("cache_hit_rate")
    if isinstance(rate, int | float):
        line += f" · cache {rate:.0%}"
    status = record.get("status")
    if status and status != "ok":
        line += f" · {status}"
    return line


def status_line(session_id: str | None) -> str:
    query = f"?session_id={quote(session_id, safe='')}" if session_id else ""
    refused: str | None = None
    for url, apikey in _candidates():
        try:
            record = get_json(url, f"/api/statusline{query}", apikey=apikey, timeout=TIMEOUT_S)
        except ServiceHTTPError as exc:
            if exc.status in (401, 403):
                refused = f"{PREFIX} running (APIKEY rejected)"
            continue
        except (OSError, ValueError):
            continue
        return render(record if isinstance(record, dict) else {})
    return refused or f"{PREFIX} not running"


def cmd_statusline(args: argparse.Namespace) -> int:
    data = read_status_input(sys.stdin)
    session = data.get("session_id")
    try:
        line = status_line(str(session) if session else None)
    except Exception as exc:  # a status line must print something, never a traceback
        line = f"{PREFIX} error: {type(exc).__name__}"
    print(line)
    return 0


def register(sub: SubParsers) -> None:
    statusline = sub.add_parser(
        "statusline",
        help="one status line for Claude Code's statusLine setting",
        description="Read Claude Code's status JSON on stdin and print the route and model "
        "ccrouter chose for that session's last request. In ~/.claude/settings.json: "
        '{"statusLine": {"type": "command", "command": "ccrouter statusline"}}',
    )
    statusline.set_defaults(func=cmd_statusline)
