"""One immutable snapshot of everything a request reads, and the holder that swaps it.

A request calls ``holder.current()`` once and uses that snapshot to the end, so a hot reload
never changes the rules under a request in flight. Reloads build a complete new snapshot and
swap it in one assignment; a failed reload keeps the old one and records why.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
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


class SessionMemory:
    """Token count of each session's last request (bounded LRU), for the long-context rule."""

    def __init__(self, size: int = 1000) -> None:
        self._size = size
        self._last: OrderedDict[str, int] = OrderedDict()

    def get(self, session_id: str | None) -> int | None:
        return self._last.get(session_id) if session_id else None

    def put(self, session_id: str | None, tokens: int) -> None:
        if not session_id:
            return
        self._last[session_id] = tokens
        self._last.move_to_end(session_id)
        if len(self._last) > self._size:
            self._last.popitem(last=False)


class StateHolder:
    def __init__(self, state: RouterState) -> None:
        self._state = state
        self.reload_error: str | None = None  # why the last reload failed, if it did
        self.reloads = 0
        self.started_at = time.time()
        self.requests = 0
        self.recent: deque[DecisionRecord] = deque(maxlen=20)
        self.last_by_session: OrderedDict[str, DecisionRecord] = OrderedDict()
        self.sessions = SessionMemory()

    def current(self) -> RouterState:
        return self._state

    def swap(self, state: RouterState) -> None:
        self._state = state
        self.reloads += 1
        self.reload_error = None

    def fail_reload(self, why: str) -> None:
        self.reload_error = why

    def record(self, record: DecisionRecord) -> None:
        self.recent.append(record)
        if record.session_id:
            self.last_by_session[record.session_id] = record
            self.last_by_session.move_to_end(record.session_id)
            if len(self.last_by_session) > 1000:
                self.last_by_session.popitem(last=False)

    def status(self) -> dict[str, Any]:
        state = self._state
        return {
            "uptime_s": round(time.time() - self.started_at, 1),
            "requests": self.requests,
            "config_path": str(state.config.path) if state.config.path else None,
            "reloads": self.reloads,
            "reload_error": self.reload_error,
            "custom_routers": [r.name for r in state.custom_routers],
            "load_problems": list(state.load_problems),
            "recent": [r.__dict__ for r in list(self.recent)[-10:]],
        }
