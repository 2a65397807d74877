"""Recognise a resent conversation, so work done for its previous turn is not done again.

Claude Code sends the whole conversation on every turn: turn N+1 is turn N's messages (the last
one or two possibly changed, as the cache breakpoint moves) plus the new ones, with the same
system prompt and tools. ``recall(body)`` finds the previous turn of the same conversation among
the last few (same first message), counts how many leading messages are still equal and whether
the system prompt and the tool list are — ``==`` on the parsed JSON, once per request: C-level,
strings compared with memcmp, no hashing and no serialising — and hands both turns' memos to the
request (``transformers.context.Recall``). Token counting and request translation keep their
results there and reuse what is equal.

Several conversations interleave (the main one, subagents, title and topic calls) and several
sessions run at once, so turns are kept per session (``metadata.user_id``'s ``session_id``):
the last ``size`` conversations of each of the ``sessions`` most recently active sessions, at
most ``budget`` request bytes in all (the least recently active session's oldest turn goes
first), and a session idle for ``idle_s`` is forgotten. With the defaults that is at most 64
sessions x 8 turns and 64 MiB of request bodies. Not thread-safe: one ``Conversations`` per
event loop.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ccrouter.routing.features import session_id_of
from ccrouter.transformers.context import Recall

RECENT = 8  # conversations remembered per session: the main one, subagents, title/topic calls
SESSIONS = 64  # sessions remembered
BUDGET = 64 * 2**20  # and at most this many request bytes in all (screenshots are large)
IDLE_S = 3600.0  # a session untouched this long is forgotten


@dataclass(slots=True, eq=False)
class _Turn:
    messages: list[Any]
    system: object
    tools: object
    size: int  # the request's size in bytes, for the memory budget
    memo: dict[Any, Any] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class _Session:
    seen: float
    turns: deque[_Turn] = field(default_factory=deque)  # latest first


class Conversations:
    def __init__(
        self,
        size: int = RECENT,
        budget: int = BUDGET,
        sessions: int = SESSIONS,
        idle_s: float = IDLE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions: OrderedDict[str | None, _Session] = OrderedDict()  # least recent first
        self._size, self._budget, self._max_sessions = size, budget, sessions
        self._idle_s, self._clock = idle_s, clock
        self._bytes = 0
        self._turns = 0

    def recall(self, body: Mapping[str, Any], size: int = 0) -> Recall:
        """This request's ``Recall``; the request (``size`` bytes) becomes the conversation's
        latest turn."""
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return Recall()
        system, tools = body.get("system"), body.get("tools")
        turn = _Turn(messages, system, tools, size)
        session = self._session(session_id_of(body, {}))
        previous = self._take(session, messages[0])
        self._keep(session, turn)
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

    def _session(self, key: str | None) -> _Session:
        now = self._clock()
        session = self._sessions.get(key)
        if session is not None and now - session.seen > self._idle_s:
            self._drop(key)
            session = None
        if session is None:
            session = self._sessions[key] = _Session(now)
        session.seen = now
        self._sessions.move_to_end(key)
        return session

    def _take(self, session: _Session, first: Any) -> _Turn | None:
        """The session's latest turn whose first message equals ``first``, removed."""
        for i, turn in enumerate(session.turns):
            if turn.messages[0] == first:
                del session.turns[i]
                self._bytes -= turn.size
                self._turns -= 1
                return turn
        return None

    def _keep(self, session: _Session, turn: _Turn) -> None:
        session.turns.appendleft(turn)
        self._bytes += turn.size
        self._turns += 1
        while len(session.turns) > self._size:
            self._forget(session)
        now = self._clock()
        while len(self._sessions) > 1:  # idle or too many sessions: the least recent go first
            key, oldest = next(iter(self._sessions.items()))
            if len(self._sessions) <= self._max_sessions and now - oldest.seen <= self._idle_s:
                break
            self._drop(key)
        while self._turns > 1 and self._bytes > self._budget:
            key, oldest = next(iter(self._sessions.items()))
            self._forget(oldest)
            if not oldest.turns:
                del self._sessions[key]

    def _forget(self, session: _Session) -> None:
        """Drop the session's oldest turn."""
        old = session.turns.pop()
        self._bytes -= old.size
        self._turns -= 1

    def _drop(self, key: str | None) -> None:
        session = self._sessions.pop(key)
        self._bytes -= sum(turn.size for turn in session.turns)
        self._turns -= len(session.turns)

    def __len__(self) -> int:
        """Turns remembered, over all sessions."""
        return self._turns
