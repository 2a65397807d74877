"""One decision function for the server and `ccrouter explain`."""

from __future__ import annotations

from pathlib import Path

from ccrouter.config.snapshot import build_state
from ccrouter.routing.decide import decide
from ccrouter.routing.tokens import TokenCounter


async def test_decide_counts_builds_and_classifies(tmp_path: Path) -> None:
    state = build_state(None)
    body = {
        "model": "claude-opus-5-5",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
    }
    decided = await decide(
        state,
        TokenCounter(),
        body,
        {"x-claude-code-session-id": "s"},
        lambda s: 100_000 if s == "s" else None,
    )
    assert decided.tokens > 0 and decided.ms >= 0
    assert decided.view.session_last_tokens == 100_000
    assert decided.decision.route == "default"  # 100k last time, but this one is under 20k


async def test_a_custom_router_goes_first(tmp_path: Path) -> None:
    (tmp_path / "custom_routers").mkdir()
    (tmp_path / "custom_routers" / "always.py").write_text(
        "def route(request, config):\n    return 'openrouter,x/y'\n"
    )
    provider = '{"name": "openrouter", "api_base_url": "http://127.0.0.1:9/v1", "models": ["x/y"]}'
    (tmp_path / "config.json").write_text('{"Providers": [' + provider + "]}")
    state = build_state(tmp_path / "config.json")
    body = {"model": "m", "max_tokens": 1, "messages": []}
    decided = await decide(state, TokenCounter(), body, {})
    assert (
        decided.decision.route == "custom:always"
        and str(decided.decision.target) == "openrouter,x/y"
    )
