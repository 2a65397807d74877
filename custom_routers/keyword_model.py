"""Send prompts that mention a keyword to a model chosen for that kind of work.

config.json:

    "KeywordRoutes": {
        "sql|postgres": "openrouter,qwen/qwen3-coder",
        "refactor": "think",
        "translate": ["openrouter,google/gemini-2.5-flash", "openrouter,deepseek/deepseek-chat"]
    }

A key is a word, or several separated by ``|``, matched as whole words in any case. A value is
``"provider,model"``, a route name from ``Router``, or a list of ``"provider,model"`` (the first,
then its fallbacks). The first key that matches, in file order, wins; no ``KeywordRoutes``: the
router does nothing.

What counts is the latest prompt the user typed, without Claude Code's ``<system-reminder>``
blocks: while Claude Code runs tools, the requests that follow end with tool results, and they
stay on the model the prompt chose. Left alone: an explicit ``/model provider,model``, background
jobs (their prompt quotes the whole conversation) and conversations over the long-context
threshold (a keyword model may not have the context window for them).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ccrouter.config.model import Config, Target
from ccrouter.routing.features import RouteRequest
from ccrouter.routing.rules import Decision, background

_REMINDER = re.compile(r"<system-reminder>.*?(?:</system-reminder>|\Z)", re.S)


def route(request: RouteRequest, config: Config) -> Decision | str | None:
    table = config.raw.get("KeywordRoutes")
    if not isinstance(table, dict) or not table or "," in request.model:
        return None
    if request.token_count > config.long_context_threshold or background(request, config):
        return None
    prompt = last_prompt(request.body.get("messages"))
    if not prompt:
        return None
    for key, value in table.items():
        match = _pattern(str(key)).search(prompt)
        if match:
            return _choice(value, f"the prompt mentions {match.group(0)!r}", key)
    return None


def _choice(value: Any, reason: str, key: str) -> Decision | str:
    targets = [value] if isinstance(value, str) else value
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
        raise ValueError(f"KeywordRoutes[{key!r}] must be 'provider,model', a route or a list")
    if len(targets) == 1 and "," not in targets[0]:
        return str(targets[0])  # a route name: the server adds that route's fallbacks
    parsed = [Target.parse(t) for t in targets]
    return Decision("custom:keyword_model", parsed[0], reason, tuple(parsed[1:]))


@functools.lru_cache(maxsize=256)
def _pattern(key: str) -> re.Pattern[str]:
    words = [re.escape(word.strip()) for word in key.split("|") if word.strip()]
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I) if words else re.compile(r"$^")


def last_prompt(messages: Any) -> str:
    """The text of the latest user message that has typed text (tool-result turns skipped)."""
    if not isinstance(messages, list):
        return ""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            text = typed_text(message.get("content"))
            if text:
                return text
    return ""


def typed_text(content: Any) -> str:
    parts: list[Any]
    if isinstance(content, str):
        parts = [content]
    elif isinstance(content, list):
        parts = [
            block.get("text")
            for block in content
            if isinstance(block, dict) and block.get("type") == "text"
        ]
    else:
        return ""
    text = "\n".join(part for part in parts if isinstance(part, str))
    return _REMINDER.sub("", text).strip()
