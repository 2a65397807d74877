"""``ccrouter usage``: tokens, cost, requests, errors and latency per group, from the ledger.

Which ledger: the ``Usage.path`` of the config the service uses (``--config``; else the
running service's, from its pid file; else ``$CCROUTER_CONFIG`` or ``~/.ccrouter/config.json``),
default ``<ccrouter home>/usage.db``. Reading never creates the file.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from ccrouter.cli.common import CLIError, ConfigArg, SubParsers, check_record, note, read_config_raw

BY_CHOICES = ("day", "model", "route", "project", "session", "key")
FIELDS = (
    "key",
    "requests",
    "errors",
    "fallbacks",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cost_usd",
    "unknown_cost_requests",
    "cache_hit_rate",
    "p50_latency_ms",
    "p95_latency_ms",
)


def ledger_path(explicit_config: str | None) -> Path:
    from ccrouter.config.load import resolve_config_path
    from ccrouter.home import ccrouter_home
    from ccrouter.usage.settings import usage_settings

    if explicit_config:
        config: Path | None = resolve_config_path(explicit_config)
        if config is not None and not config.exists():
            raise CLIError(f"config file {config} does not exist", 2)
    else:
        live = check_record().live
        served = live.config if live is not None else None
        config = Path(served) if served else resolve_config_path(None)
    raw = read_config_raw(config) if config is not None else {}
    block = raw.get("Usage")
    if isinstance(block, dict) and isinstance(block.get("path"), str):
        block = {**block, "path": os.path.expandvars(block["path"])}
    base = config.parent if config is not None and config.exists() else ccrouter_home()
    return usage_settings(block, base).ledger_path()


def cmd_usage(args: argparse.Namespace) -> int:
    from ccrouter.usage.report import parse_since, usage_report
    from ccrouter.usage.schema import LedgerError, connect

    try:
        since = parse_since(args.since, time.time())
    except ValueError as exc:
        raise CLIError(str(exc), 2) from None
    path = ledger_path(args.config)
    if not path.exists():
        note(f"no usage recorded yet: {path} does not exist")
        report = usage_report(None, since, args.by)
    else:
        try:
            conn = connect(path)
        except LedgerError as exc:
            raise CLIError(str(exc)) from None
        try:
            report = usage_report(conn, since, args.by)
        finally:
            conn.close()
    if args.json:
        print(json.dumps({**report, "ledger": str(path)}, indent=2))
    elif args.csv:
        write_csv([*report["groups"], report["total"]])
    else:
        print(f"usage since {report['since']} by {args.by} ({path})")
        print(render_table([*report["groups"]], report["total"]))
    return 0


def write_csv(rows: list[Any]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in FIELDS})


_HEAD = ("", "REQUESTS", "ERRORS", "FALLBACKS", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE")
_TAIL = ("COST USD", "CACHE HIT", "P50 MS", "P95 MS")


def render_table(groups: list[Any], total: Any) -> str:
    header = (_HEAD[0] or "KEY", *_HEAD[1:], *_TAIL)
    lines = [[_cell(v) for v in _row(g)] for g in [*groups, total]]
    widths = [max(len(x) for x in col) for col in zip(header, *lines, strict=True)]

    def line(cells: tuple[str, ...] | list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([line(header), *(line(x) for x in lines[:-1]), rule, line(lines[-1])])


def _row(group: Any) -> tuple[Any, ...]:
    cost = f"{group['cost_usd']:.4f}"
    if group["unknown_cost_requests"]:
        cost += f" (+{group['unknown_cost_requests']} unknown)"
    rate = group["cache_hit_rate"]
    return (
        group["key"] if group["key"] is not None else "(none)",
        group["requests"],
        group["errors"],
        group["fallbacks"],
        group["input_tokens"],
        group["output_tokens"],
        group["cache_read_tokens"],
        group["cache_write_tokens"],
        cost,
        f"{rate:.0%}" if rate is not None else "-",
        group["p50_latency_ms"],
        group["p95_latency_ms"],
    )


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return str(value)


def register(sub: SubParsers, config_arg: ConfigArg) -> None:
    parser = sub.add_parser(
        "usage",
        help="what the routed requests used and cost, per day, model, route, project…",
        description="Requests, errors, fallbacks, tokens, cost (unknown costs counted apart, "
        "never as zero), cache-hit rate and p50/p95 latency per group, with totals, from the "
        "usage ledger the service writes (Usage.path in the config).",
    )
    config_arg(parser)
    parser.add_argument(
        "--since",
        default="7d",
        help="30m, 24h, 7d (default), 2w, today, all, a date (2026-12-01) or date-time",
    )
    parser.add_argument(
        "--by", choices=BY_CHOICES, default="model", help="group by (default: model)"
    )
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one JSON object")
    form.add_argument("--csv", action="store_true", help="CSV, one row per group, then the total")
    parser.set_defaults(func=cmd_usage)
