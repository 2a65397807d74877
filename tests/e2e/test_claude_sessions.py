"""Claude Code sessions through ccrouter: subagents on their own route, compaction, stickiness.

The fake main model answers with an ``Agent`` tool call, so the real CLI spawns a subagent; the
subagent's requests carry ``cc_is_subagent=true`` in their billing line and must reach
``Router.subagent`` while the main loop stays on ``Router.default``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import (
    MODEL_A,
    MODEL_B,
    PROMPT_MARK,
    Claude,
    FakeOpenRouter,
    Router,
    Tmux,
    wait_until,
)

pytestmark = pytest.mark.e2e

SUBAGENT_ANSWER = "hi from the subagent"
MAIN_ANSWER = "The subagent said hi."


def agent_call() -> dict[str, Any]:
    arguments = {
        "description": "Say hi",
        "prompt": "Reply with the single word hi.",
        "subagent_type": "general-purpose",
    }
    return {
        "type": "tool_calls",
        "calls": [{"name": "Agent", "arguments": arguments, "id": "call_e2e_agent_1"}],
    }


def billing_line(body: dict[str, Any]) -> str:
    """The first system message's first line (the openrouter transformer keeps it or not)."""
    for message in body["messages"]:
        if message["role"] == "system":
            content = message["content"]
            text = content if isinstance(content, str) else content[0].get("text", "")
            return str(text).partition("\n")[0]
    return ""


def test_a_subagent_reaches_the_subagent_route(
    claude: Claude, start_router: Any, fake_openrouter: FakeOpenRouter
) -> None:
    router: Router = start_router({"subagent": f"openrouter,{MODEL_B}"})
    fake_openrouter.script(MODEL_A, agent_call())
    fake_openrouter.script(MODEL_B, {"type": "text", "text": SUBAGENT_ANSWER})
    fake_openrouter.rule("tool_result", {"type": "text", "text": MAIN_ANSWER})

    result = claude.run(
        router.url, "-p", "use a subagent to say hi", "--dangerously-skip-permissions"
    )

    assert result.returncode == 0, result.describe()
    decisions = [(d["route"], d["target"]) for d in router.decisions()]
    assert ("subagent", f"openrouter,{MODEL_B}") in decisions, decisions
    main = [d for d in decisions if d[0] != "subagent"]
    assert main and all(d == ("default", f"openrouter,{MODEL_A}") for d in main), decisions
    models = fake_openrouter.models()
    assert models[0] == MODEL_A and MODEL_B in models, models
    for request in fake_openrouter.chat_requests():
        if request["body"]["model"] == MODEL_B:  # the subagent's own prompt, not the main loop's
            assert "You are an agent for Claude Code" in json.dumps(request["body"]["messages"])
        else:
            assert "cc_is_subagent" not in billing_line(request["body"])
    assert "reason=\"a Claude Code subagent's request" in router.log_text()


SUMMARY = "<analysis>The user said hi.</analysis>\n<summary>The user greeted the model.</summary>"


def test_compact_in_the_tui_reaches_the_compact_route(
    claude: Claude,
    start_router: Any,
    fake_openrouter: FakeOpenRouter,
    tmux: Tmux,
) -> None:
    router: Router = start_router({"compact": f"openrouter,{MODEL_B}"})
    fake_openrouter.script(MODEL_B, {"type": "text", "text": SUMMARY})
    claude.seed_interactive_state()
    env = claude.env(None, ANTHROPIC_BASE_URL=router.url, ANTHROPIC_API_KEY=claude.api_key)
    tmux.start([claude.binary], env)
    tmux.wait_for(lambda screen: "Claude Code" in screen and PROMPT_MARK in screen, "the input box")

    tmux.type_line("say hi")
    tmux.wait_for(f"Hello from {MODEL_A}", "the first answer")
    tmux.type_line("/compact")
    tmux.wait_for(lambda screen: "ompacted" in screen, "the compaction to finish")
    tmux.type_line("say hi again")
    tmux.wait_for(lambda s: s.count(f"Hello from {MODEL_A}") >= 1 and "say hi again" in s, "turn 2")
    wait_until(lambda: len(fake_openrouter.chat_requests()) >= 3, 30, "the third turn")
    tmux.type_line("/exit")
    tmux.wait_for(Tmux.EXIT_MARK + "0]", "claude to exit with 0")

    routes = [(d["route"], d["target"], d["reason"]) for d in router.decisions()]
    compacts = [r for r in routes if r[0] == "compact"]
    assert compacts == [
        (
            "compact",
            f"openrouter,{MODEL_B}",
            "Claude Code's compaction request (/compact or auto-compact)",
        )
    ], routes
    assert routes[0][:2] == ("default", f"openrouter,{MODEL_A}")
    assert routes[-1][:2] == ("default", f"openrouter,{MODEL_A}"), routes


