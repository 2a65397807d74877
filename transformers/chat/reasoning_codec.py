"""Pack non-Anthropic reasoning state into a thinking block's ``signature`` and back.

Claude Code echoes thinking blocks verbatim, and its ``clear_thinking`` edit keeps only
``{type, thinking, signature}``; so whatever must be replayed next turn lives in the signature.

* Anthropic's own signatures (``format: anthropic-claude-v1``) are passed through untouched.
* Everything else becomes ``ccr1.<family>.<base64url(json(details))>``: the versioned prefix says
  which family produced it, so a route change can drop blocks the new target cannot verify.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

PREFIX = "ccr1."


def pack(details: list[dict[str, Any]], family: str) -> str:
    payload = base64.urlsafe_b64encode(orjson.dumps(details)).rstrip(b"=").decode()
    return f"{PREFIX}{family}.{payload}"


def unpack(signature: str) -> tuple[str, list[dict[str, Any]]] | None:
    """``(family, details)`` for a packed signature; None for a foreign/Anthropic one."""
    if not signature.startswith(PREFIX):
        return None
    try:
        family, _, payload = signature[len(PREFIX) :].partition(".")
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        details = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(details, list):
        return None
    return family, [d for d in details if isinstance(d, dict)]
