"""The working directory Claude Code states in its environment block, read from a request body.

Claude Code writes ``Primary working directory: /path`` (older versions: ``<env>Working
directory: /path``) in the ``role: "system"`` message (Claude 5.x and custom model names), a
``<system-reminder>`` in the first user message (Claude 4.5 and older) or the system prompt.
Background requests (``/rename``, the ``/model`` probe) carry none. Shared by the
``project_override`` custom router and the usage ledger's project column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_CWD = re.compile(r"(?:Primary working directory|Working directory): *([^\n<]+)")


def working_directory(body: Mapping[str, Any], system_text: str | None = None) -> str | None:
    """The first working directory named (messages first, then the system prompt), normalised.

    ``system_text`` is the system prompt's text when the caller has it already.
    """
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    system_messages = [m for m in messages if isinstance(m, dict) and m.get("role") == "system"]
    first_user = next((m for m in messages if isinstance(m, dict) and m.get("role") == "user"), {})
    for content in [*(m.get("content") for m in system_messages), first_user.get("content")]:
        found = _CWD.search(_text(content))
        if found:
            return normalise(found.group(1))
    if system_text is None:
        system_text = _text(body.get("system"))
    found = _CWD.search(system_text)
    return normalise(found.group(1)) if found else None


def normalise(path: str) -> str:
    """Forward slashes, no trailing slash (``/`` stays ``/``)."""
    path = path.strip().replace("\\", "/")
    return path.rstrip("/") or "/"


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = [b.get("text") for b in content if isinstance(b, dict) and b.get("type") == "text"]
    return "\n".join(t for t in texts if isinstance(t, str))
