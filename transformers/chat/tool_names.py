"""Tool names and tool-call ids that both sides accept.

* OpenAI-side tool names: at most 64 characters of ``[a-zA-Z0-9_-]``. Longer or odd names
  (Claude Code's ``mcp__server__tool``) become the first 55 safe characters + ``_`` + 8 hex of
  SHA-256: deterministic, so tools, history and tool_choice agree without stored state; the
  per-request reverse map restores the client's name.
* Anthropic-side tool ids: ``^[a-zA-Z0-9_-]+$``. A valid upstream id is kept; anything else
  (Kimi's ``functions.Bash:0``, numbers) is wrapped reversibly as ``toolu_x`` + base64url, which
  is itself valid, and unwrapped when the id goes back upstream.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import secrets

_SAFE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_UNSAFE_CHAR = re.compile(r"[^a-zA-Z0-9_-]")
_ID_SAFE = re.compile(r"^[a-zA-Z0-9_-]+$")
_WRAP = "toolu_x"


@functools.lru_cache(maxsize=1024)  # every tool and every history call, the same few names
def upstream_tool_name(name: str) -> str:
    if _SAFE.match(name):
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    cleaned = _UNSAFE_CHAR.sub("_", name)[:55] or "tool"
    return f"{cleaned}_{digest}"


def client_tool_id(upstream_id: str | int | None) -> str:
    """An id Claude Code accepts, for an id the upstream produced (or none)."""
    if upstream_id is None or upstream_id == "":
        return "toolu_" + secrets.token_hex(12)
    text = str(upstream_id)
    if _ID_SAFE.match(text) and not text.startswith(_WRAP):
        return text
    return _WRAP + base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def upstream_tool_id(client_id: str) -> str:
    """Reverse of ``client_tool_id`` for ids that were wrapped; others unchanged."""
    if not client_id.startswith(_WRAP):
        return client_id
    payload = client_id[len(_WRAP) :]
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return client_id
