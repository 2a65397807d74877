"""What routing tests share: recorded Claude Code requests as views, odd shapes, plugin logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ccrouter.routing.features import RouteRequest, build_route_request
from ccrouter.routing.tokens import TokenCounter
from ccrouter.server.validate import check_messages_request
from tests.recording.cases import MESSAGE_NAMES
from tests.recording.driver import Recordings

EXAMPLES = Path(__file__).resolve().parents[1] / "custom_routers"
_COUNTER = TokenCounter()


def view_of(recording: dict[str, Any], session_last_tokens: int | None = None) -> RouteRequest:
    """The view the server builds for a recorded request."""
    body = recording["body"]
    headers = {name.lower(): value for name, value in recording["headers"]}
    return build_route_request(body, headers, _COUNTER.count_request(body), session_last_tokens)


def recorded_views(recordings: Recordings) -> dict[str, RouteRequest]:
    """``"a_print/001"`` → view, for every recorded ``POST /v1/messages`` (the ``claude_code``
    fixture; tests get this from the ``claude_code_views`` fixture)."""
    return {name: view_of(recordings.request(name)) for name in MESSAGE_NAMES}


_TEXT = {"type": "text", "text": "hi"}
# Bodies the server accepts (they pass check_messages_request) but few routers expect.
ODD_BODIES: list[dict[str, Any]] = [
    {"model": "m", "max_tokens": 1, "messages": [{"role": "system", "content": "only me"}]},
    {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": ""}]},
    {"model": "m", "max_tokens": 1, "messages": [{"role": "assistant", "content": "only me"}]},
    {"model": "m", "max_tokens": 1, "messages": [{"role": "system", "content": []}]},
    {
        "model": "m",
        "max_tokens": 1,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": ""}, {"type": "mystery"}]},
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "t", "name": "X", "input": {}},
                    {"type": "mystery", "x": 1},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "t", "content": []},
                    {"type": "image", "source": {"type": "url", "url": ""}},
                ],
            },
        ],
    },
    {
        "model": "m",
        "max_tokens": 1,
        "system": [{"type": "text", "text": ""}],
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": ""}]},
            {"role": "user", "content": [{"type": "mystery", "content": None}]},
        ],
    },
    {
        "model": "m",
        "max_tokens": 1,
        "system": "Primary working directory: ",
        "metadata": {"user_id": "{not json"},
        "tools": [],
        "thinking": {"type": "mystery", "budget_tokens": "lots"},
        "output_config": {},
        "messages": [
            {
                "role": "user",
                "content": [_TEXT, {"type": "document", "source": {"type": "text", "data": ""}}],
            }
        ],
    },
    {
        "model": "m",
        "max_tokens": 1,
        "messages": [
            {"role": "user", "content": "<system-reminder>never closed sql refactor"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "<system-reminder>x</system-reminder>"},
        ],
    },
]


def odd_views() -> dict[str, RouteRequest]:
    views = {}
    for i, body in enumerate(ODD_BODIES):
        check_messages_request(body)  # keep the list honest: the server lets these through
        views[f"odd-{i}"] = build_route_request(body, {}, _COUNTER.count_request(body))
    return views


def every_view(recorded: dict[str, RouteRequest]) -> dict[str, RouteRequest]:
    return {**recorded, **odd_views()}


# Names for ``@pytest.mark.parametrize("view", EVERY_VIEW, indirect=True)`` (tests/conftest.py).
EVERY_VIEW: list[str] = [*MESSAGE_NAMES, *(f"odd-{i}" for i in range(len(ODD_BODIES)))]


@contextmanager
def plugin_log() -> Iterator[list[str]]:
    """Warnings from ccrouter.routing.custom, caught on the logger itself (``propagate`` may be off)."""
    lines: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("ccrouter.routing.custom")
    handler = Catch(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
