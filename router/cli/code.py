"""``ccrouter code [claude arguments…]``: run Claude Code against the router.

Starts the service when none answers, then runs ``claude`` with every argument passed through
verbatim and the environment pointed at the router; returns Claude Code's exit code. It never
stops the service: another terminal may be using it (CCR's reference counter stopped services
it had not started).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from ccrouter.cli.common import (
    CLIError,
    Service,
    SubParsers,
    apikey_for,
    find_service,
    note,
    read_config_raw,
)

INSTALL_HINT = (
    "install Claude Code with `npm install -g @anthropic-ai/claude-code`, "
    "or set CLAUDE_PATH to the claude executable"
)
PLACEHOLDER_TOKEN = "ccrouter"  # any non-empty value: without APIKEY the router accepts all
BACKGROUND_MODEL = "claude-haiku-5-5"  # a haiku name, so the `background` route recognises it
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Env vars that send Claude Code somewhere other than ANTHROPIC_BASE_URL.
_REROUTING = ("CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY")
_SETTINGS_KEYS = ("ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY")


def find_claude(env: Mapping[str, str], config_value: str | None = None) -> str:
    """``$CLAUDE_PATH``, else the config's ``CLAUDE_PATH``, else ``claude`` on PATH."""
    for source, value in (
        ("CLAUDE_PATH", env.get("CLAUDE_PATH")),
        ("config CLAUDE_PATH", config_value),
    ):
        if value:
            found = shutil.which(os.path.expanduser(value), path=env.get("PATH"))
            if found is None:
                raise CLIError(
                    f"{source} is {value}, which is not an executable file; {INSTALL_HINT}"
                )
            return found
    found = shutil.which("claude", path=env.get("PATH"))
    if found is None:
        raise CLIError(f"Claude Code (`claude`) is not on PATH; {INSTALL_HINT}")
    return found


def _no_proxy(value: str | None) -> str:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    return ",".join(items + [host for host in LOCAL_HOSTS if host not in items])


def claude_env(
    base: Mapping[str, str], url: str, apikey: str | None, api_timeout_ms: int
) -> dict[str, str]:
    """The environment for ``claude``: pointed at the router, quiet, never nested."""
    env = dict(base)
    for name in ("ANTHROPIC_API_KEY", "CLAUDECODE", *_REROUTING):
        env.pop(name, None)
    env["ANTHROPIC_BASE_URL"] = url
    env["ANTHROPIC_AUTH_TOKEN"] = apikey or PLACEHOLDER_TOKEN
    env["API_TIMEOUT_MS"] = str(api_timeout_ms)
    env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1"
    # The per-request billing line in system[0] changes every turn and busts prefix caches.
    env["CLAUDE_CODE_ATTRIBUTION_HEADER"] = "0"
    env["DISABLE_COST_WARNINGS"] = "1"
    env["NO_PROXY"] = _no_proxy(base.get("NO_PROXY"))
    if "no_proxy" in base:
        env["no_proxy"] = _no_proxy(base.get("no_proxy"))
    if not base.get("ANTHROPIC_DEFAULT_HAIKU_MODEL") and not base.get("ANTHROPIC_SMALL_FAST_MODEL"):
        env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = BACKGROUND_MODEL
    return env


def settings_overrides(home: Path, cwd: Path) -> list[str]:
    """Claude Code settings files whose ``env`` would override ccrouter's variables."""
    found = []
    for path in (
        home / ".claude" / "settings.json",
        cwd / ".claude" / "settings.json",
        cwd / ".claude" / "settings.local.json",
    ):
        try:
            env = json.loads(path.read_text("utf-8")).get("env") or {}
        except (OSError, ValueError, AttributeError):
            continue
        names = [name for name in _SETTINGS_KEYS if isinstance(env, dict) and name in env]
        if names:
            found.append(f"{path} sets {', '.join(names)} in env")
    return found


def ensure_service() -> Service:
    """The running ccrouter (pid file, else the configured address), started if none answers."""
    from ccrouter.cli.service import AlreadyRunningError, resolve_start, start_service
    from ccrouter.config.load import resolve_config_path

    service = find_service(resolve_config_path(None))
    if service is not None:
        return service
    request = resolve_start({})
    try:
        record = start_service(request)
    except AlreadyRunningError as exc:  # another `ccrouter code` won the race
        record = exc.record
    else:
        note(f"started the router at {record.url} (pid {record.pid}); `ccrouter stop` stops it")
    return Service(record.url, record.config, record)


