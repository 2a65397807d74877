"""A realistic claude-code-router (classic) config, loaded unchanged.

tests/fixtures/ccr_sample_config.json5 is our own sample in CCR's format. It keeps comments,
trailing commas, ``$VAR``s and CCR paths (a ``.js`` plugin and a ``.js`` custom router under
/home/me that do not exist here): ccrouter must load it anyway, report the plugin, and route a
request to each provider in the shape that provider expects.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ccrouter.app import create_app
from ccrouter.config.jsonc import loads
from ccrouter.config.model import load_config
from ccrouter.config.snapshot import build_state
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import Text, ToolCall, ToolCalls
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from tests.transformers.kit import GEMINI_KEYWORDS, AnyPathTransport, keywords

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "ccr_sample_config.json5"
KEYS = {
    "CCR_LOCAL_KEY": "local-secret",
    "DEEPSEEK_API_KEY": "sk-deepseek",
    "OPENROUTER_API_KEY": "sk-or",
    "GEMINI_API_KEY": "g-key",
    "DASHSCOPE_API_KEY": "sk-dashscope",
    "ANTHROPIC_API_KEY": "sk-ant",
}
TOOLS = [
    {
        "name": "Bash",
        "description": "Run a command",
        "input_schema": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "command": {"type": "string"},
                "timeout": {"type": "number", "exclusiveMinimum": 0, "default": 120},
            },
            "required": ["command"],
        },
    }
]


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "config.json"
    shutil.copyfile(SAMPLE, path)
    return path


def test_the_sample_uses_every_ccr_classic_feature() -> None:
    text = SAMPLE.read_text()
    assert "//" in text and "/*" in text  # line and block comments
    assert ",\n  }" in text or ",\n}" in text  # a trailing comma
    assert "${CCR_LOCAL_KEY}" in text and '"$DEEPSEEK_API_KEY"' in text  # both spellings
    raw = loads(text)
    server = {"HOST", "PORT", "APIKEY", "PROXY_URL", "LOG", "LOG_LEVEL", "API_TIMEOUT_MS"}
    assert server | {"NON_INTERACTIVE_MODE", "CUSTOM_ROUTER_PATH", "StatusLine"} <= set(raw)
    assert set(raw["Router"]) == {
        "default",
        "background",
        "think",
        "longContext",
        "longContextThreshold",
        "webSearch",
        "image",
    }
    assert raw["transformers"][0]["path"].endswith(".js") and raw["transformers"][0]["options"]
    uses = [p.get("transformer", {}) for p in raw["Providers"]]
    assert any(len(u) > 1 for u in uses)  # a per-model transformer
    assert any(isinstance(entry, list) for u in uses for entry in u.get("use", []))  # options
    assert set(raw["fallback"]) == {"default", "think"}  # v2's fallback table


def test_it_loads_unchanged(sample: Path) -> None:
    config = load_config(sample)
    assert list(config.providers) == [
        "deepseek",
        "openrouter",
        "gemini",
        "dashscope",
        "ollama",
        "anthropic",
    ]
    assert config.apikey == "local-secret"
    assert config.providers["deepseek"].api_key == "sk-deepseek"
    assert not any(p.missing_key for p in config.providers.values())
    assert config.providers["anthropic"].kind == "anthropic"
    assert config.providers["openrouter"].dialect == "openrouter"
    assert str(config.routes["default"][0]) == "deepseek,deepseek-chat"
    assert [str(t) for t in config.chain("default")] == [
        "deepseek,deepseek-chat",
        "openrouter,anthropic/claude-sonnet-4",
    ]
    assert config.user_transformers[0][0] == Path(
        "/home/me/.claude-code-router/plugins/my-vendor.js"
    )

    state = build_state(sample)  # transformer names all known; the missing .js files are not fatal
    assert any("my-vendor.js" in problem for problem in state.load_problems)
    assert state.custom_routers == ()


@pytest.fixture
def upstream(fake: FakeOpenRouter) -> AnyPathTransport:
    return AnyPathTransport(fake)


@pytest.fixture
def app(sample: Path, upstream: AnyPathTransport) -> Any:
    return create_app(sample, client=httpx.AsyncClient(transport=upstream), watch=False)


async def ask(app: Any, model: str, *, stream: bool = True, **extra: Any) -> httpx.Response:
    body = {
        "model": model,
        "max_tokens": 100000,
        "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
        **extra,
    }
    headers = {"x-api-key": KEYS["CCR_LOCAL_KEY"], "anthropic-version": "2023-06-01"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=10
    ) as client:
        response = await client.post("/v1/messages", json=body, headers=headers)
    assert response.status_code == 200, response.text
    if stream:
        assert_valid_anthropic_stream(response.content)
    return response


def sent_body(fake: FakeOpenRouter) -> dict[str, Any]:
    body = fake.requests[-1].body
    assert body is not None
    return body


async def test_deepseek(app: Any, fake: FakeOpenRouter, upstream: AnyPathTransport) -> None:
    fake.script("deepseek-chat", ToolCalls([ToolCall("ExitTool", {"response": "Hello."})]))
    response = await ask(app, "deepseek,deepseek-chat", tools=TOOLS)
    assert b"Hello." in response.content and b"ExitTool" not in response.content  # tooluse
    assert upstream.urls[-1] == "https://api.deepseek.com/chat/completions"
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-deepseek"
    body = sent_body(fake)
    assert body["max_tokens"] <= 8192 and "messages" in body and "choices" not in body
    assert body["tool_choice"] == "required" and body["tools"][0]["function"]["name"] == "ExitTool"
    await ask(
        app, "deepseek,deepseek-reasoner", thinking={"type": "enabled", "budget_tokens": 4096}
    )
    body = sent_body(fake)
    assert (
        body["max_tokens"] <= 8192 and "reasoning_effort" not in body and "tool_choice" not in body
    )


async def test_openrouter_with_provider_routing_for_kimi(
    app: Any, fake: FakeOpenRouter, upstream: AnyPathTransport
) -> None:
    await ask(app, "openrouter,moonshotai/kimi-k2")
    assert upstream.urls[-1] == "https://openrouter.ai/api/v1/chat/completions"
    sent = fake.requests[-1]
    assert sent.headers["authorization"] == "Bearer sk-or"
    assert sent.headers["x-title"] == "ccrouter"
    assert sent_body(fake)["provider"] == {"only": ["moonshotai/fp8"]}
    await ask(app, "openrouter,anthropic/claude-sonnet-4")
    assert "provider" not in sent_body(fake)


async def test_gemini(app: Any, fake: FakeOpenRouter, upstream: AnyPathTransport) -> None:
    await ask(app, "gemini,gemini-2.5-flash", tools=TOOLS)
    assert (
        upstream.urls[-1]
        == "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
    )
    assert fake.requests[-1].headers["authorization"] == "Bearer g-key"
    params = sent_body(fake)["tools"][0]["function"]["parameters"]
    assert keywords(params) <= GEMINI_KEYWORDS
    assert params == {
        "type": "object",
        "properties": {"command": {"type": "string"}, "timeout": {"type": "number"}},
        "required": ["command"],
    }


async def test_dashscope(app: Any, fake: FakeOpenRouter, upstream: AnyPathTransport) -> None:
    fake.script("qwen3-coder-plus", ToolCalls([ToolCall("Bash", "{'command': 'ls', }")]))
    response = await ask(app, "dashscope,qwen3-coder-plus", tools=TOOLS)
    assert upstream.urls[-1] == "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-dashscope"
    assert sent_body(fake)["max_tokens"] == 65536
    events = assert_valid_anthropic_stream(response.content)
    args = "".join(
        d["delta"]["partial_json"]
        for n, d in events
        if n == "content_block_delta" and d["delta"]["type"] == "input_json_delta"
    )
    assert orjson.loads(args) == {"command": "ls"}  # enhancetool


async def test_ollama(app: Any, fake: FakeOpenRouter, upstream: AnyPathTransport) -> None:
    fake.script("qwen2.5-coder:latest", Text("local answer"))
    response = await ask(app, "ollama,qwen2.5-coder:latest", stream=False)
    assert response.json()["content"][0]["text"] == "local answer"
    assert upstream.urls[-1] == "http://localhost:11434/v1/chat/completions"
    assert fake.requests[-1].headers["authorization"] == "Bearer ollama"
    assert sent_body(fake)["model"] == "qwen2.5-coder:latest"


async def test_anthropic_pass_through(
    app: Any, fake: FakeOpenRouter, upstream: AnyPathTransport
) -> None:
    await ask(app, "anthropic,claude-sonnet-4-5", system="Be brief.")
    assert upstream.urls[-1] == "https://api.anthropic.com/v1/messages"
    sent = fake.requests[-1]
    assert sent.headers["x-api-key"] == "sk-ant"
    assert "authorization" not in sent.headers
    assert sent_body(fake) == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100000,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
        "system": "Be brief.",
    }


async def test_a_plain_claude_model_name_takes_the_default_route(
    app: Any, fake: FakeOpenRouter, upstream: AnyPathTransport
) -> None:
    response = await ask(app, "claude-opus-4-1")
    assert response.headers["x-ccrouter-model"] == "deepseek,deepseek-chat"
    assert upstream.urls[-1] == "https://api.deepseek.com/chat/completions"
