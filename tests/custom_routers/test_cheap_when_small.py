"""custom_routers/cheap_when_small.py, through ccrouter.testing as an author would test it."""

from __future__ import annotations

from typing import Any

import pytest

from ccrouter.routing.custom import load_router
from ccrouter.routing.features import RouteRequest
from ccrouter.routing.rules import Decision
from ccrouter.testing import classify, make_config, make_request, route_with
from tests.routing_support import EVERY_VIEW, EXAMPLES

ROUTER = EXAMPLES / "cheap_when_small.py"
CONFIG = make_config(CheapWhenSmall={})
BACKGROUND = make_config().routes["background"]


def chat(*turns: Any) -> list[dict[str, Any]]:
    """Alternating user/assistant turns, the user first."""
    return [
        {"role": "user" if i % 2 == 0 else "assistant", "content": turn}
        for i, turn in enumerate(turns)
    ]


FOLLOW_UP = chat("What does git rebase -i do?", "It rewrites history…", "thanks, and -x?")


def test_a_short_follow_up_goes_to_the_background_route() -> None:
    decision = route_with(ROUTER, make_request(messages=FOLLOW_UP), CONFIG)
    assert decision is not None
    assert decision.route == "background"
    assert decision.targets == BACKGROUND
    assert decision.reason == "custom router cheap_when_small chose route 'background'"


def test_another_route_and_limits_come_from_the_config() -> None:
    config = make_config(CheapWhenSmall={"route": "webSearch", "maxChars": 5})
    assert route_with(ROUTER, make_request(messages=FOLLOW_UP), config) is None
    short = chat("q", "a", "ok")
    decision = route_with(ROUTER, make_request(messages=short), config)
    assert decision is not None and decision.route == "webSearch"


def test_system_reminders_do_not_make_a_turn_long() -> None:
    reminder = "<system-reminder>\n" + "context " * 400 + "</system-reminder>"
    last = [{"type": "text", "text": reminder}, {"type": "text", "text": "and -x?"}]
    decision = route_with(ROUTER, make_request(messages=chat("q", "a", last)), CONFIG)
    assert decision is not None


TOOL_USE = [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {}}]
TOOL_RESULT = [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]
IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "x"}}


@pytest.mark.parametrize(
    ("why", "request_"),
    [
        ("first turn", make_request("hi")),
        ("long text", make_request(messages=chat("q", "a", "x" * 201))),
        ("tool result", make_request(messages=chat("q", TOOL_USE, TOOL_RESULT))),
        ("after a tool call", make_request(messages=chat("q", TOOL_USE, "and then?"))),
        ("image", make_request(messages=chat("q", "a", [{"type": "text", "text": "?"}, IMAGE]))),
        ("big request", make_request(messages=FOLLOW_UP, tokens=30_001)),
        ("ultrathink", make_request(messages=chat("q", "a", "ultrathink: why?"))),
        ("effort max", make_request(messages=FOLLOW_UP, effort="max")),
        ("web search", make_request(messages=FOLLOW_UP, tools=["web_search"])),
        ("explicit model", make_request(messages=FOLLOW_UP, model="openrouter,x/y")),
        ("ends with assistant", make_request(messages=chat("q", "a"))),
    ],
)
def test_leaves_alone(why: str, request_: Any) -> None:
    assert route_with(ROUTER, request_, CONFIG) is None, why


def test_does_nothing_without_its_config_or_its_route() -> None:
    assert route_with(ROUTER, make_request(messages=FOLLOW_UP), make_config()) is None
    no_background = make_config(router={"default": "openrouter,a/b"}, CheapWhenSmall={})
    assert route_with(ROUTER, make_request(messages=FOLLOW_UP), no_background) is None


def test_classify_sends_the_follow_up_to_the_cheap_model() -> None:
    request = make_request(messages=FOLLOW_UP)
    assert classify(request, CONFIG).route == "default"
    assert classify(request, CONFIG, custom=[ROUTER]).targets == BACKGROUND


def test_recorded_tool_turns_stay_where_they_are(
    claude_code_views: dict[str, RouteRequest],
) -> None:
    views = claude_code_views
    for name in ("a_print/001", "c_tool_write/002", "c_tool_bash/002", "f_rename_haiku_env/002"):
        assert route_with(ROUTER, views[name], CONFIG) is None, name


@pytest.mark.parametrize("view", EVERY_VIEW, indirect=True)
def test_never_raises(view: Any) -> None:
    config = make_config(CheapWhenSmall={"maxChars": 10_000, "maxTokens": 10**9})
    result = load_router(ROUTER).func(view, config)
    assert result is None or isinstance(result, Decision | str)
