"""The request's record, built once from the decision and the outcome, and its log line."""

from __future__ import annotations

import time

from ccrouter.catalog.facts import Price
from ccrouter.config.model import Target
from ccrouter.config.state import DecisionRecord
from ccrouter.dispatch.fallback import Outcome
from ccrouter.dispatch.pipes import UpstreamSummary
from ccrouter.errors import Attempt
from ccrouter.routing.decide import Decided
from ccrouter.routing.features import build_route_request
from ccrouter.routing.rules import Decision
from ccrouter.routing.sessions import SessionFacts
from ccrouter.server.record import decision_record, log_line

A, B, C = Target("p", "a"), Target("p", "b"), Target("p", "c")


def decided(session: str | None = "s1") -> Decided:
    body = {"model": "claude-x", "max_tokens": 5, "messages": []}
    view = build_route_request(body, {}, 1200, None, session)
    return Decided(view, Decision("think", A, "effort 'max'", (B, C)), 1200, 0.25)


def test_a_request_that_failed_before_routing_has_no_route() -> None:
    record = decision_record(5.0, None, Outcome(), "error 400")
    assert record == DecisionRecord(5.0, "-", "-", "", 0, "error 400")


def test_a_success_after_a_fallback() -> None:
    outcome = Outcome([Attempt("p,a", 429, "slow")], B, UpstreamSummary(0.0042, "gen-1", None))
    record = decision_record(5.0, decided(), outcome, "ok")
    assert record == DecisionRecord(
        5.0,
        "think",
        "p,b",
        "effort 'max'",
        1200,
        "ok",
        session_id="s1",
        tried="p,a (429), p,b (ok)",
        fallbacks="(p,b),(p,c)",
        decide_ms=0.25,
        cost=0.0042,
        generation_id="gen-1",
        cost_source="reported",
    )


def test_a_first_time_success_lists_nothing_tried_and_a_failure_keeps_the_routes_choice() -> None:
    assert decision_record(5.0, decided(), Outcome(target=A), "ok").tried == ""
    failed = decision_record(5.0, decided(None), Outcome([Attempt("p,a", 500, "x")]), "error 500")
    assert (failed.target, failed.tried, failed.session_id) == ("p,a", "p,a (500)", None)
    assert failed.cost is None and failed.generation_id is None


def test_the_log_line_says_the_facts_it_has() -> None:
    record = DecisionRecord(0.0, "default", "p,a", "why", 10, "ok")
    line = log_line("req_1", record, time.perf_counter())
    assert line.startswith("req_1 route=default model=p,a fallbacks=- reason='why' tokens=10 ")
    assert "tried=" not in line and "cost=" not in line and "gen=" not in line
    record.tried, record.cost, record.generation_id = "p,b (500), p,a (ok)", 0.5, "gen-2"
    line = log_line("req_1", record, time.perf_counter())
    assert line.endswith(" tried=[p,b (500), p,a (ok)] cost=0.500000 (reported) gen=gen-2")
    record.cost_source = "catalog"
    assert " cost=0.500000 (catalog) " in log_line("req_1", record, time.perf_counter())


def test_without_a_reported_cost_the_catalog_prices_count() -> None:
    usage = {"input_tokens": 1000, "output_tokens": 100}
    outcome = Outcome(target=A, summary=UpstreamSummary(None, None, None, usage))
    assert decision_record(5.0, decided(), outcome, "ok").cost is None  # unknown stays unknown
    outcome.price = Price(input=2.0, output=10.0)
    record = decision_record(5.0, decided(), outcome, "ok")
    assert (record.cost, record.cost_source) == (0.003, "catalog")


def test_a_clamp_is_listed_even_without_a_fallback() -> None:
    outcome = Outcome(target=A, clamped="max_tokens 32000 -> 8192 (output cap)")
    record = decision_record(5.0, decided(), outcome, "ok")
    assert record.tried == "p,a (ok, max_tokens 32000 -> 8192 (output cap))"


def test_the_sessions_facts_reach_the_record_and_the_log_line() -> None:
    facts = SessionFacts(cache_rate=0.725, sticky=True)
    record = decision_record(5.0, decided(), Outcome(target=A), "ok", facts)
    assert (record.cache_hit_rate, record.sticky) == (0.725, True)
    line = log_line("req_1", record, time.perf_counter())
    assert line.endswith(" sticky=yes session_cache=72%")
    plain = decision_record(5.0, decided(), Outcome(target=A), "ok")
    assert "session_cache=" not in log_line("req_1", plain, time.perf_counter())
