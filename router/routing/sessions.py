"""What each Claude Code session did lately: its size, the models it sticks to, its cache hits.

A session is Claude Code's session id (``X-Claude-Code-Session-Id`` / ``metadata.user_id``); its
main loop and each subagent (``x-claude-code-agent-id``) are separate *lanes* of it, so a
subagent's small request neither resets the main loop's long-context memory nor moves its model.

Stickiness, per lane and route: the model that answered the previous request goes first again,
so the provider's prompt cache stays warm. When a fallback answered (the route's first model
failed), the lane keeps the fallback while the first model cools down and one turn more, then
goes back: no flipping between models every turn. A config change that alters the route's
chain, or the kept model failing, ends it (what answers next is kept instead).
``sticky_choice`` is the pure rule; ``Sessions`` only remembers.

Bounds: at most ``SESSIONS`` sessions (least recently used dropped first) of at most ``LANES``
lanes each; a session idle for ``IDLE_S`` is forgotten. An entry is a few hundred bytes, so the
whole memory stays under a few MB. Not thread-safe: one ``Sessions`` per event loop.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ccrouter.config.model import Target
from ccrouter.routing.rules import Decision

SESSIONS = 1000  # sessions remembered
LANES = 16  # lanes (main loop + subagents) per session
IDLE_S = 3600.0  # a session untouched this long is forgotten


@dataclass(frozen=True, slots=True)
class Stick:
    """The model a lane's route answered with last, and the chain it answered in."""

    target: Target
    chain: tuple[Target, ...]  # the decision's targets then: a config change unsticks
    grace: bool = False  # the chain's first model is usable again: this is the turn more


def sticky_choice(
    stick: Stick | None, decision: Decision, cooling: Callable[[Target], float]
) -> tuple[Target | None, Stick | None]:
    """(the model to try first, the stick to keep); ``None`` first: the route's usual order."""
    if stick is None or decision.target is None or stick.chain != decision.targets:
        return None, None  # nothing kept, or the route's config changed
    if stick.target == decision.target:
        return None, stick  # on the first model already
    if cooling(decision.target) > 0:
        return stick.target, replace(stick, grace=False)
    if not stick.grace:
        return stick.target, replace(stick, grace=True)  # recovered: one turn more
    return None, None  # back to the first model


def prefer(targets: list[Target], first: Target | None) -> list[Target]:
    """``targets`` with ``first`` moved to the front (unchanged when absent)."""
    if first is None or first not in targets or targets[0] == first:
        return targets
    return [first, *(t for t in targets if t != first)]


def cache_rate(prompt_tokens: int, cache_read: int) -> float | None:
    """Cache reads over prompt tokens (reads, writes and the rest), 0..1; None without prompts."""
    return round(cache_read / prompt_tokens, 4) if prompt_tokens > 0 else None


def usage_tokens(usage: Mapping[str, Any] | None) -> tuple[int, int]:
    """(prompt tokens, cache reads) of an Anthropic ``usage``: input + cache reads + writes."""
    if not usage:
        return 0, 0
    read = _int(usage.get("cache_read_input_tokens"))
    prompt = _int(usage.get("input_tokens")) + read + _int(usage.get("cache_creation_input_tokens"))
    return prompt, read


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


@dataclass(slots=True)
class Lane:
    last_tokens: int | None = None
    sticks: dict[str, Stick] = field(default_factory=dict)  # route -> what answered


@dataclass(slots=True)
class Session:
    seen: float
    lanes: OrderedDict[str, Lane] = field(default_factory=OrderedDict)  # "" is the main loop
    requests: int = 0
    prompt_tokens: int = 0
    cache_read: int = 0
    route: str = ""
    model: str = ""

    @property
    def cache_rate(self) -> float | None:
        return cache_rate(self.prompt_tokens, self.cache_read)


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What one finished request leaves for its record: the session's running cache rate."""

    cache_rate: float | None
    sticky: bool  # the model was kept from the lane's previous turn


class Sessions:
    def __init__(
        self,
        size: int = SESSIONS,
        idle_s: float = IDLE_S,
        lanes: int = LANES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._size, self._idle_s, self._lanes, self._clock = size, idle_s, lanes, clock
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def session(self, session_id: str | None) -> Session | None:
        """The session, when remembered and not idle too long."""
        if not session_id:
            return None
        found = self._sessions.get(session_id)
        if found is not None and self._clock() - found.seen > self._idle_s:
            del self._sessions[session_id]
            return None
        return found

    def last_tokens(self, session_id: str | None, agent: str | None = None) -> int | None:
        """The token count of the lane's previous request (the long-context follow-up rule)."""
        session = self.session(session_id)
        lane = session.lanes.get(agent or "") if session else None
        return lane.last_tokens if lane else None

    def steer(
        self,
        session_id: str | None,
        agent: str | None,
        decision: Decision,
        cooling: Callable[[Target], float],
    ) -> Decision:
        """The decision with ``sticky`` set when the lane keeps its route's last model."""
        session = self.session(session_id)
        lane = session.lanes.get(agent or "") if session else None
        if lane is None:
            return decision
        first, stick = sticky_choice(lane.sticks.get(decision.route), decision, cooling)
        if stick is None:
            lane.sticks.pop(decision.route, None)
        else:
            lane.sticks[decision.route] = stick
        if first is None:
            return decision
        reason = f"{decision.reason}; the session keeps {first}, which answered its last turn"
        return replace(decision, reason=reason, sticky=first)

    def finished(
        self,
        session_id: str | None,
        agent: str | None,
        decision: Decision,
        tokens: int,
        answered: Target | None,
        usage: Mapping[str, Any] | None,
    ) -> SessionFacts | None:
        """Remember one request of the session: its size, the model that answered, its usage."""
        if not session_id:
            return None
        session = self._touch(session_id)
        lane = self._lane(session, agent or "")
        lane.last_tokens = tokens
        session.requests += 1
        prompt, read = usage_tokens(usage)
        session.prompt_tokens += prompt
        session.cache_read += read
        session.route = decision.route
        if answered is not None:
            session.model = str(answered)
            kept = lane.sticks.get(decision.route)
            if kept is None or kept.target != answered or kept.chain != decision.targets:
                lane.sticks[decision.route] = Stick(answered, decision.targets)
        sticky = decision.sticky is not None and decision.sticky == answered
        return SessionFacts(session.cache_rate, sticky)

    def _touch(self, session_id: str) -> Session:
        now = self._clock()
        session = self.session(session_id)
        if session is None:
            session = self._sessions[session_id] = Session(now)
        session.seen = now
        self._sessions.move_to_end(session_id)
        while len(self._sessions) > self._size:
            self._sessions.popitem(last=False)
        while self._sessions:  # the least recently used first: stop at the first fresh one
            oldest = next(iter(self._sessions.values()))
            if now - oldest.seen <= self._idle_s:
                break
            self._sessions.popitem(last=False)
        return session

    def _lane(self, session: Session, name: str) -> Lane:
        lane = session.lanes.get(name)
        if lane is None:
            lane = session.lanes[name] = Lane()
        session.lanes.move_to_end(name)
        while len(session.lanes) > self._lanes:
            oldest = next(iter(session.lanes))
            if oldest == "" and len(session.lanes) > 1:  # the main loop stays
                session.lanes.move_to_end("")
                oldest = next(iter(session.lanes))
            del session.lanes[oldest]
        return lane
