"""custom_routers/keyword_model.py, through ccrouter.testing as an author would test it."""

from __future__ import annotations

from typing import Any

import pytest

from ccrouter.config.model import Target
from ccrouter.routing.custom import load_router
from ccrouter.routing.features import RouteRequest
from ccrouter.routing.rules import Decision
from ccrouter.testing import classify, make_config, make_request, route_with
from tests.routing_support import EVERY_VIEW, EXAMPLES, plugin_log

ROUTER = EXAMPLES / "keyword_model.py"
CODER = "openrouter,qwen/qwen3-coder"
CONFIG = make_config(
    KeywordRoutes={
        "sql|postgres": CODER,
        "refactor": "think",
        "translate": ["openrouter,google/gemini-2.5-flash", "openrouter,deepseek/deepseek-chat"],
    }
)


def tool_loop(prompt: str) -> list[dict[str, Any]]:
    """The prompt, the model's tool call, and Claude Code's tool result."""
    call = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "schema.sql"}
    return [
        {"role": "user", "content": [{"type": "text", "text": prompt}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Looking."}, call]},
        {"role": "user", "content": [result]},
    ]


def test_a_keyword_sends_the_prompt_to_its_model() -> None:
    decision = route_with(ROUTER, make_request("Why is this SQL query slow?"), CONFIG)
    assert decision is not None
    assert decision.route == "custom:keyword_model"
    assert str(decision.target) == CODER
    assert decision.reason == "the prompt mentions 'SQL'"


def test_a_route_name_gets_that_route_and_its_fallbacks() -> None:
    decision = route_with(ROUTER, make_request("please refactor utils.py"), CONFIG)
    assert decision is not None
    assert decision.route == "think"
    assert decision.targets == CONFIG.routes["think"]
    assert decision.reason == "custom router keyword_model chose route 'think'"


def test_a_list_gives_the_first_model_then_its_fallbacks() -> None:
    decision = route_with(ROUTER, make_request("translate this README"), CONFIG)
    assert decision is not None
    assert decision.target == Target("openrouter", "google/gemini-2.5-flash")
    assert decision.chain[0] == Target("openrouter", "deepseek/deepseek-chat")


@pytest.mark.parametrize(
    "text",
    ["mysqldump the db", "what is sqlite?", "say hi", "Refactoring is fun"],
)
def test_only_whole_words_count(text: str) -> None:
    assert route_with(ROUTER, make_request(text), CONFIG) is None


def test_the_first_matching_key_wins() -> None:
    decision = route_with(ROUTER, make_request("refactor the postgres layer"), CONFIG)
    assert decision is not None and str(decision.target) == CODER


def test_system_reminders_do_not_count() -> None:
    text = "<system-reminder>\nRecent commits:\nab12 fix sql\n</system-reminder>\nsay hi"
    assert route_with(ROUTER, make_request(text), CONFIG) is None


def test_the_tool_loop_stays_on_the_model_its_prompt_chose() -> None:
    request = make_request(messages=tool_loop("count the rows in every SQL table"))
    decision = route_with(ROUTER, request, CONFIG)
    assert decision is not None and str(decision.target) == CODER


@pytest.mark.parametrize(
    ("why", "request_"),
    [
        ("explicit /model", make_request("sql", model="openrouter,deepseek/deepseek-chat")),
        ("background job", make_request("sql", model="claude-haiku-5-5")),
        ("long conversation", make_request("sql", tokens=CONFIG.long_context_threshold + 1)),
    ],
)
def test_leaves_alone(why: str, request_: Any) -> None:
    assert route_with(ROUTER, request_, CONFIG) is None, why


def test_does_nothing_without_its_config() -> None:
    assert route_with(ROUTER, make_request("sql"), make_config()) is None


def test_a_bad_value_is_logged_and_skipped() -> None:
    config = make_config(KeywordRoutes={"sql": 42})
    with plugin_log() as lines:
        decision = classify(make_request("sql"), config, custom=[ROUTER])
    assert decision.route == "default"
    assert any("keyword_model.py raised ValueError" in line and "'sql'" in line for line in lines)


def test_it_runs_before_the_built_in_rules() -> None:
    request = make_request("ultrathink: fix the SQL")
    assert classify(request, CONFIG).route == "think"
    assert str(classify(request, CONFIG, custom=[ROUTER]).target) == CODER


def test_a_recorded_prompt_is_matched(claude_code_views: dict[str, RouteRequest]) -> None:
    config = make_config(KeywordRoutes={"say": CODER})
    decision = route_with(ROUTER, claude_code_views["a_print/001"], config)
    assert decision is not None and str(decision.target) == CODER


@pytest.mark.parametrize("view", EVERY_VIEW, indirect=True)
def test_never_raises(view: Any) -> None:
    config = make_config(KeywordRoutes={"hi|say|sql|refactor": CODER, "the": "think"})
    result = load_router(ROUTER).func(view, config)
    assert result is None or isinstance(result, Decision | str)
