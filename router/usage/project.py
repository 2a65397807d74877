"""Which project a request belongs to, as the user would name it (pure).

The ``x-ccrouter-project`` header wins; else Claude Code's working directory (its environment
block), shown with ``~`` for the home folder; else the session (``session <id>``); else None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccrouter.routing.workdir import normalise, working_directory

PROJECT_HEADER = "x-ccrouter-project"
MAX_PROJECT = 300  # characters kept of a project name


def project_of(
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    session_id: str | None,
    home: str,
    system_text: str | None = None,
) -> str | None:
    """The request's project; ``headers`` are lower-cased, ``home`` is the user's home folder."""
    given = headers.get(PROJECT_HEADER, "").strip()
    if given:
        return shown_path(given, home)[:MAX_PROJECT]
    cwd = working_directory(body, system_text)
    if cwd is not None:
        return shown_path(cwd, home)[:MAX_PROJECT]
    return session_project(session_id)


def session_project(session_id: str | None) -> str | None:
    """The project of a request that names no folder: its session's, else none."""
    return f"session {session_id}"[:MAX_PROJECT] if session_id else None


def shown_path(path: str, home: str) -> str:
    """``/home/ann/code/x`` -> ``~/code/x`` (home itself is ``~``); other paths unchanged."""
    path = normalise(path)
    home = normalise(home) if home else ""
    if home and home != "/":
        if path == home:
            return "~"
        if path.startswith(home + "/"):
            return "~" + path[len(home) :]
    return path
