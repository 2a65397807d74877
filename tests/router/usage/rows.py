"""Ledger rows for the usage tests: ``make_row(**changes)`` with plain defaults."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ccrouter.usage.record import TriedModel, UsageRow

BASE = UsageRow(
    at=1_796_000_000.0,
    request_id="req_1",
    route="default",
    model="openrouter,m/a",
    status="ok",
    session_id="s1",
    project="~/code/a",
    tried=(TriedModel("openrouter,m/a", "ok"),),
    stop_reason="end_turn",
    input_tokens=100,
    output_tokens=20,
    cache_read_tokens=300,
    cache_write_tokens=0,
    cost_usd=0.01,
    cost_source="reported",
    latency_ms=1000.0,
    ttft_ms=200.0,
    stream=True,
)


def make_row(**changes: Any) -> UsageRow:
    return replace(BASE, **changes)