def run(command: list[str], env: dict[str, str]) -> int:
    """Run ``command``; SIGINT/SIGTERM/SIGHUP reach it; its exit code (128+N for signal N)."""
    process = subprocess.Popen(command, env=env)

    def forward(signum: int, frame: FrameType | None) -> None:
        # Ctrl-C in a terminal already went to claude: it is in our foreground process group.
        if signum == signal.SIGINT and _terminal_sent_it():
            return
        try:
            process.send_signal(signum)
        except ProcessLookupError:
            pass

    # Handlers go in after the spawn: an ignored signal would be inherited by claude.
    previous = {
        sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        code = process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code if code >= 0 else 128 - code


def _terminal_sent_it() -> bool:
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def main(args: list[str], parser: argparse.ArgumentParser) -> int:
    if args in (["-h"], ["--help"]):
        parser.parse_args(["code", "--help"])  # prints the help and exits
    if args[:1] == ["--"]:
        args = args[1:]
    raw = read_config_raw(_config_path())
    claude = find_claude(os.environ, str(raw["CLAUDE_PATH"]) if raw.get("CLAUDE_PATH") else None)
    service = ensure_service()
    apikey, timeout_ms = _client_settings(service.config)
    for problem in settings_overrides(Path.home(), Path.cwd()):
        note(f"warning: {problem}; Claude Code applies it over ccrouter's environment")
    env = claude_env(os.environ, service.url, apikey, timeout_ms)
    env.update(_model_env(service.config, args))
    return run([claude, *args], env)


def _model_env(config_path: str | None, args: list[str]) -> dict[str, str]:
    """The session model's window and output cap from the catalog, for Claude Code's compaction
    (``ccrouter.catalog.claude_env``); nothing when unknown or the config does not load."""
    from ccrouter.catalog.claude_env import claude_code_env, session_facts
    from ccrouter.catalog.store import cache_path, read_cache
    from ccrouter.config.model import load_config
    from ccrouter.errors import ConfigError

    try:
        config = load_config(config_path)
    except ConfigError:
        return {}
    return claude_code_env(session_facts(config, read_cache(cache_path()), args), os.environ)


def _client_settings(config_path: str | None) -> tuple[str | None, int]:
    """(APIKEY, API_TIMEOUT_MS) of the router's config.

    A config edited into an invalid state does not stop the running router (it keeps its last
    good config), so it must not stop Claude Code either: fall back to a plain read.
    """
    from ccrouter.config.model import Config, load_config
    from ccrouter.errors import ConfigError

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        note(f"warning: {exc.message.split(': ', 1)[0]}; see `ccrouter config validate`")
        raw = read_config_raw(config_path)
        try:
            timeout_ms = int(raw.get("API_TIMEOUT_MS") or Config.api_timeout_ms)
        except (TypeError, ValueError):
            timeout_ms = Config.api_timeout_ms
        return apikey_for(config_path), timeout_ms
    return config.apikey, config.api_timeout_ms


def _config_path() -> Path:
    from ccrouter.config.load import resolve_config_path

    return resolve_config_path(None)


def register(sub: SubParsers) -> None:
    code = sub.add_parser(
        "code",
        help="run Claude Code through the router (starts the router if needed)",
        usage="ccrouter code [claude arguments ...]",
        description="Start the router if it is not running, then run `claude` with every "
        'argument passed through unchanged, e.g. `ccrouter code -p "explain this repo"` or '
        "`ccrouter code --model openrouter,deepseek/deepseek-r1`. Sets ANTHROPIC_BASE_URL, "
        "ANTHROPIC_AUTH_TOKEN (the config's APIKEY), API_TIMEOUT_MS and quiet-mode variables; "
        "removes ANTHROPIC_API_KEY and CLAUDECODE. Returns claude's exit code and never stops "
        "the router. `ccrouter code -- --help` shows Claude Code's own help. The claude "
        "executable: $CLAUDE_PATH, else CLAUDE_PATH in the config, else `claude` on PATH.",
    )
    code.add_argument("claude_args", nargs="*", metavar="claude arguments", help=argparse.SUPPRESS)
