"""Logging: one line per request at info, bodies only at debug, never a secret."""

from __future__ import annotations

import logging
import sys

_LEVELS = {
    "fatal": logging.CRITICAL,
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
}

request_log = logging.getLogger("ccrouter.request")


def setup_logging(level: str = "info") -> None:
    root = logging.getLogger("ccrouter")
    root.setLevel(_LEVELS.get(level.lower(), logging.INFO))
    if not any(getattr(h, "_ccrouter", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler._ccrouter = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.propagate = False


def mask(secret: str | None) -> str:
    """``sk-or-v1-abcd…`` → ``sk-o…(40 chars)``: enough to recognise, never enough to use."""
    if not secret:
        return "(none)"
    if secret.startswith("$"):
        return secret
    return f"{secret[:4]}…({len(secret)} chars)"
