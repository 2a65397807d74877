"""Answer short, tool-free follow-ups ("thanks — and what does -x do?") with the cheap model.

config.json (``{}`` takes every default; without the key the router does nothing):

    "CheapWhenSmall": {"maxChars": 200, "maxTokens": 30000, "route": "background"}

A request qualifies when it continues a conversation (there is an earlier assistant turn), the
latest turn is short typed text (at most ``maxChars`` characters, Claude Code's
``<system-reminder>`` blocks not counted) with no tool result or image, the assistant's previous
turn called no tool, the whole request is at most ``maxTokens`` tokens, and nothing asks for deep
thinking (effort, budget or "ultrathink", as the think rule sees it). It then goes to the
``route`` named in ``Router`` (``background`` by default); when that route is not configured the
router does nothing. An explicit ``/model provider,model`` is left alone.
"""

from __future__ import annotations

import re
from typing import Any

from ccrouter.config.model import Config
from ccrouter.routing.features import RouteRequest
from ccrouter.routing.rules import think_reason

_REMINDER = re.compile(r"<system-reminder>.*?(?:</system-reminder>|\Z)", re.S)


def route(request: RouteRequest, config: Config) -> str | None:
    settings = config.raw.get("CheapWhenSmall")
    if not isinstance(settings, dict) or "," in request.model:
        return None
    target = str(settings.get("route", "background"))
    max_chars = int(settings.get("maxChars", 200))
    max_tokens = int(settings.get("maxTokens", 30_000))
    if target not in config.routes or request.token_count > max_tokens or request.has_image:
        return None
    if request.has_web_search or think_reason(request, config):
        return None
    messages = request.body.get("messages")
    turns = [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
    turns = [m for m in turns if m.get("role") in ("user", "assistant")]
    if len(turns) < 3 or turns[-1].get("role") != "user" or turns[-2].get("role") != "assistant":
        return None
    if _has(turns[-2].get("content"), "tool_use") or _has(turns[-1].get("content"), "tool_result"):
        return None
    text = _typed_text(turns[-1].get("content"))
    return target if 0 < len(text) <= max_chars else None


def _has(content: Any, kind: str) -> bool:
    return isinstance(content, list) and any(
        isinstance(block, dict) and block.get("type") == kind for block in content
    )


def _typed_text(content: Any) -> str:
    if isinstance(content, str):
        return _REMINDER.sub("", content).strip()
    if not isinstance(content, list):
        return ""
    if any(isinstance(b, dict) and b.get("type") not in ("text", None) for b in content):
        return ""  # documents, images or anything new: not a small talk turn
    texts = [b.get("text") for b in content if isinstance(b, dict)]
    return _REMINDER.sub("", "\n".join(t for t in texts if isinstance(t, str))).strip()
