"""ccrouter.testing: the helpers must build what the server builds and decide what it decides."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccrouter.app import CCRouterApp
from ccrouter.config.model import Config, Target
from ccrouter.errors import ConfigError
from ccrouter.routing.features import RouteRequest, build_route_request
from ccrouter.routing.rules import Decision
from ccrouter.routing.tokens import TokenCounter
from ccrouter.testing import SESSION_ID, classify, make_config, make_request, route_with
from ccrouter.testing.fake.app import FakeOpenRouter
from tests.conftest import base_config
from tests.routing_support import plugin_log


def test_the_view_is_the_one_the_server_builds_from_the_same_body() -> None:
    request = make_request("hello", images=True, cwd="/w", tools=["Bash", "web_search"])
    rebuilt = build_route_request(
        request.body, request.headers, TokenCounter().count_request(request.body)
    )
    assert rebuilt == request


def test_defaults_are_what_claude_code_sends() -> None:
    r = make_request()
    assert list(r.body) == [
        "model",
        "messages",
        "system",
        "tools",
        "metadata",
        "max_tokens",
        "thinking",
        "output_config",
        "stream",
    ]
    assert (r.model, r.thinking_type, r.effort, r.max_tokens, r.stream) == (
        "claude-opus-5-5",
        "adaptive",
        "medium",
        32000,
        True,
    )
    assert r.session_id == SESSION_ID
    assert json.loads(r.body["metadata"]["user_id"])["session_id"] == SESSION_ID
    assert r.system_text.startswith("x-anthropic-billing-header: cc_version=")
    assert {"Bash", "Read"} <= r.tool_names and not r.has_web_search
    assert r.last_user_text == "hi" and r.token_count > 0
    assert "claude-code-20250219" in r.betas and not r.is_subagent


def test_custom_model_names_get_effort_high_like_claude_code_gives_them() -> None:
    assert make_request(model="openrouter,x/y").effort == "high"


@pytest.mark.parametrize(
    ("thinking", "expected"),
    [
        (None, {"type": "adaptive", "display": "omitted"}),
        (8000, {"type": "enabled", "budget_tokens": 8000, "display": "omitted"}),
        ({"type": "disabled"}, {"type": "disabled"}),
        (False, None),
    ],
)
def test_thinking_forms(thinking: Any, expected: Any) -> None:
    assert make_request(thinking=thinking).body.get("thinking") == expected


def test_fields_and_headers_can_be_added_replaced_or_removed() -> None:
    r = make_request(
        stream=False,
        effort=False,
        metadata=None,
        tool_choice={"type": "auto"},
        headers={"X-Claude-Code-Agent-Id": "a1", "x-claude-code-session-id": None},
    )
    assert "stream" not in r.body and "output_config" not in r.body
    assert "metadata" not in r.body and r.body["tool_choice"] == {"type": "auto"}
    assert r.headers["x-claude-code-agent-id"] == "a1" and r.is_subagent
    assert r.session_id is None


def test_system_messages_tools_images_and_cwd() -> None:
    r = make_request("look", system="Be brief.", images=True, cwd="/home/me/app", tools=[])
    assert r.body["system"][2]["text"] == "Be brief." and len(r.body["system"]) == 3
    assert r.has_image and r.body["tools"] == []
    assert r.body["messages"][1]["role"] == "system"
    assert "Primary working directory: /home/me/app" in r.body["messages"][1]["content"][0]["text"]
    given = [{"role": "user", "content": "mine"}]
    assert make_request("ignored", messages=given).last_user_text == "mine"
    raw_system = [{"type": "text", "text": "only"}]
    assert make_request(system=raw_system).system_text == "only"


def test_tokens_can_be_given() -> None:
    r = make_request(tokens=123_456, session_last_tokens=99)
    assert (r.token_count, r.session_last_tokens) == (123_456, 99)


def test_make_config_builds_like_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCR_TEST_KEY", "sk-from-env")
    config = make_config(
        router={"default": "mine,a/b", "cheap": ["mine,c/d", "mine,e/f"]},
        providers=[
            {"name": "mine", "api_base_url": "https://x.test/v1", "api_key": "$CCR_TEST_KEY"}
        ],
        KeywordRoutes={"sql": "mine,a/b"},
    )
    assert isinstance(config, Config)
    assert config.routes["cheap"] == (Target("mine", "c/d"), Target("mine", "e/f"))
    assert config.providers["mine"].api_key == "sk-from-env"
    assert config.raw["KeywordRoutes"] == {"sql": "mine,a/b"}
    assert set(make_config().routes) >= {"default", "think", "background"}


def test_make_config_rejects_what_a_file_would_not_pass() -> None:
    with pytest.raises(ConfigError, match=r"Router\.longContextThreshold"):
        make_config(router={"default": "a,b", "longContextThreshold": -5})


def sync_pick(request: RouteRequest, config: Config) -> str:
    return "openrouter,picked/model"


async def async_pick(request: RouteRequest, config: Config) -> str | None:
    await asyncio.sleep(0)
    return "think" if "deep" in request.last_user_text else None


def test_route_with_normalises_like_the_server() -> None:
    decision = route_with(sync_pick, make_request())
    assert decision == Decision(
        "custom:sync_pick",
        Target("openrouter", "picked/model"),
        "custom router sync_pick chose 'openrouter,picked/model'",
    )
    routed = route_with(async_pick, make_request("go deep"))
    assert routed is not None and routed.route == "think"
    assert routed.targets == make_config().routes["think"]
    assert route_with(async_pick, make_request("shallow")) is None


def test_route_with_takes_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text("def route(request):\n    return 'background'\n")
    decision = route_with(path, make_request())
    assert decision is not None and decision.route == "background"
    assert route_with(str(path), make_request()) == decision


def test_route_with_rejects_a_wrong_signature() -> None:
    def three(request: Any, config: Any, extra: Any) -> None:
        return None

    wrong: Any = three
    with pytest.raises(TypeError, match="3 arguments"):
        route_with(wrong, make_request())


def test_route_with_keeps_the_time_budget() -> None:
    def slow(request: RouteRequest, config: Config) -> str:
        time.sleep(0.5)
        return "think"

    config = make_config(router={"default": "openrouter,d/d", "customRouterTimeoutMs": 20})
    started = time.perf_counter()
    with plugin_log() as lines:
        assert route_with(slow, make_request(), config) is None
    assert time.perf_counter() - started < 0.4
    assert any("took longer than 20 ms" in line for line in lines)


def test_route_with_logs_and_swallows_errors() -> None:
    def broken(request: RouteRequest, config: Config) -> str:
        raise KeyError("oops")

    with plugin_log() as lines:
        assert route_with(broken, make_request()) is None
    assert any("raised KeyError" in line for line in lines)


async def test_helpers_work_inside_a_running_loop() -> None:
    decision = route_with(async_pick, make_request("deep"))
    assert decision is not None and decision.route == "think"
    assert classify(make_request(), custom=[sync_pick]).route == "custom:sync_pick"


def test_classify_runs_custom_routers_in_order_then_built_ins() -> None:
    request = make_request("deep", model="claude-haiku-5-5")
    assert classify(request).route == "background"
    assert classify(request, custom=[async_pick, sync_pick]).route == "think"
    assert classify(make_request("x"), custom=[async_pick, sync_pick]).route == "custom:sync_pick"
    assert classify(make_request("x"), custom=[async_pick]).route == "default"


# The helpers must agree with the server: same body, same config → same route and model.
SAME_AS_SERVER = [
    make_request(),
    make_request(effort="max"),
    make_request(model="claude-haiku-5-5"),
    make_request(tools=["web_search"], thinking=False),
    make_request(images=True),
    make_request(model="openrouter,model-b"),
    make_request("ultrathink please"),
    make_request(system="<CCR-SUBAGENT-MODEL>openrouter,model-b</CCR-SUBAGENT-MODEL>hi"),
]


@pytest.mark.parametrize("request_", SAME_AS_SERVER)
async def test_classify_agrees_with_the_server(
    request_: RouteRequest, make_app: Any, fake: FakeOpenRouter
) -> None:
    app: CCRouterApp = make_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ccrouter.test") as client:
        response = await client.post(
            "/v1/messages?beta=true", json=dict(request_.body), headers=dict(request_.headers)
        )
    assert response.status_code == 200, response.text
    expected = classify(request_, make_config(**base_config()))
    assert response.headers["x-ccrouter-route"] == expected.route
    assert response.headers["x-ccrouter-model"] == str(expected.target)


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, re.S)


def test_the_guides_example_router_and_tests_run_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "custom-routers.md").read_text()
    router = next(b for b in python_blocks(guide) if "def route(" in b and "Decision(" in b)
    tests = next(b for b in python_blocks(guide) if "def test_" in b)
    (tmp_path / "custom_routers").mkdir()
    (tmp_path / "custom_routers" / "subagents.py").write_text(router)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(tests, "docs/custom-routers.md", "exec"), namespace)
    ran = [fn() for name, fn in namespace.items() if name.startswith("test_")]
    assert len(ran) == 2
