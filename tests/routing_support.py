"""What routing tests share: recorded Claude Code requests as views, odd shapes, plugin logs."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ccrouter.routing.features import RouteRequest, build_route_request
from ccrouter.routing.tokens import TokenCounter
from ccrouter.server.validate import check_messages_request
from tests.conftest import recorded_requests

EXAMPLES = Path(__file__).resolve().parents[1] / "custom_routers"
_COUNTER = TokenCounter()


def view_of(recording: dict[str, Any], session_last_tokens: int | None = None) -> RouteRequest:
    """The view the server builds for a recorded request."""
    body = recording["body"]
    headers = {name.lower(): value for name, value in recording["headers"]}
    return build_route_request(body, headers, _COUNTER.count_request(body), session_last_tokens)


@functools.cache
def recorded_views() -> dict[str, RouteRequest]:
    """``"a_print/001"`` → view, for every recorded ``POST /v1/messages``; {} without fixtures."""
    return {
        name.removesuffix("-v1_messages.json"): view_of(recording)
        for name, recording in recorded_requests()
        if recording.get("method") == "POST" and isinstance(recording.get("body"), dict)
    }


def needs_recording(name: str) -> pytest.MarkDecorator:
    """A skip marker for tests of one recording, when the shared fixtures are absent."""
    return pytest.mark.skipif(name not in recorded_views(), reason=f"{name} not recorded here")


_TEXT = {"type": "text", "text": "hi"}
# Bodies the server accepts (they pass check_messages_request) but few routers expect.
ODD_BODIES: list[dict[str, Any]] = [
    {"model": "m", "max_tokens": 1, "messages": []},
    {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": ""}]},
    {"model": "m", "max_tokens": 1, "messages": [{"role": "assistant", "content": "only me"}]},
    {"model": "m", "max_tokens": 1, "messages": [{"role": "system", "content": []}]},
    {
        "model": "m",
        "max_tokens": 1,
        "messages": [
            {"role": "user", "content": [{"type": "text"}, {"type": "text", "text": None}]},
            {"role": "assistant", "content": [{"type": "tool_use"}, {"type": "mystery", "x": 1}]},
            {"role": "user", "content": [{"type": "text", "text": 42}, {"type": "image"}]},
        ],
    },
    {
        "model": "m",
        "max_tokens": 1,
        "system": [{"type": "text"}, {"type": "text", "text": None}, {"type": "other"}],
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": None}]},
            {"role": "user", "content": [{"type": "tool_result", "content": None}]},
        ],
    },
    {
        "model": "m",
        "max_tokens": 1,
        "system": "Primary working directory: ",
        "metadata": {"user_id": "{not json"},
        "tools": [],
        "thinking": {"type": None, "budget_tokens": "lots"},
        "output_config": "max",
        "messages": [{"role": "user", "content": [_TEXT, {"type": "document"}]}],
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


def every_view() -> dict[str, RouteRequest]:
    return {**recorded_views(), **odd_views()}


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
