"""The ``ccrouter`` command: argument parsing and dispatch to one module per command group.

Start-up time matters (``ccrouter statusline`` runs on every Claude Code status refresh), so this
module and the ``cli_*`` modules import only the standard library at the top; each command
imports the heavy parts (config, server, tokenizer) when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ccrouter import __version__
from ccrouter.cli.common import CLIError


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $CCROUTER_CONFIG or ~/.ccrouter/config.json)",
    )


def build_parser() -> argparse.ArgumentParser:
    from ccrouter.cli import code as cli_code
    from ccrouter.cli import config as cli_config
    from ccrouter.cli import explain as cli_explain
    from ccrouter.cli import model as cli_model
    from ccrouter.cli import models as cli_models
    from ccrouter.cli import service as cli_service
    from ccrouter.cli import statusline as cli_statusline
    from ccrouter.cli import ui as cli_ui
    from ccrouter.cli import usage as cli_usage

    parser = argparse.ArgumentParser(
        prog="ccrouter",
        description="Route Claude Code to OpenRouter and other model providers.",
        epilog="Run `ccrouter COMMAND --help` for a command's options. Docs: docs/cli.md",
    )
    parser.add_argument("--version", action="version", version=f"ccrouter {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    cli_code.register(sub)
    cli_service.register(sub, _config_arg)
    serve = sub.add_parser(
        "serve",
        help="run the router in the foreground (systemd, containers)",
        description="Run the router in the foreground until Ctrl-C or SIGTERM; no pid file.",
    )
    _config_arg(serve)
    serve.add_argument("--host", help="address to bind (default: HOST from the config, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: PORT from the config, 3456)")
    serve.set_defaults(func=_serve)
    cli_model.register(sub, _config_arg)
    cli_models.register(sub, _config_arg)
    cli_config.register(sub, _config_arg)
    cli_explain.register(sub, _config_arg)
    cli_statusline.register(sub)
    cli_usage.register(sub, _config_arg)
    cli_ui.register(sub, _config_arg)
    return parser


def config_path_from(args: argparse.Namespace) -> Path:
    """The config to serve: ``--config`` must exist; a missing default means the embedded one."""
    from ccrouter.config.load import resolve_config_path
    from ccrouter.errors import ConfigError

    path = resolve_config_path(getattr(args, "config", None))
    if getattr(args, "config", None) and not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    return path


def _serve(args: argparse.Namespace) -> int:
    from ccrouter.server.run import serve

    # A missing default path is still passed on, so the server watches for it to appear.
    return serve(config_path_from(args), args.host, args.port)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["statusline"]:
        # The hot case (every Claude Code status refresh): skip building the whole parser.
        from ccrouter.cli.statusline import cmd_statusline

        return cmd_statusline(argparse.Namespace())
    parser = build_parser()
    config: str | None = None
    try:
        if argv[:1] == ["code"]:
            # Everything after `code` belongs to Claude Code, verbatim: argparse would reorder
            # or reject its flags (CCR lost `-p "prompt"` this way).
            from ccrouter.cli import code as cli_code

            return cli_code.main(argv[1:], parser)
        args = parser.parse_args(argv)
        config = getattr(args, "config", None)
        if args.command is None:
            parser.print_help()
            return 0
        code: int = args.func(args)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `ccrouter status | head -3`: the reader left; say nothing more and leave quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        return _report(exc, config)


def _report(exc: Exception, config: str | None) -> int:
    """One line per error (plus one per config problem), secrets masked, never a traceback."""
    from ccrouter.errors import ConfigError

    if os.environ.get("CCROUTER_DEBUG") and not isinstance(exc, CLIError | ConfigError):
        raise exc
    if isinstance(exc, CLIError):
        lines, code = [exc.message], exc.code
    elif isinstance(exc, ConfigError):
        detail = "; ".join(str(p) for p in exc.problems)
        head = exc.message.removesuffix(f": {detail}") if detail else exc.message
        lines, code = [head] + [f"  {p}" for p in exc.problems], 2
    elif isinstance(exc, OSError):
        lines, code = [" ".join(str(x) for x in (exc.strerror or exc, exc.filename or ""))], 1
    else:
        lines, code = (
            [
                f"unexpected error: {type(exc).__name__}: {exc} "
                "(set CCROUTER_DEBUG=1 for the traceback)"
            ],
            1,
        )
    text = "\n".join(lines)
    print("ccrouter: " + _redact(text.strip(), config), file=sys.stderr)
    return code


def _redact(text: str, config: str | None) -> str:
    try:
        from ccrouter.cli.common import read_config_raw
        from ccrouter.cli.secrets import redact, secret_values
        from ccrouter.config.load import resolve_config_path

        return redact(text, secret_values(read_config_raw(resolve_config_path(config))))
    except Exception:  # masking must never hide the error itself
        from ccrouter.cli.secrets import redact

        return redact(text, [])
