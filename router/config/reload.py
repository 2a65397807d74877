"""Hot reload: watch the config and plugin files; rebuild, validate, swap — or keep the old.

Each change builds a complete new snapshot, off the event loop (building it imports user files,
running their code); only a fully valid one is swapped in (one assignment). A broken edit keeps
the last good snapshot, logs every problem with its JSON path and shows it on /health and in
``ccrouter status``.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from watchfiles import awatch

from ccrouter.config.checks import bind_problems
from ccrouter.config.snapshot import build_state, watched_paths
from ccrouter.config.state import ReloadStatus, StateHolder
from ccrouter.errors import ConfigError

log = logging.getLogger("ccrouter.config.reload")


def reload_now(
    holder: StateHolder,
    status: ReloadStatus,
    config_path: Path | None,
    bind_host: str | None = None,
) -> bool:
    """Rebuild from disk; True when the new snapshot was swapped in.

    The new snapshot must pass the same checks as at start (``bind_host``: the address the
    server listens on). Once a file is served, a missing file is a failure, not a switch to the
    embedded default.
    """
    try:
        state = build_state(config_path, require_file=holder.current().config.path is not None)
        problems = bind_problems(state.config, bind_host) if bind_host else []
        if problems:
            raise ConfigError(f"{config_path} breaks a start rule", problems)
    except ConfigError as exc:
        status.failed(exc.message)
        log.error("config reload failed, keeping the last good config: %s", exc.message)
        return False
    except Exception as exc:  # a reload must never take the server down
        status.failed(f"{type(exc).__name__}: {exc}")
        log.exception("config reload failed, keeping the last good config")
        return False
    holder.swap(state)
    status.succeeded()
    for problem in state.load_problems:
        log.warning("reloaded with a problem: %s", problem)
    log.info("config reloaded from %s", state.config.path or "the embedded default")
    return True


def _relevant(path: str, folders: set[str], config_file: str | None) -> bool:
    """The config file, a plugin file, or a custom-router folder appearing or going away.

    Other JSON beside the config is not: ccrouter's home holds the config next to files the
    service writes itself (the model catalog's disk copy), and each refresh must not reload."""
    if path.endswith(".py") or path in folders:
        return True
    return config_file is not None and str(Path(path).resolve()) == config_file


async def watch_forever(
    holder: StateHolder,
    status: ReloadStatus,
    config_path: Path | None,
    stop: asyncio.Event,
    bind_host: str | None = None,
    debounce_ms: int = 150,
) -> None:
    config_file = str(config_path.resolve()) if config_path is not None else None
    while not stop.is_set():
        paths = watched_paths(holder.current(), config_path)
        if not paths:
            return
        try:
            async for changes in awatch(
                *paths, stop_event=stop, debounce=debounce_ms, step=50, recursive=False
            ):
                folders = {str(p) for p in holder.current().config.custom_router_paths}
                if any(_relevant(p, folders, config_file) for _, p in changes):
                    # In a thread: importing user files runs their code (a router that sleeps
                    # at import, the child-process probe), which must not stall serving.
                    await asyncio.to_thread(reload_now, holder, status, config_path, bind_host)
                if watched_paths(holder.current(), config_path) != paths:
                    break  # a folder appeared, went away or was renamed: watch the new set
        except Exception:
            log.exception("file watcher stopped; retrying in 1 s")
            await asyncio.sleep(1)
