"""Offline token counting for Anthropic Messages requests (cl100k_base, never downloaded).

The encoding comes from ``routing.tokenizer`` (built offline, once per process); when it cannot
be built, counts fall back to ≈ chars/4 and nothing ever raises.

`TokenCounter` caches counts per content block: Claude Code resends the whole conversation each
turn, so only the new blocks cost tokenizer time.

``TokenCounter.measure`` is what the server calls: a typical body is counted right there, on the
event loop (no thread hop); a body over ``OFF_LOOP_ABOVE`` bytes is counted in a worker thread
(tiktoken releases the GIL while it encodes), and one over ``ESTIMATE_ABOVE`` is estimated there
(≈ chars/4 per uncached piece: tokenizing tens of MB takes seconds of CPU). Either way no other
request waits; the method (``tiktoken`` / ``estimate``) goes into the request's log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from ccrouter.routing.tokenizer import (
    CL100K_SHA256,
    TIKTOKEN_FILE_ENV,
    encoding_status,
    is_loaded,
    load_encoding,
    warm,
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
# Measured (2 cores): tiktoken encodes ~7 MB/s of text, and the thread hop costs ~60 µs. A
# 512 KiB body stalls the loop ~70 ms at most, and most turns cost far less (cached blocks).
OFF_LOOP_ABOVE = 512 * 1024
ESTIMATE_ABOVE = 8 * 1024 * 1024

Method = Literal["tiktoken", "estimate"]


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

    async def measure(
        self, body: object, size: int, recall: Recall | None = None
    ) -> tuple[int, Method]:
        """``count_request`` for a body of ``size`` bytes, never blocking the event loop long."""
        if not is_loaded():
            await warm()  # the build is running (or starts) in a thread: wait for it there
        if size <= OFF_LOOP_ABOVE:
            return self.count_request(body, recall), _method(estimated=False)
        estimated = size > ESTIMATE_ABOVE
        worker = _OffLoop(self, estimated)
        tokens = await asyncio.to_thread(worker.count_request, body, recall)
        worker.merge_into(self)
        return tokens, _method(estimated)

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
        self._store(piece, tokens)
        return tokens

    def _store(self, piece: str | bytes, tokens: int) -> None:
        size = len(piece) + _ENTRY_OVERHEAD
        if size <= self.max_cached_chars:
            self._cache[piece] = tokens
            self.cached_chars += size
            while self.cached_chars > self.max_cached_chars:
                evicted, _ = self._cache.popitem(last=False)
                self.cached_chars -= len(evicted) + _ENTRY_OVERHEAD

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


def _method(estimated: bool) -> Method:
    return "estimate" if estimated or load_encoding() is None else "tiktoken"


class _OffLoop(TokenCounter):
    """One count in a worker thread: reads the shared cache, never changes it.

    The event loop keeps using the shared counter meanwhile, so this one only looks pieces up
    (a single dict read, atomic under the GIL) and keeps what it learnt for ``merge_into``,
    which runs back on the loop. Estimated counts are never cached.
    """

    def __init__(self, shared: TokenCounter, estimated: bool) -> None:
        super().__init__(shared.max_cached_chars)
        self._shared = shared._cache
        self._estimated = estimated
        self._seen: list[str | bytes] = []
        self._learnt: dict[str | bytes, int] = {}

    def count(self, piece: str | bytes) -> int:
        cached = self._shared.get(piece)
        if cached is None:
            cached = self._learnt.get(piece)
        if cached is not None:
            self.hits += 1
            self._seen.append(piece)
            return cached
        self.misses += 1
        if self._estimated:
            return _estimate(piece)
        tokens = count_text(piece if isinstance(piece, str) else piece.decode("utf-8", "replace"))
        self._learnt[piece] = tokens
        return tokens

    def merge_into(self, shared: TokenCounter) -> None:
        shared.hits += self.hits
        shared.misses += self.misses
        for piece in self._seen:
            if piece in shared._cache:
                shared._cache.move_to_end(piece)
        for piece, tokens in self._learnt.items():
            if piece not in shared._cache:
                shared._store(piece, tokens)
