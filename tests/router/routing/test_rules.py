"""Built-in routing rules over recorded Claude Code requests and synthetic ones.

Every case asserts the route and the reason text: the reason is what a user reads in the log
line and in ``ccrouter status`` to understand why a model was chosen.
"""

from __future__ import annotations

from typing import Any

import pytest

from ccrouter.config.model import Config, Target
from ccrouter.routing.features import RouteRequest
from ccrouter.routing.rules import Decision, classify_builtin, with_chain
from ccrouter.testing import make_config, make_request
from tests.recording.cases import MESSAGE_NAMES

CONFIG = make_config()  # ccrouter's built-in default: every route set, OpenRouter models
R = CONFIG.routes
DEFAULT = ("default", "no other rule matched")

# Recorded request → (route, reason). Every recording must be listed (see the test below).
RECORDED: dict[str, tuple[str, str]] = {
    "a_print/001": DEFAULT,  # adaptive thinking + effort medium: NOT think (CCR #1135)
    "a_print_no_attribution_header/001": DEFAULT,
    "b_print_json/001": DEFAULT,
    "c_tool_bash/001": DEFAULT,
    "c_tool_bash/002": DEFAULT,
    "c_tool_read_image/001": DEFAULT,
    "c_tool_read_image/002": ("image", "the latest user turn has an image"),  # in a tool_result
    "c_tool_write/001": DEFAULT,
    "c_tool_write/002": DEFAULT,  # a tool_result turn
    "d_model_haiku/001": ("background", "model 'claude-haiku-5-5' matches 'claude-haiku-*'"),
    "d_model_openrouter_comma/001": (
        "explicit",
        "model field names 'openrouter,deepseek/deepseek-chat'",
    ),
    "d_model_slash_name/001": (
        "explicit",
        "model 'deepseek/deepseek-chat' is listed by openrouter",
    ),
    "d_model_sonnet/001": DEFAULT,
    "e_think_disabled/001": DEFAULT,  # CLAUDE_CODE_DISABLE_THINKING: no thinking field
    "e_think_effort_max/001": ("think", "effort 'max'"),
    # Haiku 4.5 with MAX_THINKING_TOKENS=8000: background comes before think.
    "e_think_haiku_budget/001": (
        "background",
        "model 'claude-haiku-4-5-20251001' matches 'claude-haiku-*'",
    ),
    "f_gateway_model_discovery/002": DEFAULT,
    "f_rename_haiku_env/001": DEFAULT,
    "f_rename_haiku_env/002": ("background", "model 'gw-haiku' matches '*haiku*'"),  # /rename
    "g_model_slash/001": (
        "explicit",
        "model field names 'openrouter,deepseek/deepseek-chat' (Claude Code's /model validation "
        "probe)",
    ),
    "g_model_slash/002": (
        "explicit",
        "model field names 'openrouter,deepseek/deepseek-chat'",
    ),
}


def decide(request: RouteRequest, config: Config = CONFIG) -> tuple[str, str]:
    decision = classify_builtin(request, config)
    return decision.route, decision.reason


def test_every_recording_has_an_expectation() -> None:
    assert set(MESSAGE_NAMES) == set(RECORDED), "RECORDED must list the recorded requests"


@pytest.mark.parametrize("name", MESSAGE_NAMES)
def test_recorded_request(name: str, claude_code_views: dict[str, RouteRequest]) -> None:
    assert decide(claude_code_views[name]) == RECORDED[name]


def test_recorded_explicit_model_targets_the_named_model(
    claude_code_views: dict[str, RouteRequest],
) -> None:
    decision = classify_builtin(claude_code_views["g_model_slash/001"], CONFIG)
    assert decision.target == Target("openrouter", "deepseek/deepseek-chat")


LONG = CONFIG.long_context_threshold
TOOL_RESULT_IMAGE = {
    "type": "tool_result",
    "tool_use_id": "t1",
    "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png"}}],
}
WEB_SEARCH_SUBREQUEST = make_request(
    "Perform a web search for the query: ccrouter",
    system="You run a web search for another Claude model…",
    tools=["web_search"],
    thinking=False,
    effort="max",
    tool_choice={"type": "auto"},
)

