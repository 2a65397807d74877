"""``ccrouter config path|show|validate|init``: where the config is, what it says, whether it works."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ccrouter.cli.common import CLIError, ConfigArg, SubParsers, note


def _path(args: argparse.Namespace) -> Path:
    from ccrouter.config.load import resolve_config_path

    return resolve_config_path(args.config)


def _source(args: argparse.Namespace) -> str:
    import os

    if args.config:
        return "--config"
    return "$CCROUTER_CONFIG" if os.environ.get("CCROUTER_CONFIG") else "the default location"


def cmd_path(args: argparse.Namespace) -> int:
    path = _path(args)
    print(path)
    if path.exists():
        note(f"from {_source(args)}; the file exists")
    else:
        note(
            f"from {_source(args)}; the file does not exist, so the embedded default config is "
            "in use (`ccrouter config init` writes it there)"
        )
    return 0


def masked_text(text: str, raw: Any) -> str:
    """``text`` with every secret value masked, comments and formatting kept."""
    from ccrouter.cli.secrets import mask_tree, secret_leaves
    from ccrouter.config.jsonc import set_value

    try:
        for path, _, masked in secret_leaves(raw):
            text = set_value(text, list(path), masked)
        return text
    except Exception:  # unusual layouts (duplicate keys…): fall back to re-serialised JSON
        return json.dumps(mask_tree(raw), indent=2, ensure_ascii=False)


def cmd_show(args: argparse.Namespace) -> int:
    from ccrouter.cli.secrets import mask_tree
    from ccrouter.config.load import read_raw

    path = _path(args)
    if args.config and not path.exists():
        raise CLIError(f"config file {path} does not exist")
    raw, text = read_raw(path)
    if text is None:
        note(f"{path} does not exist; showing the embedded default config")
        print(json.dumps(mask_tree(raw), indent=2))
    else:
        print(masked_text(text, raw).rstrip("\n"))
    return 0


def problems_of(path: Path) -> tuple[list[str], list[str], str]:
    """(problems, warnings, summary) of the config at ``path``: every problem, in one pass."""
    from ccrouter.config.checks import bind_problems
    from ccrouter.config.snapshot import check_state

    state, problems = check_state(path)
    if state is None:
        return [str(p) for p in problems] or ["the config cannot be loaded"], [], ""
    config = state.config
    problems = bind_problems(config, config.host)  # what `ccrouter start` would refuse
    if problems:
        return [str(p) for p in problems], [], ""
    used = {t.provider for chain in config.routes.values() for t in chain}
    warnings = list(state.load_problems)
    warnings += [
        f"provider {p.name}: {p.missing_key}"
        for p in config.providers.values()
        if p.missing_key and p.name in used
    ]
    if "default" not in config.routes:
        warnings.append("Router.default is not set: requests no rule matches cannot be routed")
    warnings += _catalog_warnings(config)
    models = sum(len(p.models) for p in config.providers.values())
    summary = (
        f"{len(config.providers)} provider(s), {models} model(s), "
        f"routes: {', '.join(config.routes) or 'none'}"
    )
    if state.custom_routers:
        summary += f", custom routers: {', '.join(r.name for r in state.custom_routers)}"
    return [], warnings, summary


def _catalog_warnings(config: Any) -> list[str]:
    """Route models their provider's fetched list lacks (``ccrouter models refresh`` fetches)."""
    from ccrouter.catalog.advice import unknown_route_models
    from ccrouter.catalog.store import cache_path, read_cache

    return unknown_route_models(config, read_cache(cache_path()))


def cmd_validate(args: argparse.Namespace) -> int:
    from ccrouter.cli.common import read_config_raw
    from ccrouter.cli.secrets import redact, secret_values

    path = _path(args)
    if args.config and not path.exists():
        raise CLIError(f"config file {path} does not exist")
    problems, warnings, summary = problems_of(path)
    secrets = secret_values(read_config_raw(path))
    name = str(path) if path.exists() else "embedded default config"
    for warning in warnings:
        print(redact(f"warning: {warning}", secrets))
    if problems:
        print(f"{name}: {len(problems)} problem(s):")
        for problem in problems:
            print(redact(f"  {problem}", secrets))
        return 1
    print(f"config OK: {name} ({summary})")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from ccrouter.cli.model import write_default_config

    path = _path(args)
    if path.exists() and not args.force:
        raise CLIError(f"{path} already exists (use --force to overwrite it)")
    write_default_config(path)
    print(f"wrote the default config to {path}")
    return 0


def register(sub: SubParsers, config_arg: ConfigArg) -> None:
    config = sub.add_parser(
        "config",
        help="show where the config is, print it with secrets masked, validate it",
        description="Inspect the config file (--config > $CCROUTER_CONFIG > ~/.ccrouter/config.json).",
    )
    actions = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    path = actions.add_parser("path", help="print the config path; say if it exists")
    path.set_defaults(func=cmd_path)
    show = actions.add_parser(
        "show",
        help="print the config with every secret masked ($VAR references stay visible)",
    )
    show.set_defaults(func=cmd_show)
    validate = actions.add_parser(
        "validate",
        help="list every problem with its JSON path; exit 1 when the config is invalid",
    )
    validate.set_defaults(func=cmd_validate)
    init = actions.add_parser(
        "init", help="write the default config (OpenRouter) to the config path"
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=cmd_init)
    for parser in (path, show, validate, init):
        config_arg(parser)