def write_call(path: Any, content: str, call_id: str) -> dict[str, Any]:
    arguments = {"file_path": str(path), "content": content}
    return {
        "type": "tool_calls",
        "calls": [{"name": "Write", "arguments": arguments, "id": call_id}],
    }


def test_a_fallback_keeps_the_session_one_turn_more_and_its_cache_warm(
    claude: Claude, start_router: Any, fake_openrouter: FakeOpenRouter
) -> None:
    router: Router = start_router({"default": [f"openrouter,{MODEL_A}", f"openrouter,{MODEL_B}"]})
    fake_openrouter.script(
        MODEL_A,
        {"type": "http_error", "status": 503, "message": "overloaded"},
        {"type": "text", "text": "Both files are written."},
    )
    fake_openrouter.script(
        MODEL_B,
        write_call(claude.workdir / "one.txt", "1\n", "call_e2e_w1"),
        write_call(claude.workdir / "two.txt", "2\n", "call_e2e_w2"),
    )

    result = claude.run(router.url, "-p", "write two files", "--dangerously-skip-permissions")

    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == "Both files are written.", result.describe()
    # A fails once (no cooldown yet): B answers, keeps the next turn, then A has the session back.
    assert fake_openrouter.models() == [MODEL_A, MODEL_B, MODEL_B, MODEL_A]
    decisions = router.decisions()
    assert [d["target"] for d in decisions] == [
        f"openrouter,{MODEL_B}",
        f"openrouter,{MODEL_B}",
        f"openrouter,{MODEL_A}",
    ], decisions
    assert [d["sticky"] for d in decisions] == [False, True, False]
    assert "the session keeps openrouter,fake/model-b" in decisions[1]["reason"]
    # B's second turn repeated its first turn's prompt prefix: the fake read it from its cache.
    rates = [d["cache_hit_rate"] for d in decisions]
    assert rates[0] == 0 and rates[1] is not None and rates[1] > 0.2, rates
    [session] = router.status()["sessions"]
    assert session["model"] == f"openrouter,{MODEL_A}" and session["route"] == "default"
    assert session["cache_hit_rate"] == rates[2]
    wait_until(lambda: " sticky=yes session_cache=" in router.log_text(), 10, "the log line")


ODD_SIGNATURE = "EqQBCkYIBhgCKkDe2e-signed-under-an-alias"


def test_claude_reasoning_under_an_odd_model_name_comes_back_to_it(
    claude: Claude, start_router: Any, fake_openrouter: FakeOpenRouter
) -> None:
    # fake/model-a answers with Claude-signed reasoning (anthropic-claude-v1): a gateway alias.
    router: Router = start_router({"default": f"openrouter,{MODEL_A}"})
    call = write_call(claude.workdir / "notes.txt", "notes\n", "call_e2e_odd")
    call.update(reasoning="I write the notes first.", reasoning_signature=ODD_SIGNATURE)
    fake_openrouter.script(MODEL_A, call)
    fake_openrouter.rule("tool_result", {"type": "text", "text": "Done."})

    result = claude.run(router.url, "-p", "write notes.txt", "--dangerously-skip-permissions")

    assert result.returncode == 0, result.describe()
    assert fake_openrouter.models() == [MODEL_A, MODEL_A]
    second = fake_openrouter.chat_requests()[1]["body"]
    [assistant] = [m for m in second["messages"] if m["role"] == "assistant"]
    details = assistant.get("reasoning_details") or []
    assert [d.get("signature") for d in details if d.get("signature")] == [ODD_SIGNATURE], assistant
    assert "".join(d.get("text", "") for d in details) == "I write the notes first."
