"""custom_routers/project_override.py, through ccrouter.testing as an author would test it."""

from __future__ import annotations

import os
from typing import Any

import pytest

from ccrouter.config.model import Target
from ccrouter.routing.custom import load_router
from ccrouter.routing.features import RouteRequest
from ccrouter.routing.rules import Decision
from ccrouter.testing import classify, make_config, make_request, route_with
from tests.recording.driver import Recordings
from tests.routing_support import EVERY_VIEW, EXAMPLES, plugin_log

ROUTER = EXAMPLES / "project_override.py"
CLIENT = "openrouter,anthropic/claude-sonnet-4.5"
CONFIG = make_config(
    ProjectRoutes={
        "/home/dev/client-a": CLIENT,
        "/home/dev/client-a/experiments/": "think",
        "/srv/oss": ["openrouter,deepseek/deepseek-chat", "openrouter,moonshotai/kimi-k2"],
    }
)


def env_reminder(cwd: str) -> dict[str, Any]:
    """Claude 4.5 and older: the environment block folded into the first user message."""
    text = (
        f"<system-reminder>\n# Environment\n - Primary working directory: {cwd}\n</system-reminder>"
    )
    return {"type": "text", "text": text}


@pytest.mark.parametrize(
    ("cwd", "route", "target"),
    [
        ("/home/dev/client-a", "custom:project_override", CLIENT),
        ("/home/dev/client-a/api/v2", "custom:project_override", CLIENT),
        ("/home/dev/client-a/experiments/x", "think", "openrouter,deepseek/deepseek-r1"),
        ("/srv/oss/", "custom:project_override", "openrouter,deepseek/deepseek-chat"),
    ],
)
def test_the_longest_folder_containing_the_project_wins(cwd: str, route: str, target: str) -> None:
    decision = route_with(ROUTER, make_request(cwd=cwd), CONFIG)
    assert decision is not None
    assert (decision.route, str(decision.target)) == (route, target)


def test_the_reason_names_the_folder() -> None:
    decision = route_with(ROUTER, make_request(cwd="/home/dev/client-a/api"), CONFIG)
    assert decision is not None
    assert decision.reason == "working directory /home/dev/client-a/api is in /home/dev/client-a"


@pytest.mark.parametrize("cwd", ["/home/dev/client-ab", "/home/dev", "/srv/oss-fork", "/"])
def test_a_sibling_or_parent_folder_does_not_match(cwd: str) -> None:
    assert route_with(ROUTER, make_request(cwd=cwd), CONFIG) is None


def test_the_folded_environment_of_older_models_is_read() -> None:
    content = [env_reminder("/home/dev/client-a/web"), {"type": "text", "text": "hi"}]
    request = make_request(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": content}]
    )
    decision = route_with(ROUTER, request, CONFIG)
    assert decision is not None and str(decision.target) == CLIENT


def test_a_later_turn_with_a_string_system_message_is_read() -> None:
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "system", "content": "# Environment\n - Primary working directory: /srv/oss/x\n"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "and now?"},
    ]
    decision = route_with(ROUTER, make_request(messages=messages), CONFIG)
    assert decision is not None and str(decision.target) == "openrouter,deepseek/deepseek-chat"


def test_home_in_a_folder_is_expanded() -> None:
    config = make_config(ProjectRoutes={"~/code": CLIENT})
    request = make_request(cwd=os.path.expanduser("~/code/app"))
    decision = route_with(ROUTER, request, config)
    assert decision is not None and str(decision.target) == CLIENT


def test_a_list_keeps_its_fallbacks() -> None:
    decision = route_with(ROUTER, make_request(cwd="/srv/oss"), CONFIG)
    assert decision is not None
    assert decision.chain[0] == Target("openrouter", "moonshotai/kimi-k2")


def test_explicit_model_and_requests_without_a_directory_are_left_alone() -> None:
    explicit = make_request(model="openrouter,x/y", cwd="/home/dev/client-a")
    assert route_with(ROUTER, explicit, CONFIG) is None
    assert route_with(ROUTER, make_request("hi"), CONFIG) is None
    assert route_with(ROUTER, make_request(cwd="/home/dev/client-a"), make_config()) is None


def test_it_beats_the_think_rule_for_the_project() -> None:
    request = make_request("ultrathink", cwd="/home/dev/client-a")
    assert classify(request, CONFIG).route == "think"
    assert str(classify(request, CONFIG, custom=[ROUTER]).target) == CLIENT


def test_a_bad_value_is_logged_and_skipped() -> None:
    config = make_config(ProjectRoutes={"/home/dev": {"model": "x"}})
    with plugin_log() as lines:
        decision = classify(make_request(cwd="/home/dev/a"), config, custom=[ROUTER])
    assert decision.route == "default"
    assert any("project_override.py raised ValueError" in line for line in lines)


def test_recorded_requests_name_their_directory(
    claude_code: Recordings, claude_code_views: dict[str, RouteRequest]
) -> None:
    config = make_config(ProjectRoutes={str(claude_code.workdirs["c_tool_read_image"]): CLIENT})
    views = claude_code_views
    for name in ("c_tool_read_image/001", "c_tool_read_image/002"):
        decision = route_with(ROUTER, views[name], config)
        assert decision is not None and str(decision.target) == CLIENT, name
    assert route_with(ROUTER, views["a_print/001"], config) is None


def test_a_recorded_claude_4_5_request_names_its_directory(
    claude_code: Recordings, claude_code_views: dict[str, RouteRequest]
) -> None:
    folder = claude_code.workdirs["e_think_haiku_budget"].parent  # a parent folder also matches
    config = make_config(ProjectRoutes={str(folder): CLIENT})
    decision = route_with(ROUTER, claude_code_views["e_think_haiku_budget/001"], config)
    assert decision is not None and str(decision.target) == CLIENT


@pytest.mark.parametrize("view", EVERY_VIEW, indirect=True)
def test_never_raises(view: Any) -> None:
    config = make_config(ProjectRoutes={"/": CLIENT, "/tmp": "think", "": "background"})
    result = load_router(ROUTER).func(view, config)
    assert result is None or isinstance(result, Decision | str)
