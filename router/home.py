"""ccrouter's folder, ``$CCROUTER_HOME`` (default ``~/.ccrouter``), and the files in it.

The one place that knows where it is: the default config file (``config.json``, used when neither
``--config`` nor ``$CCROUTER_CONFIG`` names one; see ``config.load.resolve_config_path``), the base
of a default-config's relative paths, and the runtime state (pid file, log, start lock).
"""

from __future__ import annotations

import os
from pathlib import Path

LOG_ROTATE_BYTES = 10 * 2**20


def ccrouter_home() -> Path:
    env = os.environ.get("CCROUTER_HOME")
    return Path(env).expanduser() if env else Path.home() / ".ccrouter"


def default_config_path() -> Path:
    return ccrouter_home() / "config.json"


def ensure_home() -> Path:
    home = ccrouter_home()
    home.mkdir(parents=True, exist_ok=True)
    return home


def pid_path() -> Path:
    return ccrouter_home() / "ccrouter.pid"


def log_path() -> Path:
    return ccrouter_home() / "ccrouter.log"


def lock_path() -> Path:
    return ccrouter_home() / "start.lock"


def rotate_log(path: Path, limit: int = LOG_ROTATE_BYTES) -> None:
    """Keep one previous log (``ccrouter.log.1``) once the current one passes ``limit`` bytes."""
    try:
        if path.stat().st_size > limit:
            path.replace(path.with_name(path.name + ".1"))
    except FileNotFoundError:
        pass
