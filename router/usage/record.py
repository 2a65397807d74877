"""One row of the usage ledger: what one ``/v1/messages`` request did and cost.

A frozen value built once, after the response has finished, and handed to the writer; the
writer turns it into SQL parameters (``params``) and a latency histogram bucket.
"""

from __future__ import annotations

import functools
import json
import math
import time
from dataclasses import dataclass
from typing import Literal

CostSource = Literal[
    "reported", "catalog", "unknown"
]  # said by the upstream / from prices / neither
COST_SOURCES: frozenset[str] = frozenset({"reported", "catalog", "unknown"})
BUCKET_RATIO = 1.05  # latency histogram buckets: each 5 % wider than the last (±2.5 % error)
_LOG_RATIO = math.log(BUCKET_RATIO)


@dataclass(frozen=True, slots=True)
class TriedModel:
    """One model the fallback walk tried, and how that went: ``ok``, ``429``, ``failed``…"""

    model: str
    outcome: str


@dataclass(frozen=True, slots=True)
class UsageRow:
    at: float  # unix seconds, when the request arrived
    request_id: str
    route: str
    model: str  # the model that answered (or the last one tried)
    status: str  # "ok", "error 429", "client disconnected"
    session_id: str | None = None
    project: str | None = None
    tried: tuple[TriedModel, ...] = ()  # every model tried, in order, the chosen one last
    stop_reason: str | None = None
    input_tokens: int = 0  # Anthropic's meaning: not counting cache reads and writes
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float | None = None  # None: unknown, never counted as zero
    cost_source: CostSource = "unknown"
    latency_ms: float = 0.0  # arrival to the last byte sent
    ttft_ms: float | None = None  # arrival to the first byte sent
    stream: bool = False
    key_name: str | None = None  # the client key's name, when ccrouter has several keys

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def fell_back(self) -> bool:
        """More than one model was sent the request (models skipped unsent do not count)."""
        return sum(not t.outcome.startswith("skipped") for t in self.tried) > 1

    def day(self) -> str:
        """The local calendar day of the request, ``2026-12-08``: what ``--by day`` groups on."""
        return _day_of_quarter(int(self.at // 900))

    def tried_json(self) -> str:
        return json.dumps([[t.model, t.outcome] for t in self.tried], separators=(",", ":"))


@functools.lru_cache(maxsize=256)
def _day_of_quarter(quarter: int) -> str:
    """Every time zone's offset is a multiple of 15 minutes: one day per quarter hour."""
    return time.strftime("%Y-%m-%d", time.localtime(quarter * 900))


def latency_bucket(ms: float) -> int:
    """The histogram bucket of a latency: ``BUCKET_RATIO ** b <= ms < BUCKET_RATIO ** (b + 1)``."""
    return int(math.log(max(ms, 1.0)) / _LOG_RATIO)


def bucket_value(bucket: int) -> float:
    """The latency a bucket stands for: its geometric middle."""
    return float(BUCKET_RATIO ** (bucket + 0.5))


def tried_from_header(header: str) -> tuple[TriedModel, ...]:
    """``openrouter,a (429), openrouter,b (ok)`` (the ``x-ccrouter-tried`` header) as values."""
    out: list[TriedModel] = []
    for part in header.split("), "):
        part = part.strip().removesuffix(")")
        model, sep, outcome = part.rpartition(" (")
        if sep and model:
            out.append(TriedModel(model, outcome))
    return tuple(out)
