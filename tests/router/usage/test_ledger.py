from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from ccrouter.catalog.facts import Price
from ccrouter.config.model import Target
from ccrouter.dispatch.fallback import Outcome
from ccrouter.dispatch.pipes import UpstreamSummary
from ccrouter.errors import Attempt
from ccrouter.routing.decide import Decided
from ccrouter.routing.features import build_route_request
from ccrouter.routing.rules import Decision
from ccrouter.types import Message
from ccrouter.usage.ledger import FirstByte, Ledger, usage_row
from ccrouter.usage.settings import UsageSettings

HOME = "/home/ann"
NOW = time.time()  # old rows would be pruned at once
USAGE = {
    "input_tokens": 10,
    "output_tokens": 5,
    "cache_read_input_tokens": 70,
    "cache_creation_input_tokens": 20,
}


def decided(cwd: str | None = "/home/ann/p", session: str = "s1", stream: bool = True) -> Decided:
    text = f"# Environment\n - Primary working directory: {cwd}\n" if cwd else "hi"
    body: dict[str, Any] = {
        "model": "m",
        "stream": stream,
        "messages": [{"role": "user", "content": text}],
    }
    headers = {"x-claude-code-session-id": session}
    view = build_route_request(body, headers, 100)
    return Decided(view, Decision("default", Target("p", "a"), "default"), 100, 0.1)


def answered(cost: float | None = 0.002) -> Outcome:
    outcome = Outcome(
        attempts=[Attempt("p,x", 429, "rate limited")],
        target=Target("p", "a"),
        summary=UpstreamSummary(cost, "gen-1", "end_turn", USAGE),
    )
    return outcome


def test_a_row_from_a_finished_request() -> None:
    row = usage_row("req_1", 5.0, 812.34, 120.04, decided(), answered(), "ok", "~/p")
    assert (row.route, row.model, row.status, row.session_id, row.project) == (
        "default",
        "p,a",
        "ok",
        "s1",
        "~/p",
    )
    assert [(t.model, t.outcome) for t in row.tried] == [("p,x", "429"), ("p,a", "ok")]
    assert (row.input_tokens, row.output_tokens, row.cache_read_tokens, row.cache_write_tokens) == (
        10,
        5,
        70,
        20,
    )
    assert (row.cost_usd, row.cost_source, row.stop_reason) == (0.002, "reported", "end_turn")
    assert (row.latency_ms, row.ttft_ms, row.stream) == (812.3, 120.0, True)


def test_a_skipped_model_is_listed_but_is_no_fallback() -> None:
    outcome = answered()
    outcome.attempts = [Attempt("p,s", None, "skipped: no tools")]
    row = usage_row("r", 0.0, 1.0, None, decided(), outcome, "ok", None)
    assert [t.outcome for t in row.tried] == ["skipped: no tools", "ok"] and not row.fell_back


def test_a_cost_from_catalog_prices_says_so() -> None:
    outcome = answered(cost=None)
    outcome.price = Price(input=1.0, output=2.0, cache_read=0.1, cache_write=1.25)
    row = usage_row("r", 0.0, 1.0, None, decided(), outcome, "ok", None)
    assert row.cost_source == "catalog" and row.cost_usd is not None and row.cost_usd > 0


def test_an_unknown_cost_stays_unknown() -> None:
    row = usage_row("r", 0.0, 1.0, None, decided(), answered(cost=None), "ok", None)
    assert row.cost_usd is None and row.cost_source == "unknown"


def test_a_request_that_failed_everywhere_or_before_routing() -> None:
    failed = Outcome(attempts=[Attempt("p,x", 502, "bad"), Attempt("p,y", None, "refused")])
    row = usage_row("r", 0.0, 1.0, None, decided(), failed, "error 502", None)
    assert row.model == "p,y" and [t.outcome for t in row.tried] == ["502", "failed"]
    early = usage_row("r", 0.0, 1.0, None, None, Outcome(), "error 401", None)
    assert (early.route, early.model, early.session_id, early.input_tokens) == ("-", "-", None, 0)


def test_nothing_is_recorded_before_start(tmp_path: Path) -> None:
    ledger = Ledger(UsageSettings(path=tmp_path / "u.db"), HOME)
    ledger.record("r", 0.0, 1.0, None, decided(), answered(), "ok", {})
    ledger.close()
    assert not ledger.recording and not (tmp_path / "u.db").exists()


def test_disabled_never_starts(tmp_path: Path) -> None:
    ledger = Ledger(UsageSettings(enabled=False, path=tmp_path / "u.db"), HOME)
    ledger.start()
    assert not ledger.recording


def test_a_sessions_project_covers_its_background_requests(tmp_path: Path) -> None:
    ledger = Ledger(UsageSettings(path=tmp_path / "u.db"), HOME)
    ledger.start()
    ledger.record("r1", NOW + 1, 1.0, None, decided(cwd=None, session="s0"), answered(), "ok", {})
    ledger.record("r2", NOW + 2, 1.0, None, decided(), answered(), "ok", {})
    ledger.record("r3", NOW + 3, 1.0, None, decided(cwd=None), answered(), "ok", {})
    headers = {"x-ccrouter-project": "client-x"}
    ledger.record("r4", NOW + 4, 1.0, None, decided(), answered(), "ok", headers)
    ledger.record("r5", NOW + 5, 1.0, None, None, Outcome(), "error 401", headers)
    ledger.close()
    conn = sqlite3.connect(tmp_path / "u.db")
    got = conn.execute("SELECT request_id, project FROM requests ORDER BY at").fetchall()
    conn.close()
    assert got == [
        ("r1", "session s0"),
        ("r2", "~/p"),
        ("r3", "~/p"),
        ("r4", "client-x"),
        ("r5", "client-x"),
    ]


async def test_first_byte_notes_the_first_body_bytes() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    timed = FirstByte(send)
    await timed({"type": "http.response.start", "status": 200, "headers": []})
    await timed({"type": "http.response.body", "body": b"", "more_body": True})
    assert timed.at is None
    await timed({"type": "http.response.body", "body": b"x", "more_body": True})
    first = timed.at
    await timed({"type": "http.response.body", "body": b"y"})
    assert first is not None and timed.at == first and len(sent) == 4


@pytest.mark.parametrize("value", [None, "7", True, 3.0])
def test_odd_token_values(value: Any) -> None:
    outcome = answered()
    outcome.summary = UpstreamSummary(None, None, None, {"input_tokens": value})
    row = usage_row("r", 0.0, 1.0, None, decided(), outcome, "ok", None)
    assert row.input_tokens == (3 if value == 3.0 and value is not True else 0)
