"""``ccrouter status``: what the running service reports about itself, secrets masked.

Reads ``GET /health`` (no auth) and ``GET /api/status`` (with the config's APIKEY).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from ccrouter.cli.common import (
    Service,
    ServiceHTTPError,
    apikey_for,
    check_record,
    find_service,
    format_duration,
    get_json,
    note,
    read_config_raw,
    stale_note,
)

NOT_RUNNING = 3  # LSB: "program is not running"


def cmd_status(args: argparse.Namespace) -> int:
    from ccrouter.config.load import resolve_config_path

    check = check_record()
    if check.stale is not None:
        note(stale_note(check.stale))
    service = find_service(resolve_config_path(None))
    if service is None:
        if args.json:
            print(json.dumps({"running": False}))
        else:
            print("ccrouter is not running")
        return NOT_RUNNING
    return render_status(service, as_json=args.json)


def render_status(service: Service, *, as_json: bool) -> int:
    from ccrouter.cli.secrets import redact, secret_values

    secrets = secret_values(read_config_raw(service.config))
    health: dict[str, Any] = {}
    status: dict[str, Any] = {}
    problem = None
    try:
        health = get_json(service.url, "/health", timeout=2.0)
        status = get_json(
            service.url, "/api/status", apikey=apikey_for(service.config), timeout=2.0
        )
    except ServiceHTTPError as exc:
        problem = f"the service refused /api/status: {exc}"
    except (OSError, ValueError) as exc:
        problem = f"the service does not answer at {service.url}: {exc}"
    record = service.record
    if as_json:
        report = {
            "running": True,
            "url": service.url,
            "pid": record.pid if record else None,
            "started_by_ccrouter_start": record is not None,
            "log": record.log if record else None,
            "health": health,
            "status": status,
            "error": problem,
        }
        print(redact(json.dumps(report, indent=2), secrets))
        return 0 if problem is None else 1
    lines = status_lines(service, health, status)
    if problem:
        lines.append(f"  problem:   {problem}")
    print(redact("\n".join(lines), secrets))
    return 0 if problem is None else 1


def status_lines(service: Service, health: dict[str, Any], status: dict[str, Any]) -> list[str]:
    record = service.record
    who = f"pid {record.pid}" if record else "not started by `ccrouter start`, pid unknown"
    lines = [f"ccrouter is running at {service.url} ({who})"]
    config = status.get("config_path") or health.get("config") or service.config
    lines.append(f"  config:    {config or 'embedded default'}")
    if "version" in health:
        lines.append(f"  version:   {health['version']}")
    if "uptime_s" in status:
        lines.append(f"  uptime:    {format_duration(status['uptime_s'])}")
        lines.append(f"  requests:  {status.get('requests', 0)}")
    if status.get("reload_error"):
        lines.append(f"  reload:    FAILED, serving the previous config: {status['reload_error']}")
    elif status:
        lines.append(f"  reload:    ok ({status.get('reloads', 0)} reloads since start)")
    for item in health.get("problems") or []:
        if "reload_error" not in status or not str(item).startswith("last config reload failed"):
            lines.append(f"  problem:   {item}")  # without /api/status, /health says it
    if status:
        routers = ", ".join(status.get("custom_routers") or []) or "none"
        lines.append(f"  custom routers: {routers}")
    cooling = status.get("cooldowns") or health.get("cooldowns") or {}
    if cooling:
        lines.append("  cooling down: " + ", ".join(f"{k} ({v} s)" for k, v in cooling.items()))
    if record:
        lines.append(f"  log:       {record.log}")
    recent = (status.get("recent") or [])[-5:]
    if recent:
        lines.append("  recent decisions:")
        lines += [f"    {decision_line(item)}" for item in recent]
    elif status:
        lines.append("  recent decisions: none yet")
    sessions = (status.get("sessions") or [])[:5]
    if sessions:
        lines.append("  sessions (latest first):")
        lines += [f"    {session_line(item)}" for item in sessions]
    return lines


def session_line(item: dict[str, Any]) -> str:
    """``1a2b3c4d…  default → openrouter,x (sticky)  cache 72%``"""
    sid = str(item.get("session_id") or "?")
    sticky = " (sticky)" if item.get("sticky") else ""
    rate = item.get("cache_hit_rate")
    cache = f"cache {rate:.0%}" if isinstance(rate, int | float) else "cache -"
    return f"{sid[:8]}…  {item.get('route')} → {item.get('model')}{sticky}  {cache}"


def decision_line(item: dict[str, Any]) -> str:
    at = time.strftime("%H:%M:%S", time.localtime(float(item.get("at") or 0)))
    line = (
        f"{at}  {item.get('route')} → {item.get('target')}  {item.get('tokens', 0)} tokens  "
        f"{item.get('status')}  ({item.get('reason')})"
    )
    return f"{line}  tried: {item['tried']}" if item.get("tried") else line
