"""The ``ccrouter`` command: argument parsing and dispatch to one module per command group."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ccrouter import __version__
from ccrouter.config_load import resolve_config_path
from ccrouter.errors import ConfigError


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $CCROUTER_CONFIG or ~/.ccrouter/config.json)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccrouter",
        description="Route Claude Code to OpenRouter and other model providers.",
    )
    parser.add_argument("--version", action="version", version=f"ccrouter {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the router in the foreground (systemd, containers)")
    _config_arg(serve)
    serve.add_argument("--host", help="address to bind (default: HOST from the config, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: PORT from the config, 3456)")
    return parser


def config_path_from(args: argparse.Namespace) -> Path | None:
    path = resolve_config_path(getattr(args, "config", None))
    if getattr(args, "config", None) and not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    return path if path.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            from ccrouter.serve import serve

            return serve(config_path_from(args), args.host, args.port)
        parser.print_help()
        return 0
    except ConfigError as exc:
        print(f"ccrouter: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
