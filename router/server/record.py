"""What one ``/v1/messages`` request leaves behind: its ``DecisionRecord`` and its log line.

The record is built once, when the request is over, from what routing decided and what the
dispatcher tried; ``/api/status`` and the statusline show it, the log line prints it.
"""

from __future__ import annotations

import time

from ccrouter.config.state import DecisionRecord
from ccrouter.dispatch.fallback import Outcome
from ccrouter.routing.decide import Decided
from ccrouter.routing.sessions import SessionFacts


def decision_record(
    at: float,
    decided: Decided | None,
    outcome: Outcome,
    status: str,
    session: SessionFacts | None = None,
) -> DecisionRecord:
    """``decided`` is None when the request failed before routing (auth, body, validation);
    ``session``: what the session memory says after it (``ccrouter.routing.sessions``)."""
    tried = outcome.tried_header() if outcome.attempts or outcome.clamped else ""
    if decided is None:
        return DecisionRecord(at, "-", "-", "", 0, status, tried=tried)
    decision, summary = decided.decision, outcome.summary
    cost, cost_source = outcome.cost()
    return DecisionRecord(
        at,
        decision.route,
        str(outcome.target or decision.target),
        decision.reason,
        decided.tokens,
        status,
        decided.view.session_id,
        tried,
        ",".join(f"({t})" for t in decision.chain),
        decided.ms,
        cost,
        summary.generation_id if summary else None,
        session.cache_rate if session else None,
        session.sticky if session else False,
        cost_source=cost_source,
    )


def log_line(request_id: str, record: DecisionRecord, started: float, method: str = "") -> str:
    """The one info line per request (an f-string: about half the cost of %-formatting it).

    ``method``: how the tokens were counted (``tiktoken``, ``estimate``), shown after them."""
    ms = (time.perf_counter() - started) * 1000
    return (
        f"{request_id} route={record.route} model={record.target} "
        f"fallbacks={record.fallbacks or '-'} reason={record.reason!r} tokens={record.tokens}"
        f"{f' ({method})' if method else ''} "
        f"decide_ms={record.decide_ms:.2f} status={record.status} ms={ms:.1f}"
        f"{_upstream_facts(record)}"
    )


def _upstream_facts(record: DecisionRecord) -> str:
    facts = ""
    if record.tried:
        facts += f" tried=[{record.tried}]"
    if record.cost is not None:
        facts += f" cost={record.cost:.6f} ({record.cost_source or 'reported'})"
    if record.generation_id:
        facts += f" gen={record.generation_id}"
    if record.sticky:
        facts += " sticky=yes"
    if record.cache_hit_rate is not None:
        facts += f" session_cache={record.cache_hit_rate:.0%}"
    return facts
