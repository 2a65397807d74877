"""What the running server keeps besides its config, one object per job.

- ``StateHolder``: the current snapshot (``RouterState``). A request calls ``current()`` once
  and uses that snapshot to the end, so a hot reload never changes the rules under a request in
  flight. Reloads build a complete new snapshot and swap it in one assignment.
- ``ReloadStatus``: how many reloads succeeded, and why the last one failed, if it did.
- ``Statistics``: requests served and the recent routing decisions (for status and statusline).

Each session's own memory (its size, sticky models, cache hits) is ``routing.sessions``.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ccrouter.config.model import Config, Target
from ccrouter.routing.custom import CustomRouter
from ccrouter.transformers.base import Transformer
from ccrouter.transformers.registry import TransformerRegistry


@dataclass(frozen=True)
class RouterState:
    config: Config
    custom_routers: tuple[CustomRouter, ...] = ()
    registry: TransformerRegistry = field(default_factory=TransformerRegistry)
    load_problems: tuple[str, ...] = ()  # plugin files that did not load (not fatal)
    loaded_at: float = field(default_factory=time.time)

    def chain_if_known(self, target: Target) -> tuple[Transformer, ...]:
        """The transformer chain for a target; () when its provider is unknown."""
        provider = self.config.provider(target.provider)
        return self.registry.chain_for(provider, target.model) if provider else ()


@dataclass
class DecisionRecord:
    at: float
    route: str
    target: str
    reason: str
    tokens: int
    status: str  # "ok", "error 429", …
    session_id: str | None = None
    tried: str = ""  # every model tried, with its status, when more than one was
    fallbacks: str = ""  # the rest of the chain after the chosen model
    decide_ms: float = 0.0
    cost: float | None = None  # what OpenRouter charged, when it says
    generation_id: str | None = None  # OpenRouter's gen-… id, to look the request up there
    cache_hit_rate: float | None = None  # the session's cache reads over prompt tokens so far
    sticky: bool = False  # the session kept the model that answered its previous turn
    cost_source: str | None = None  # "reported" by the upstream, or "catalog" (its prices)


class StateHolder:
    """The snapshot in force; ``swap`` replaces it whole."""

    def __init__(self, state: RouterState) -> None:
        self._state = state

    def current(self) -> RouterState:
        return self._state

    def swap(self, state: RouterState) -> None:
        self._state = state


@dataclass
class ReloadStatus:
    reloads: int = 0  # successful reloads since start
    error: str | None = None  # why the last reload failed (the last good config is kept)

    def succeeded(self) -> None:
        self.reloads += 1
        self.error = None

    def failed(self, why: str) -> None:
        self.error = why


class Statistics:
    """Requests served and the latest decisions, overall and per session (both bounded)."""

    def __init__(self, recent: int = 20, sessions: int = 1000) -> None:
        self.started_at = time.time()
        self.requests = 0
        self.recent: deque[DecisionRecord] = deque(maxlen=recent)
        self._sessions = sessions
        self._by_session: OrderedDict[str, DecisionRecord] = OrderedDict()
        # Called with each finished request's record (the dashboard's live feed); must not raise.
        self.listeners: list[Callable[[DecisionRecord], None]] = []

    def record(self, record: DecisionRecord) -> None:
        """One request served (whatever its outcome)."""
        self.requests += 1
        self.recent.append(record)
        for listener in self.listeners:
            listener(record)
        if record.session_id:
            self._by_session[record.session_id] = record
            self._by_session.move_to_end(record.session_id)
            if len(self._by_session) > self._sessions:
                self._by_session.popitem(last=False)

    def latest(self, session_id: str | None = None) -> DecisionRecord | None:
        """The session's last decision, else the last one of any session."""
        found = self._by_session.get(session_id) if session_id else None
        if found is None and self.recent:
            return self.recent[-1]
        return found

    def uptime_s(self) -> float:
        return round(time.time() - self.started_at, 1)

    def report(self, last: int = 10) -> dict[str, Any]:
        return {
            "uptime_s": self.uptime_s(),
            "requests": self.requests,
            "recent": [r.__dict__ for r in list(self.recent)[-last:]],
            "sessions": [_session_row(r) for r in list(self._by_session.values())[-last:]][::-1],
        }


def _session_row(record: DecisionRecord) -> dict[str, Any]:
    """A session's latest request: its route, the model it is on, its cache-hit rate."""
    return {
        "session_id": record.session_id,
        "at": record.at,
        "route": record.route,
        "model": record.target,
        "sticky": record.sticky,
        "cache_hit_rate": record.cache_hit_rate,
    }
