"""Offline token counting for Anthropic Messages requests (cl100k_base, never downloaded).

The encoding comes from ``routing.tokenizer`` (built offline, once per process); when it cannot
be built, counts fall back to ≈ chars/4 and nothing ever raises.

`TokenCounter` caches counts per content block: Claude Code resends the whole conversation each
turn, so only the new blocks cost tokenizer time.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson

from ccrouter.routing.tokenizer import (
    CL100K_SHA256,
    TIKTOKEN_FILE_ENV,
    encoding_status,
    load_encoding,
)
from ccrouter.transformers.context import Recall

__all__ = [  # the tokenizer names are re-exported: /health and the benchmarks import them here
    "CL100K_SHA256",
    "TIKTOKEN_FILE_ENV",
    "TokenCounter",
    "count_text",
    "encoding_status",
]

logger = logging.getLogger("ccrouter.routing.tokens")

IMAGE_TOKENS = 1600  # Anthropic's cost of a max-size image; also used per PDF document
MESSAGE_OVERHEAD = 3  # role and turn markers per message
_ENTRY_OVERHEAD = 64  # charged per cache entry so many tiny pieces still count against the bound
_DEFAULT_MAX_CACHED_CHARS = 64 * 1024 * 1024


def count_text(text: str) -> int:
    """Tokens in `text`; special-token strings in it count as ordinary text."""
    encoding = load_encoding()
    if encoding is not None:
        try:
            return len(encoding.encode_ordinary(text))
        except Exception:  # counting is advisory: a tokenizer bug must not fail a request
            logger.debug("tiktoken failed on a %d-char text; estimating", len(text))
    return _estimate(text)


def _estimate(text: str | bytes) -> int:
    return (len(text) + 3) // 4


@dataclass(slots=True)
class _Counted:
    """One turn's counts, kept in its ``Recall`` memo for the next turn."""

    system_tokens: int
    tools_tokens: int
    counts: list[int]  # per message


_MEMO = "tokens"


class TokenCounter:
    """Counts Anthropic request bodies, caching each content block's count (LRU, bounded).

    Keys are the block text itself, or the orjson bytes of dict-valued pieces (tool inputs,
    schemas). Given the request's ``Recall`` (``ccrouter.routing.conversation``), the counts of the
    previous turn's equal leading messages, and of an equal system prompt and tool list, are
    reused without looking at a block: a ~10x cheaper path on every turn of a conversation.
    Not thread-safe: one counter per event loop.
    """

    def __init__(self, max_cached_chars: int = _DEFAULT_MAX_CACHED_CHARS) -> None:
        self.max_cached_chars = max_cached_chars
        self.cached_chars = 0
        self.hits = 0
        self.misses = 0
        self._cache: OrderedDict[str | bytes, int] = OrderedDict()

    def count_request(self, body: object, recall: Recall | None = None) -> int:
        """Estimated input tokens of a Messages request body; never raises."""
        if not isinstance(body, dict):
            return self._json(body) if body is not None else 0
        system, tools, messages = body.get("system"), body.get("tools"), body.get("messages")
        messages = messages if isinstance(messages, list) else []
        seen: _Counted | None = (
            recall.previous.get(_MEMO) if recall is not None and recall.previous else None
        )
        if seen is not None and recall is not None and recall.same_system:
            system_tokens = seen.system_tokens
        else:
            system_tokens = self._system(system)
        if seen is not None and recall is not None and recall.same_tools:
            tools_tokens = seen.tools_tokens
        else:
            tools_tokens = self._tools(tools)
        reused: list[int] = (
            seen.counts[: recall.prefix] if seen is not None and recall is not None else []
        )
        counts = reused + [self._message(m) for m in messages[len(reused) :]]
        if recall is not None:
            recall.current[_MEMO] = _Counted(system_tokens, tools_tokens, counts)
        return system_tokens + tools_tokens + sum(counts)

    def _message(self, message: object) -> int:
        if isinstance(message, dict):
            return MESSAGE_OVERHEAD + self._content(message.get("content"))
        return MESSAGE_OVERHEAD + self._json(message)

    def _tools(self, tools: object) -> int:
        return sum(self._tool(tool) for tool in tools) if isinstance(tools, list) else 0

    def count(self, piece: str | bytes) -> int:
        """Tokens in one piece of text (bytes: UTF-8 JSON), through the cache."""
        cached = self._cache.get(piece)
        if cached is not None:
            self.hits += 1
            self._cache.move_to_end(piece)
            return cached
        self.misses += 1
        tokens = count_text(piece if isinstance(piece, str) else piece.decode("utf-8", "replace"))
        size = len(piece) + _ENTRY_OVERHEAD
        if size <= self.max_cached_chars:
            self._cache[piece] = tokens
            self.cached_chars += size
            while self.cached_chars > self.max_cached_chars:
                evicted, _ = self._cache.popitem(last=False)
                self.cached_chars -= len(evicted) + _ENTRY_OVERHEAD
        return tokens

    def _system(self, system: object) -> int:
        if isinstance(system, list):
            return sum(self._block(block) for block in system)
        return self._text(system)

    def _content(self, content: object, depth: int = 0) -> int:
        if isinstance(content, list) and depth < 8:
            return sum(self._block(block, depth) for block in content)
        return self._text(content)

    def _block(self, block: object, depth: int = 0) -> int:
        if not isinstance(block, dict):
            return self._text(block)
        kind = block.get("type")
        if kind == "text":
            return self._text(block.get("text"))
        if kind == "thinking":
            return self._text(block.get("thinking"))  # the signature is opaque, not model input
        if kind == "redacted_thinking":
            data = block.get("data")
            return _estimate(data) if isinstance(data, str) else 0
        if kind in ("tool_use", "server_tool_use"):
            return self._text(block.get("name")) + self._json(block.get("input"))
        if kind == "tool_result":
            return self._content(block.get("content"), depth + 1)
        if kind == "image":
            return IMAGE_TOKENS
        if kind == "document":
            return self._document(block, depth)
        return self._json(block)

    def _document(self, block: dict[Any, Any], depth: int) -> int:
        source = block.get("source")
        extra = self._text(block.get("title")) + self._text(block.get("context"))
        if isinstance(source, dict) and source.get("type") == "text":
            return extra + self._text(source.get("data"))
        if isinstance(source, dict) and source.get("type") == "content":
            return extra + self._content(source.get("content"), depth + 1)
        return extra + IMAGE_TOKENS  # base64 or URL PDF: a page-count-blind flat cost

    def _tool(self, tool: object) -> int:
        if isinstance(tool, dict) and "input_schema" in tool:
            return (
                self._text(tool.get("name"))
                + self._text(tool.get("description"))
                + self._json(tool.get("input_schema"))
            )
        return self._json(tool)  # server tools (web_search, …) are a type plus a few options

    def _text(self, value: object) -> int:
        if isinstance(value, str):
            return self.count(value) if value else 0
        return 0 if value is None else self._json(value)

    def _json(self, value: object) -> int:
        try:
            return self.count(orjson.dumps(value))
        except (TypeError, ValueError, RecursionError):  # not JSON-shaped: estimate from repr
            try:
                return _estimate(repr(value))
            except Exception:
                return 0
