"""``ccrouter model``: list providers, models and routes; ``model set ROUTE provider,model``.

Edits go through ``jsonc.set_value``, which rewrites only the bytes of one value, so comments,
formatting and ``$VAR`` references survive (CCR rewrote the whole file with JSON.stringify).
The running service notices the file change by its own hot reload.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ccrouter.cli.common import CLIError, ConfigArg, SubParsers, check_record, get_json

if TYPE_CHECKING:
    from ccrouter.config.model import Config

RELOAD_WAIT_S = 3.0


def route_names() -> tuple[str, ...]:
    from ccrouter.config.model import ROUTE_NAMES

    return ROUTE_NAMES


def canonical_route(name: str) -> str:
    for route in route_names():
        if route.lower() == name.lower():
            return route
    raise CLIError(f"unknown route {name!r}; choose one of {', '.join(route_names())}")


def _load(path: Path) -> Config:
    from ccrouter.config.model import load_config

    return load_config(path)


def render_listing(config: Config) -> list[str]:
    """Providers with their models (each marked with the routes that use it), then the routes."""
    used: dict[tuple[str, str], list[str]] = {}
    for route, chain in config.routes.items():
        for position, target in enumerate(chain):
            label = route if position == 0 else f"{route} (fallback {position})"
            used.setdefault((target.provider.lower(), target.model), []).append(label)
    lines = [f"config: {config.path or 'embedded default (no config file yet)'}", "", "Providers:"]
    if not config.providers:
        lines.append("  (none)")
    for provider in config.providers.values():
        lines.append(f"  {provider.name}  {provider.api_base_url}")
        models = list(provider.models)
        models += [m for (p, m) in used if p == provider.name.lower() and m not in models]
        width = max((len(m) for m in models), default=0)
        for model in models:
            routes = used.get((provider.name.lower(), model), [])
            listed = "" if model in provider.models else "  (not in its models list)"
            mark = f"  ← {', '.join(routes)}" if routes else ""
            lines.append(f"    {model:<{width}}{mark}{listed}")
    lines += ["", "Routes:"]
    for route in route_names():
        chain = config.routes.get(route, ())
        text = " → ".join(str(t) for t in chain) if chain else "(not set)"
        if route == "longContext":
            text += f"   (over {config.long_context_threshold} tokens)"
        lines.append(f"  {route:<12} {text}")
    for route in config.routes:
        if route not in route_names():
            lines.append(f"  {route:<12} {' → '.join(str(t) for t in config.routes[route])}")
    if config.global_fallback:
        lines.append(f"  {'(global)':<12} {' → '.join(str(t) for t in config.global_fallback)}")
    return lines


def write_default_config(path: Path) -> None:
    from ccrouter.config.load import DEFAULT_CONFIG

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(DEFAULT_CONFIG, indent=2) + "\n", "utf-8")


def set_route(path: Path, route: str, target_text: str) -> tuple[str, list[str]]:
    """Point ``route`` at ``target_text`` in the file at ``path``: (the target, lines to print)."""
    from ccrouter.config.jsonc import set_value
    from ccrouter.config.load import read_raw
    from ccrouter.config.model import Target

    route = canonical_route(route)
    target = Target.parse(target_text)
    if "," not in target_text or not target.provider or not target.model:
        raise CLIError(
            f"expected provider,model (e.g. openrouter,deepseek/deepseek-r1), got {target_text!r}"
        )
    out: list[str] = []
    if not path.exists():
        write_default_config(path)
        out.append(f"wrote the default config to {path}")
    config = _load(path)
    provider = config.provider(target.provider)
    if provider is None:
        known = ", ".join(config.providers) or "none"
        raise CLIError(f"provider {target.provider!r} is not in {path} (providers: {known})")
    target = Target(provider.name, target.model)
    if target.model not in provider.models:
        out.append(
            f"note: {target.model} is not in {provider.name}'s models list; routing to it anyway"
        )
    real = path.resolve()  # a symlinked config (dotfiles) is edited where it lives
    raw, text = read_raw(real)
    assert text is not None
    current = (raw.get("Router") or {}).get(route)
    # A list keeps its fallbacks: only the first entry changes.
    where: list[str | int] = (
        ["Router", route, 0] if isinstance(current, list) and current else ["Router", route]
    )
    updated = set_value(text, where, str(target))
    _write_keeping_mode(real, updated)
    try:
        _load(path)
    except Exception:
        _write_keeping_mode(real, text)  # never leave a config the service would refuse
        raise
    fallbacks = [str(item) for item in current[1:]] if isinstance(current, list) else []
    tail = f" (fallbacks kept: {', '.join(fallbacks)})" if fallbacks else ""
    out.append(f"Router.{route} = {target}{tail} in {path}")
    return str(target), out


def _write_keeping_mode(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.ccrouter-tmp")
    tmp.write_text(text, "utf-8")
    try:
        os.chmod(tmp, path.stat().st_mode & 0o7777)
    except OSError:
        pass
    tmp.replace(path)


def reload_note(path: Path, route: str, target: str) -> str:
    """Whether the running service has picked the change up (waits up to RELOAD_WAIT_S)."""
    record = check_record().live
    if record is None:
        return "the change applies when ccrouter starts"
    if Path(record.config).resolve() != path.resolve():
        return f"the running service (pid {record.pid}) uses {record.config}, not this file"
    deadline = time.monotonic() + RELOAD_WAIT_S
    while time.monotonic() < deadline:
        try:
            routes = get_json(record.url, "/health", timeout=0.5).get("routes") or {}
        except Exception:
            break
        if (routes.get(route) or [None])[0] == target:
            return f"the running service (pid {record.pid}) reloaded it"
        time.sleep(0.1)
    return (
        f"the running service (pid {record.pid}) picks it up by hot reload; "
        "`ccrouter status` shows if the reload failed"
    )


def cmd_model(args: argparse.Namespace) -> int:
    from ccrouter.config.load import resolve_config_path

    path = resolve_config_path(args.config)
    if args.config and not path.exists() and args.action != "set":
        raise CLIError(f"config file {path} does not exist")
    if args.action == "set":
        if not args.route or not args.target:
            raise CLIError("usage: ccrouter model set ROUTE provider,model")
        return _apply(path, args.route, args.target)
    if args.action not in (None, "list"):
        raise CLIError(f"unknown action {args.action!r}; use `list` or `set`")
    config = _load(path)
    print("\n".join(render_listing(config)))
    if args.action is None and sys.stdin.isatty() and sys.stdout.isatty():
        return interactive(path, config)
    return 0


def _apply(path: Path, route: str, target: str) -> int:
    chosen, lines = set_route(path, route, target)
    print("\n".join(lines))
    print(reload_note(path, canonical_route(route), chosen))
    return 0


def _choose(prompt: str, options: list[str]) -> int | None:
    """A numbered menu; the index chosen, or None for quit."""
    for number, option in enumerate(options, 1):
        print(f"  {number:>2}) {option}")
    while True:
        answer = input(f"{prompt} [1-{len(options)}, q to quit]: ").strip().lower()
        if answer in ("q", "quit", ""):
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return int(answer) - 1
        print(f"  type a number from 1 to {len(options)}")


def interactive(path: Path, config: Config) -> int:
    try:
        print()
        routes = list(route_names())
        labels = [
            f"{r:<12} {config.routes[r][0] if r in config.routes else '(not set)'}" for r in routes
        ]
        picked = _choose("Route to change", labels)
        if picked is None:
            return 0
        route = routes[picked]
        targets = [f"{p.name},{m}" for p in config.providers.values() for m in p.models]
        print(f"\nModel for {route}:")
        choice = _choose("Model", [*targets, "other (type provider,model)"])
        if choice is None:
            return 0
        target = targets[choice] if choice < len(targets) else input("provider,model: ").strip()
    except (EOFError, KeyboardInterrupt):
        print()
        return 130
    return _apply(path, route, target)


def register(sub: SubParsers, config_arg: ConfigArg) -> None:
    model = sub.add_parser(
        "model",
        help="list providers, models and routes; change which model a route uses",
        usage="ccrouter model [list | set ROUTE provider,model] [--config FILE]",
        description="Without arguments: list providers and their models, marking the routes "
        "that use each, then the routes; in a terminal, then offer numbered menus to change "
        "one. `model set ROUTE provider,model` (ROUTE: default, background, think, "
        "longContext, webSearch, image) edits only that value of the config, keeping "
        "comments and $VAR references; a route's fallbacks are kept. With no config file yet, "
        "the default config is written first. A running ccrouter reloads the file by itself.",
    )
    model.add_argument("action", nargs="?", choices=("list", "set"), help=argparse.SUPPRESS)
    model.add_argument("route", nargs="?", help=argparse.SUPPRESS)
    model.add_argument("target", nargs="?", help=argparse.SUPPRESS)
    config_arg(model)
    model.set_defaults(func=cmd_model)
