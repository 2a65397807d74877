"""The fake's prompt cache: a request whose prompt starts like an earlier one to the same model
reads that prefix from the cache, as OpenRouter reports it (``prompt_tokens_details.cached_tokens``).

A prompt is its parts in order — the tools, the system prompt (Anthropic skin) and each message —
and the cached prefix is the longest run of leading parts equal to those of one of the model's
last ``KEEP`` prompts, counted at about four characters a token. Caches are per model (a switch
to another model starts cold), which is what makes sticky routing pay off in the tests.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import orjson

KEEP = 32  # prompts remembered per model
CHARS_PER_TOKEN = 4
_HEAD = ("tools", "system")  # what comes before the messages, when present


def prompt_parts(body: Mapping[str, Any]) -> list[bytes]:
    parts = [b"%s:%s" % (key.encode(), orjson.dumps(body[key])) for key in _HEAD if key in body]
    messages = body.get("messages")
    if isinstance(messages, list):
        parts += [orjson.dumps(message) for message in messages]
    return parts


class PromptCache:
    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._seen: dict[str, deque[list[bytes]]] = {}

    def read(self, model: str | None, body: Mapping[str, Any] | None) -> int:
        """Tokens this prompt reads from the model's cache; the prompt is remembered."""
        if model is None or body is None:
            return 0
        parts = prompt_parts(body)
        best = 0
        for old in self._seen.get(model, ()):
            chars = 0
            for new_part, old_part in zip(parts, old, strict=False):
                if new_part != old_part:
                    break
                chars += len(new_part)
            best = max(best, chars)
        self._seen.setdefault(model, deque(maxlen=self._keep)).append(parts)
        return best // CHARS_PER_TOKEN

    def clear(self) -> None:
        self._seen.clear()
