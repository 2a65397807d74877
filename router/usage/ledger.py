"""The server's side of the usage ledger: one row per ``/v1/messages`` request, queued.

``Ledger.record`` runs in the request's ``finally`` once the answer is over: it builds the row
(``usage_row``, pure) and hands it to the ``LedgerWriter`` queue, which never blocks. A session's
project is remembered, so its background requests (which name no folder) count for it too.
Nothing is recorded until ``start()`` (the app's lifespan), so apps built only for a test
transport write no file.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

from ccrouter.dispatch.fallback import SKIPPED, Outcome
from ccrouter.errors import Attempt
from ccrouter.routing.decide import Decided
from ccrouter.types import Message, Send
from ccrouter.usage.project import PROJECT_HEADER, project_of, session_project, shown_path
from ccrouter.usage.record import CostSource, TriedModel, UsageRow
from ccrouter.usage.settings import UsageSettings
from ccrouter.usage.writer import LedgerWriter

SESSIONS_KEPT = 1000  # sessions whose project is remembered (LRU)


class FirstByte:
    """Wraps ``send`` to note when the first body byte went out (time to first token)."""

    __slots__ = ("_send", "at")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.at: float | None = None

    async def __call__(self, message: Message) -> None:
        if self.at is None and message["type"] == "http.response.body" and message.get("body"):
            self.at = time.perf_counter()
        await self._send(message)


class Ledger:
    def __init__(self, settings: UsageSettings, home: str | None = None) -> None:
        self.settings = settings
        self.home = home if home is not None else str(Path.home())
        self.writer: LedgerWriter | None = None
        self._projects: OrderedDict[str, str] = OrderedDict()

    @property
    def recording(self) -> bool:
        return self.writer is not None

    def start(self) -> None:
        if self.settings.enabled and self.writer is None:
            self.writer = LedgerWriter(
                self.settings.ledger_path(), retain_days=self.settings.retain_days
            )
            self.writer.start()

    def close(self) -> None:
        """Writes every queued row (blocking: call it off the event loop)."""
        if self.writer is not None:
            self.writer.close()

    def record(
        self,
        request_id: str,
        at: float,
        latency_ms: float,
        ttft_ms: float | None,
        decided: Decided | None,
        outcome: Outcome,
        status: str,
        headers: Mapping[str, str],
    ) -> None:
        if self.writer is None:
            return
        project = self._project(decided, headers)
        self.writer.put(
            usage_row(request_id, at, latency_ms, ttft_ms, decided, outcome, status, project)
        )

    def _project(self, decided: Decided | None, headers: Mapping[str, str]) -> str | None:
        if decided is None:
            given = headers.get(PROJECT_HEADER, "").strip()
            return shown_path(given, self.home) if given else None
        session = decided.view.session_id
        known = self._projects.get(session) if session else None
        if known is not None and PROJECT_HEADER not in headers:
            self._projects.move_to_end(session)  # type: ignore[arg-type]
            return known
        view = decided.view
        project = project_of(view.body, headers, session, self.home, view.system_text)
        if session and project is not None and project != session_project(session):
            self._projects[session] = project
            if len(self._projects) > SESSIONS_KEPT:
                self._projects.popitem(last=False)
        return project


def usage_row(
    request_id: str,
    at: float,
    latency_ms: float,
    ttft_ms: float | None,
    decided: Decided | None,
    outcome: Outcome,
    status: str,
    project: str | None,
) -> UsageRow:
    """The ledger row of one finished request (``decided`` None: it failed before routing)."""
    tried = [TriedModel(a.target, _outcome_of(a)) for a in outcome.attempts]
    if outcome.target is not None:
        tried.append(TriedModel(str(outcome.target), "ok"))
    summary = outcome.summary
    usage = summary.usage if summary is not None and summary.usage else {}
    cost, known = outcome.cost()  # as the upstream reported it, else from catalog prices
    source: CostSource = known if known is not None else "unknown"
    if outcome.target is not None:
        model = str(outcome.target)
    elif decided is not None:
        model = tried[-1].model if tried else str(decided.decision.target)
    else:
        model = "-"
    return UsageRow(
        at=at,
        request_id=request_id,
        route=decided.decision.route if decided is not None else "-",
        model=model,
        status=status,
        session_id=decided.view.session_id if decided is not None else None,
        project=project,
        tried=tuple(tried),
        stop_reason=summary.stop_reason if summary is not None else None,
        input_tokens=_int(usage.get("input_tokens")),
        output_tokens=_int(usage.get("output_tokens")),
        cache_read_tokens=_int(usage.get("cache_read_input_tokens")),
        cache_write_tokens=_int(usage.get("cache_creation_input_tokens")),
        cost_usd=cost,
        cost_source=source,
        latency_ms=round(latency_ms, 1),
        ttft_ms=round(ttft_ms, 1) if ttft_ms is not None else None,
        stream=decided.view.stream if decided is not None else False,
    )


def _outcome_of(attempt: Attempt) -> str:
    """``429``, ``failed`` (no answer at all) or ``skipped: …`` (the catalog ruled it out)."""
    if attempt.status:
        return str(attempt.status)
    return attempt.reason if attempt.reason.startswith(SKIPPED) else "failed"


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0
