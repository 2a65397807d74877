"""Build a complete ``RouterState`` from a config path, or fail with every problem listed."""

from __future__ import annotations

import os
from pathlib import Path

from ccrouter.config.model import check_config
from ccrouter.config.state import RouterState
from ccrouter.errors import ConfigError, ConfigProblem
from ccrouter.routing.custom import discover, load_routers
from ccrouter.transformers.registry import TransformerRegistry
from ccrouter.userprobe import probe_all


def check_state(
    path: str | os.PathLike[str] | None, *, require_file: bool = False
) -> tuple[RouterState | None, list[ConfigProblem]]:
    """Every problem in one pass: schema, config rules, unknown transformers.

    The state is None when there is any problem. ``require_file``: a missing file is a problem
    instead of meaning the embedded default (a service that was serving a file must not drop to
    the default, and its APIKEY, when the file is deleted or renamed).
    """
    file = Path(path).expanduser() if path is not None else None
    if require_file and (file is None or not file.exists()):
        return None, [
            ConfigProblem(
                "",
                f"{file} was deleted, renamed or cannot be seen; put it back (the last good "
                "config stays in force until then)",
            )
        ]
    try:
        config, problems = check_config(file)
    except ConfigError as exc:
        return None, exc.problems or [ConfigProblem("", exc.message)]
    if config is None:
        return None, problems
    # Every new or changed user file is try-imported in a child process first, side by side.
    user_files = [path for path, _ in config.user_transformers]
    probe_all(user_files + discover(config.custom_router_paths), "ccrouter_probe")
    registry = TransformerRegistry()
    transformer_problems = registry.load_user_files(config.user_transformers)
    errors, warnings = registry.problems(config.providers)
    problems += errors
    if problems:
        return None, problems
    routers, router_problems = load_routers(config.custom_router_paths)
    return RouterState(
        config=config,
        custom_routers=routers,
        registry=registry,
        load_problems=tuple(router_problems + transformer_problems + warnings),
    ), []


def build_state(path: str | os.PathLike[str] | None, *, require_file: bool = False) -> RouterState:
    state, problems = check_state(path, require_file=require_file)
    if state is None:
        raise ConfigError(f"{path or 'the config'} has {len(problems)} problem(s)", problems)
    return state


def watched_paths(state: RouterState, config_path: Path | None) -> list[Path]:
    """Folders to watch: the config's folder, custom router folders, user transformer files."""
    paths: list[Path] = []
    if config_path is not None:
        paths.append(config_path.parent if config_path.parent.exists() else config_path)
    for path in state.config.custom_router_paths:
        paths.append(path if path.is_dir() else path.parent)
    for path, _ in state.config.user_transformers:
        paths.append(path.parent)
    return [p for p in dict.fromkeys(paths) if p.exists()]
