"""Pick the model by the project Claude Code runs in.

config.json:

    "ProjectRoutes": {
        "~/code/client-a": "openrouter,anthropic/claude-sonnet-4.5",
        "/srv/oss": "think",
        "~/scratch": ["openrouter,deepseek/deepseek-chat", "openrouter,moonshotai/kimi-k2"]
    }

Keys are folders; the longest one containing the working directory wins (``~`` is expanded,
``/a/b`` covers ``/a/b/c`` but not ``/a/bc``). Values are ``"provider,model"``, a route name from
``Router``, or a list of ``"provider,model"`` (the first, then its fallbacks).

Claude Code states its working directory in the environment block: the ``role: "system"``
message (Claude 5.x and custom model names), a ``<system-reminder>`` in the first user message
(Claude 4.5 and older) or, in older versions, the system prompt. Requests without one (background
jobs such as ``/rename``, the ``/model`` probe) and an explicit ``/model provider,model`` are left
to the other rules. Every other request of the project goes to its model, long ones included:
an override is often about where the code may be sent.
"""

from __future__ import annotations

import os
from typing import Any

from ccrouter.config.model import Config, Target
from ccrouter.routing.features import RouteRequest
from ccrouter.routing.rules import Decision
from ccrouter.routing.workdir import normalise as _normalise
from ccrouter.routing.workdir import working_directory as find_working_directory


def route(request: RouteRequest, config: Config) -> Decision | str | None:
    table = config.raw.get("ProjectRoutes")
    if not isinstance(table, dict) or not table or "," in request.model:
        return None
    cwd = working_directory(request)
    if cwd is None:
        return None
    best: tuple[str, Any] | None = None
    for folder, value in table.items():
        prefix = _normalise(os.path.expanduser(str(folder)))
        if _contains(prefix, cwd) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, value)
    if best is None:
        return None
    return _choice(best[1], f"working directory {cwd} is in {best[0]}", best[0])


def working_directory(request: RouteRequest) -> str | None:
    """Claude Code's "Primary working directory", from the first place that names one."""
    return find_working_directory(request.body, request.system_text)


def _contains(folder: str, path: str) -> bool:
    return path == folder or path.startswith(folder if folder == "/" else folder + "/")


def _choice(value: Any, reason: str, key: str) -> Decision | str:
    targets = [value] if isinstance(value, str) else value
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
        raise ValueError(f"ProjectRoutes[{key!r}] must be 'provider,model', a route or a list")
    if len(targets) == 1 and "," not in targets[0]:
        return str(targets[0])  # a route name: the server adds that route's fallbacks
    parsed = [Target.parse(t) for t in targets]
    return Decision("custom:project_override", parsed[0], reason, tuple(parsed[1:]))
