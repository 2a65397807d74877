"""Interactive Claude Code in tmux: ``/model provider,model`` mid-conversation moves the next
turn to that model, after Claude Code's non-streaming ``max_tokens: 1`` validation probe."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    MODEL_A,
    MODEL_B,
    PROMPT_MARK,
    Claude,
    FakeOpenRouter,
    Router,
    Tmux,
)

pytestmark = pytest.mark.e2e


def test_model_command_switches_the_next_turn(
    claude: Claude, router: Router, fake_openrouter: FakeOpenRouter, tmux: Tmux
) -> None:
    claude.seed_interactive_state()
    env = claude.env(None, ANTHROPIC_BASE_URL=router.url, ANTHROPIC_API_KEY=claude.api_key)
    tmux.start([claude.binary], env)
    tmux.wait_for(lambda screen: "Claude Code" in screen and PROMPT_MARK in screen, "the input box")

    # Turn 1, on the default route.
    tmux.type_line("say hi")
    tmux.wait_for(f"Hello from {MODEL_A}", "the first answer")

    tmux.type_line(f"/model openrouter,{MODEL_B}")
    # Mid-conversation, Claude Code asks first; option 1 ("Yes, switch") is selected.
    tmux.wait_for("Switch model?", "the switch confirmation")
    tmux.press("Enter")
    tmux.wait_for(f"Set model to openrouter,{MODEL_B}", "the model switch")

    tmux.type_line("say hi again")
    tmux.wait_for(f"Hello from {MODEL_B}", "the answer from the new model")

    tmux.type_line("/exit")
    tmux.wait_for(Tmux.EXIT_MARK + "0]", "claude to exit with 0")

    requests = [r["body"] for r in fake_openrouter.chat_requests()]
    shapes = [(b["model"], b.get("max_tokens"), b.get("stream", False)) for b in requests]
    assert [(model, stream) for model, _, stream in shapes] == [
        (MODEL_A, True),
        (MODEL_B, False),  # the /model probe
        (MODEL_B, True),
    ], shapes
    assert shapes[1][1] == 1
    # The new model gets the whole conversation, the first answer included.
    history = [m for m in requests[2]["messages"] if m["role"] == "assistant"]
    assert any(f"Hello from {MODEL_A}" in str(m.get("content")) for m in history), history

    routes = [(d["route"], d["target"]) for d in router.decisions()]
    assert routes == [
        ("default", f"openrouter,{MODEL_A}"),
        ("explicit", f"openrouter,{MODEL_B}"),
        ("explicit", f"openrouter,{MODEL_B}"),
    ]
