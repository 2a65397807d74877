"""The ``Usage`` config block: whether to keep the ledger, where, and for how long.

``"Usage": {"enabled": true, "path": "~/.ccrouter/usage.db", "retainDays": 90}``; every key is
optional and no block at all means the defaults (on, ``<ccrouter home>/usage.db``, 90 days).
Standard library only: ``ccrouter usage`` and ``statusline`` read it without the whole config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccrouter.home import ccrouter_home

DEFAULT_RETAIN_DAYS = 90
LEDGER_NAME = "usage.db"


@dataclass(frozen=True)
class UsageSettings:
    enabled: bool = True
    path: Path | None = None  # None: <ccrouter home>/usage.db, looked up when opened
    retain_days: int = DEFAULT_RETAIN_DAYS  # 0 keeps every row

    def ledger_path(self) -> Path:
        return self.path if self.path is not None else ccrouter_home() / LEDGER_NAME


def usage_settings(block: Any, base_dir: Path | None = None) -> UsageSettings:
    """The settings of a (schema-checked, interpolated) ``Usage`` value; lenient on the rest.

    A relative ``path`` is relative to ``base_dir`` (the config file's folder).
    """
    if not isinstance(block, Mapping):
        return UsageSettings()
    path: Path | None = None
    if isinstance(block.get("path"), str) and block["path"].strip():
        path = Path(block["path"].strip()).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
    days = block.get("retainDays", DEFAULT_RETAIN_DAYS)
    retain = int(days) if isinstance(days, int | float) and days >= 0 else DEFAULT_RETAIN_DAYS
    return UsageSettings(block.get("enabled", True) is not False, path, retain)