# (id, request, expected route, expected reason); all with the default config.
SYNTHETIC: list[tuple[str, RouteRequest, str, str]] = [
    # thinking
    ("adaptive-medium", make_request(), *DEFAULT),
    ("adaptive-high-claude", make_request(effort="high"), "think", "effort 'high'"),
    ("adaptive-xhigh", make_request(effort="xhigh"), "think", "effort 'xhigh'"),
    ("high-is-the-default-for-custom-names", make_request(model="gw-main", effort="high"), *DEFAULT),
    ("max-for-custom-names", make_request(model="gw-main", effort="max"), "think", "effort 'max'"),
    ("explicit-budget", make_request(thinking=8000), "think", "explicit thinking budget 8000"),
    (
        "budget-max-tokens-minus-one-is-claude-4-5-default",
        make_request(model="claude-sonnet-4-5", thinking=31999, max_tokens=32000, effort=False),
        *DEFAULT,
    ),
    ("budget-below-minimum", make_request(thinking=1000, effort=False), *DEFAULT),
    ("thinking-disabled", make_request(thinking={"type": "disabled"}, effort="max"), *DEFAULT),
    ("no-thinking", make_request(thinking=False, effort="max"), *DEFAULT),
    (
        "ultrathink",
        make_request("ultrathink: why is this slow?"),
        "think",
        "keyword 'ultrathink' in the latest user turn",
    ),
    (
        "ULTRATHINK",
        make_request("please ULTRATHINK"),
        "think",
        "keyword 'ultrathink' in the latest user turn",
    ),
    ("ultrathink-without-thinking", make_request("ultrathink", thinking=False), *DEFAULT),
    # web search, images
    ("web-search-tool", make_request(tools=["Bash", "web_search"]), "webSearch", "a web_search tool is present"),
    ("web-search-subrequest", WEB_SEARCH_SUBREQUEST, "webSearch", "a web_search tool is present"),
    ("a-tool-named-WebSearch-is-not-the-server-tool", make_request(tools=["WebSearch"]), *DEFAULT),
    ("image", make_request(images=True), "image", "the latest user turn has an image"),
    (
        "image-in-tool-result",
        make_request(messages=[{"role": "user", "content": [TOOL_RESULT_IMAGE]}]),
        "image",
        "the latest user turn has an image",
    ),
    (
        "image-only-in-an-earlier-turn",
        make_request(
            messages=[
                {"role": "user", "content": [TOOL_RESULT_IMAGE]},
                {"role": "assistant", "content": "a red square"},
                {"role": "user", "content": "thanks"},
            ]
        ),
        *DEFAULT,
    ),
    # long context
    ("over-threshold", make_request(tokens=LONG + 1), "longContext", f"{LONG + 1} tokens > threshold {LONG}"),
    ("at-threshold", make_request(tokens=LONG), *DEFAULT),
    (
        "session-follow-up",
        make_request(tokens=20_001, session_last_tokens=LONG + 5),
        "longContext",
        f"session's last request had {LONG + 5} tokens > {LONG} and this one 20001 > 20000",
    ),
    ("session-follow-up-too-small", make_request(tokens=20_000, session_last_tokens=LONG + 5), *DEFAULT),
    ("session-last-not-long", make_request(tokens=50_000, session_last_tokens=LONG), *DEFAULT),
    (
        "long-beats-background-and-think",
        make_request(model="claude-haiku-5-5", effort="max", tokens=LONG + 1),
        "longContext",
        f"{LONG + 1} tokens > threshold {LONG}",
    ),
    # explicit
    (
        "explicit-beats-long-context",
        make_request(model="openrouter,moonshotai/kimi-k2", tokens=LONG * 3),
        "explicit",
        "model field names 'openrouter,moonshotai/kimi-k2'",
    ),
    (
        "probe",
        make_request("Hi", model="openrouter,x/y", max_tokens=1, stream=False, tools=[]),
        "explicit",
        "model field names 'openrouter,x/y' (Claude Code's /model validation probe)",
    ),
    (
        "listed-bare-id",
        make_request(model="moonshotai/kimi-k2"),
        "explicit",
        "model 'moonshotai/kimi-k2' is listed by openrouter",
    ),
    # subagent tag, in whichever system block holds it
    (
        "subagent-tag-in-system-2",
        make_request(system="<CCR-SUBAGENT-MODEL>openrouter,x/y</CCR-SUBAGENT-MODEL>You are an agent"),
        "subagent",
        "<CCR-SUBAGENT-MODEL> tag names 'openrouter,x/y'",
    ),
    (
        "subagent-tag-in-a-system-string",
        make_request(system=[{"type": "text", "text": "A\n<CCR-SUBAGENT-MODEL>\n p,m \n</CCR-SUBAGENT-MODEL>"}]),
        "subagent",
        "<CCR-SUBAGENT-MODEL> tag names 'p,m'",
    ),
    (
        "subagent-tag-beats-think",
        make_request(system="<CCR-SUBAGENT-MODEL>p,m</CCR-SUBAGENT-MODEL>", effort="max"),
        "subagent",
        "<CCR-SUBAGENT-MODEL> tag names 'p,m'",
    ),
    (
        "subagent-tag-in-a-user-message-does-not-count",
        make_request("<CCR-SUBAGENT-MODEL>p,m</CCR-SUBAGENT-MODEL>"),
        *DEFAULT,
    ),
    (
        "a-subagent-without-tag-is-routed-like-the-main-loop",
        make_request(headers={"x-claude-code-agent-id": "a1b2"}),
        *DEFAULT,
    ),
    # background model names
    ("haiku-5", make_request(model="claude-haiku-5-5"), "background", "model 'claude-haiku-5-5' matches 'claude-haiku-*'"),
    (
        "haiku-3-5",
        make_request(model="claude-3-5-haiku-20241022"),
        "background",
        "model 'claude-3-5-haiku-20241022' matches 'claude-3-5-haiku-*'",
    ),
    ("haiku-upper-case", make_request(model="Claude-Haiku-X"), "background", "model 'Claude-Haiku-X' matches 'claude-haiku-*'"),
    ("haiku-alias", make_request(model="my-haiku"), "background", "model 'my-haiku' matches '*haiku*'"),
    ("sonnet", make_request(model="claude-sonnet-5-5"), *DEFAULT),
    (
        "background-beats-think",
        make_request(model="claude-haiku-5-5", thinking=8000),
        "background",
        "model 'claude-haiku-5-5' matches 'claude-haiku-*'",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("request_", "route", "reason"),
    [pytest.param(r, route, reason, id=name) for name, r, route, reason in SYNTHETIC],
)
def test_synthetic_request(request_: RouteRequest, route: str, reason: str) -> None:
    assert decide(request_) == (route, reason)


def routed(router: dict[str, Any], request: RouteRequest, **raw: Any) -> tuple[str, str]:
    return decide(request, make_config(router={"default": "openrouter,d/d", **router}, **raw))


def test_a_route_missing_from_the_config_falls_through() -> None:
    assert routed({}, make_request(effort="max")) == DEFAULT
    assert routed({}, make_request(model="claude-haiku-5-5")) == DEFAULT
    assert routed({}, make_request(tokens=10**6)) == DEFAULT
    assert routed({}, make_request(tools=["web_search"], images=True)) == DEFAULT


def test_without_a_default_route_the_decision_says_so() -> None:
    config = make_config(router={"think": "openrouter,t/t"})
    decision = classify_builtin(make_request(), config)
    assert decision == Decision("default", None, "Router.default is not set in the config")


def test_the_long_context_threshold_comes_from_the_config() -> None:
    long = {"longContext": "openrouter,l/l", "longContextThreshold": 1000}
    assert routed(long, make_request(tokens=1001)) == (
        "longContext",
        "1001 tokens > threshold 1000",
    )
    assert routed({**long, "longContextThreshold": "5000"}, make_request(tokens=1001)) == DEFAULT


def test_background_patterns_come_from_the_config() -> None:
    router = {"background": "openrouter,b/b", "backgroundModels": ["small-*"]}
    assert routed(router, make_request(model="small-fast")) == (
        "background",
        "model 'small-fast' matches 'small-*'",
    )
    assert routed(router, make_request(model="claude-haiku-5-5")) == DEFAULT


def test_think_trigger_comes_from_the_config() -> None:
    think = {"think": "openrouter,t/t"}
    keywords = {**think, "thinkTrigger": {"keywords": ["think hard"], "efforts": ["max"]}}
    assert routed(keywords, make_request("Think hard about it")) == (
        "think",
        "keyword 'think hard' in the latest user turn",
    )
    assert routed(keywords, make_request("ultrathink", effort="xhigh")) == DEFAULT
    budget = {**think, "thinkTrigger": {"minBudgetTokens": 20000}}
    assert routed(budget, make_request(thinking=8000, effort=False)) == DEFAULT
    custom_high = {**think, "thinkTrigger": {"ignoreDefaultEffort": False}}
    assert routed(custom_high, make_request(model="gw-main", effort="high")) == (
        "think",
        "effort 'high'",
    )


def test_explicit_names_are_matched_without_case_and_returned_canonical() -> None:
    decision = classify_builtin(make_request(model="OpenRouter,MoonshotAI/Kimi-K2"), CONFIG)
    assert decision.target == Target("openrouter", "moonshotai/kimi-k2")
    unknown = classify_builtin(make_request(model="nope,some/model"), CONFIG)
    assert (unknown.route, unknown.target) == ("explicit", Target("nope", "some/model"))


def test_fallbacks_follow_the_route_then_the_fallback_map_then_global() -> None:
    config = make_config(
        router={
            "default": ["openrouter,a/a", "openrouter,b/b"],
            "think": "openrouter,t/t",
        },
        fallback={"think": ["openrouter,t2/t2"], "global": ["openrouter,g/g"]},
    )
    t = [Target("openrouter", m) for m in ("a/a", "b/b", "t/t", "t2/t2", "g/g")]
    assert classify_builtin(make_request(), config).targets == (t[0], t[1], t[4])
    assert classify_builtin(make_request(effort="max"), config).targets == (t[2], t[3], t[4])
    explicit = classify_builtin(make_request(model="openrouter,x/x"), config)
    assert explicit.chain == (t[4],)


def test_with_chain_leaves_a_decision_without_target_alone() -> None:
    empty = Decision("default", None, "nothing")
    assert with_chain(empty, CONFIG) is empty


def test_the_default_config_routes_every_scenario() -> None:
    assert set(R) == {"default", "background", "think", "longContext", "webSearch", "image"}


def test_claude_code_2_1_197_default_effort_is_not_a_think_request() -> None:
    """2.1.197 (an unpinned install on Node 20) sends effort "high" on every turn."""
    old = {"user-agent": "claude-cli/2.1.197 (external, sdk-cli)"}
    default = make_request(
        model="claude-opus-4-8",
        thinking={"type": "adaptive"},
        effort="high",
        max_tokens=64000,
        headers=old,
    )
    assert decide(default) == DEFAULT
    assert decide(make_request(effort="max", headers=old)) == ("think", "effort 'max'")
    assert decide(make_request(effort="high")) == ("think", "effort 'high'")  # 2.1.329: a choice


SUBAGENT_BILLING = [
    {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.329.1a2; cc_entrypoint=cli; cc_is_subagent=true;"},
    {"type": "text", "text": "You are an agent for Claude Code, Anthropic's official CLI for Claude."},
]  # fmt: skip
COMPACTION = (
    "Your task is to create a detailed summary of the conversation so far … wrap your analysis in "
    "<analysis> tags …"
)


def test_router_subagent_takes_claude_codes_subagents() -> None:
    router = {"subagent": ["openrouter,s/s", "openrouter,s2/s2"]}
    by_mark = make_request(system=SUBAGENT_BILLING)
    assert routed(router, by_mark) == (
        "subagent",
        "a Claude Code subagent's request (cc_is_subagent=true)",
    )
    by_header = make_request(headers={"x-claude-code-agent-id": "a1b2"})
    assert routed(router, by_header) == (
        "subagent",
        "a Claude Code subagent's request (x-claude-code-agent-id)",
    )
    decision = classify_builtin(
        by_mark, make_config(router={"default": "openrouter,d/d", **router})
    )
    assert decision.targets == (Target("openrouter", "s/s"), Target("openrouter", "s2/s2"))
    assert routed(router, make_request()) == DEFAULT  # the main loop stays on default
    assert routed({}, by_mark) == DEFAULT  # unset: the usual rules


def test_the_ccr_tag_still_wins_and_falls_back_on_router_subagent() -> None:
    config = make_config(router={"default": "openrouter,d/d", "subagent": "openrouter,s/s"})
    tagged = make_request(system="<CCR-SUBAGENT-MODEL>openrouter,x/y</CCR-SUBAGENT-MODEL>")
    decision = classify_builtin(tagged, config)
    assert decision.target == Target("openrouter", "x/y")
    assert decision.chain == (Target("openrouter", "s/s"),)


def test_router_compact_takes_the_compaction_request() -> None:
    router = {"compact": "openrouter,c/c", "longContext": "openrouter,l/l"}
    reason = "Claude Code's compaction request (/compact or auto-compact)"
    assert routed(router, make_request(COMPACTION)) == ("compact", reason)
    assert routed(router, make_request(COMPACTION, tokens=10**6)) == ("compact", reason)
    assert routed(router, make_request("hi")) == DEFAULT


def test_an_unrouted_compaction_that_is_too_long_goes_to_long_context() -> None:
    router = {"longContext": "openrouter,l/l", "longContextThreshold": 1000}
    assert routed(router, make_request(COMPACTION, tokens=500)) == DEFAULT
    assert routed(router, make_request(COMPACTION, tokens=5000)) == (
        "longContext",
        "5000 tokens > threshold 1000",
    )
