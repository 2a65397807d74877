"""Recognise a resent conversation, so work done for its previous turn is not done again.

Claude Code sends the whole conversation on every turn: turn N+1 is turn N's messages (the last
one or two possibly changed, as the cache breakpoint moves) plus the new ones, with the same
system prompt and tools. ``recall(body)`` finds the previous turn of the same conversation among
the last few (same first message), counts how many leading messages are still equal and whether
the system prompt and the tool list are — ``==`` on the parsed JSON, once per request: C-level,
strings compared with memcmp, no hashing and no serialising — and hands both turns' memos to the
request (``transformers.context.Recall``). Token counting and request translation keep their
results there and reuse what is equal.

Several conversations interleave (the main one, subagents, title and topic calls), so the last
``size`` are kept. Not thread-safe: one ``Conversations`` per event loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ccrouter.transformers.context import Recall

RECENT = 8  # conversations remembered: the main one, subagents, title/topic calls
BUDGET = 64 * 2**20  # and at most this many request bytes in all (screenshots are large)


@dataclass(slots=True, eq=False)
class _Turn:
    messages: list[Any]
    system: object
    tools: object
    size: int  # the request's size in bytes, for the memory budget
    memo: dict[Any, Any] = field(default_factory=dict)


class Conversations:
    def __init__(self, size: int = RECENT, budget: int = BUDGET) -> None:
        self._recent: deque[_Turn] = deque()
        self._size = size
        self._budget = budget
        self._bytes = 0

    def recall(self, body: Mapping[str, Any], size: int = 0) -> Recall:
        """This request's ``Recall``; the request (``size`` bytes) becomes the conversation's
        latest turn."""
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return Recall()
        system, tools = body.get("system"), body.get("tools")
        turn = _Turn(messages, system, tools, size)
        previous = self._take(messages[0])
        self._keep(turn)
        if previous is None:
            return Recall(current=turn.memo)
        old, prefix = previous.messages, 0
        end = min(len(old), len(messages))
        while prefix < end and old[prefix] == messages[prefix]:
            prefix += 1
        return Recall(
            prefix,
            previous.memo,
            turn.memo,
            same_system=previous.system == system,
            same_tools=previous.tools == tools,
        )

    def _take(self, first: Any) -> _Turn | None:
        """The latest turn whose first message equals ``first``, removed from the list."""
        for i, turn in enumerate(self._recent):
            if turn.messages[0] == first:
                del self._recent[i]
                self._bytes -= turn.size
                return turn
        return None

    def _keep(self, turn: _Turn) -> None:
        self._recent.appendleft(turn)
        self._bytes += turn.size
        while len(self._recent) > 1 and (
            len(self._recent) > self._size or self._bytes > self._budget
        ):
            self._bytes -= self._recent.pop().size

    def __len__(self) -> int:
        return len(self._recent)
