"""Logging: one line per request at info, bodies only at debug, never a secret."""

from __future__ import annotations

import logging
import sys
import time

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


class _SecondFormatter(logging.Formatter):
    """Formats the timestamp once per second instead of calling strftime for every record."""

    _second = -1
    _text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._second, self._text = (
                second,
                time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second)),
            )
        return f"{self._text},{int(record.msecs):03d}"


def setup_logging(level: str = "info") -> None:
    # No caller lookup (a stack walk per record): ccrouter's format never shows file or line.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger("ccrouter")
    root.setLevel(_LEVELS.get(level.lower(), logging.INFO))
    if not any(getattr(h, "_ccrouter", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_SecondFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
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
