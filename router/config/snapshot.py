"""Build a complete ``RouterState`` from a config path, or fail with every problem listed."""

from __future__ import annotations

import os
from pathlib import Path

from ccrouter.config.model import load_config
from ccrouter.config.state import RouterState
from ccrouter.errors import ConfigError
from ccrouter.routing.custom import load_routers
from ccrouter.transformers.registry import TransformerRegistry


def build_state(path: str | os.PathLike[str] | None) -> RouterState:
    config = load_config(path)
    registry = TransformerRegistry()
    transformer_problems = registry.load_user_files(config.user_transformers)
    problems, warnings = registry.problems(config.providers)
    if problems:
        raise ConfigError(f"{config.path or 'config'} has {len(problems)} problem(s)", problems)
    routers, router_problems = load_routers(config.custom_router_paths)
    return RouterState(
        config=config,
        custom_routers=routers,
        registry=registry,
        load_problems=tuple(router_problems + transformer_problems + warnings),
    )


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
