"""Recognise a resent conversation, so work done for its previous turn is not done again.

Claude Code sends the whole conversation on every turn: turn N+1 is turn N's messages (the last
one or two possibly changed, as the cache breakpoint moves) plus the new ones. ``recall(body)``
finds the previous turn of the same conversation among the last few (same first message), counts
how many leading messages are still equal — ``==`` on the parsed JSON: C-level, strings compared
with memcmp, no hashing and no serialising — and hands both turns' memos to the request
(``transformers.context.Recall``). Token counting and request translation keep their results
there and reuse them for the equal prefix.

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


@dataclass(slots=True, eq=False)
class _Turn:
    messages: list[Any]
    memo: dict[Any, Any] = field(default_factory=dict)


class Conversations:
    def __init__(self, size: int = RECENT) -> None:
        self._recent: deque[_Turn] = deque(maxlen=size)

    def recall(self, body: Mapping[str, Any]) -> Recall:
        """This request's ``Recall``; the request becomes the conversation's latest turn."""
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return Recall()
        previous = self._take(messages[0])
        prefix = 0
        if previous is not None:
            old = previous.messages
            end = min(len(old), len(messages))
            while prefix < end and old[prefix] == messages[prefix]:
                prefix += 1
        turn = _Turn(messages)
        self._recent.appendleft(turn)
        return Recall(prefix, previous.memo if previous is not None else None, turn.memo)

    def _take(self, first: Any) -> _Turn | None:
        """The latest turn whose first message equals ``first``, removed from the list."""
        for i, turn in enumerate(self._recent):
            if turn.messages[0] == first:
                del self._recent[i]
                return turn
        return None

    def __len__(self) -> int:
        return len(self._recent)
