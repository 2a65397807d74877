"""Bad inputs through the whole app: a clear 400 before any upstream call; secrets never echo."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest

from ccrouter.app import CCRouterApp
from ccrouter.log import setup_logging
from ccrouter.server.validate import MAX_DEPTH
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import HttpError, MidStreamError
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from tests.conftest import FAKE_BASE, base_config, user_message

GROQ_KEY = "gsk_" + "a1B2c3D4e5" * 5
GOOGLE_KEY = "AIzaSy" + "Q7r8S9t0U1" * 3 + "vw"
PLAIN_KEY = "plain-local-key-51f0"  # no known prefix: only the configured value can catch it
APIKEY = "inbound-router-key-77"
SECRETS = (GROQ_KEY, GOOGLE_KEY, PLAIN_KEY, APIKEY)


DEEP = "__deep__"  # where _post puts the deeply nested JSON (orjson cannot encode it)


def _nested(depth: int) -> bytes:
    return b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


async def _post(
    app: CCRouterApp, body: Any, depth: int = 0, headers: dict[str, str] | None = None
) -> httpx.Response:
    raw = orjson.dumps(body).replace(orjson.dumps(DEEP), _nested(depth) if depth else b"{}")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ccrouter.test", timeout=10
    ) as client:
        return await client.post("/v1/messages", content=raw, headers=headers)


# --- wrong shapes ------------------------------------------------------------------------------


def _turns(*blocks: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": list(blocks)}]


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"tools": [1]}, "tools[0]: must be an object"),
        ({"tool_choice": {"type": 1}}, "tool_choice.type: must be one of"),
        ({"max_tokens": 1.5}, "max_tokens: required, a positive integer"),
        ({"system": {"text": "x"}}, "system: must be a string or a list of text blocks"),
        ({"messages": []}, "messages: must hold at least one message"),
        ({"messages": _turns({"type": "text", "text": 1})}, "messages[0].content[0].text: must"),
        (
            {"messages": _turns({"type": "tool_result", "tool_use_id": "toolu_9"})},
            "messages[0].content[0].tool_use_id: 'toolu_9' matches no tool_use block",
        ),
        (
            {
                "messages": _turns(
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": "iVB RKA=",
                        },
                    }
                )
            },
            "messages[0].content[0].source.data: is not valid base64 (it contains ' ')",
        ),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_wrong_shapes_get_a_400_naming_the_path_before_any_upstream_call(
    app: CCRouterApp, fake: FakeOpenRouter, fields: dict[str, Any], path: str, stream: bool
) -> None:
    response = await _post(app, {**user_message(stream=stream), **fields})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.json()["error"]["message"].startswith(path)
    assert fake.requests == []


# --- deep nesting ------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 253, 600, 1021])
async def test_deep_input_schema_gets_a_400_stating_the_limit(
    app: CCRouterApp, fake: FakeOpenRouter, depth: int
) -> None:
    body = user_message(tools=[{"name": "Deep", "input_schema": DEEP}])
    response = await _post(app, body, depth)
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert message.startswith(f"tools[0].input_schema: nested more than {MAX_DEPTH} levels")
    assert fake.requests == []


@pytest.mark.parametrize("depth", [300, 1021])
async def test_deep_tool_input_gets_a_400(
    app: CCRouterApp, fake: FakeOpenRouter, depth: int
) -> None:
    body = user_message()
    body["messages"] += [
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "T", "input": DEEP}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1"}]},
    ]
    response = await _post(app, body, depth)
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    if depth < 1020:  # the JSON parser itself stops at 1024 levels from the top
        assert message.startswith(f"messages[1].content[0].input: nested more than {MAX_DEPTH}")
    else:
        assert message.startswith("request body nests JSON more than 1024 levels deep")
    assert fake.requests == []


async def test_deep_nesting_anywhere_else_never_gives_a_500(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    # An Anthropic-speaking provider gets unknown fields as sent: the encoder's limit answers.
    config = base_config()
    config["Providers"].append(
        {"name": "anth", "api_base_url": f"{FAKE_BASE}/messages", "api_key": "sk-ant-test-key"}
    )
    config["Router"]["default"] = "anth,claude-x"
    response = await _post(make_app(config), user_message(extra_field=DEEP), 400)
    assert response.status_code == 400, response.text
    assert "nest JSON less deeply" in response.json()["error"]["message"]
    assert fake.requests == []


# --- header-unsafe model names -----------------------------------------------------------------


@pytest.mark.parametrize(
    "model", ["openrouter,a\r\nX-Injected: 1", "claude\nx", "openrouter,m\x00", "a\x7fb"]
)
async def test_control_characters_in_the_model_get_a_400_before_any_upstream_call(
    app: CCRouterApp, fake: FakeOpenRouter, model: str
) -> None:
    response = await _post(app, user_message(model=model, stream=True))
    assert response.status_code == 400
    assert "model: contains the control character" in response.json()["error"]["message"]
    assert "x-injected" not in response.headers
    assert fake.requests == []


async def test_a_subagent_tag_naming_a_header_unsafe_model_gets_a_400(
    app: CCRouterApp, fake: FakeOpenRouter
) -> None:
    tag = "<CCR-SUBAGENT-MODEL>openrouter,a\r\nX-Injected: 1</CCR-SUBAGENT-MODEL>"
    response = await _post(app, user_message(system=[{"type": "text", "text": tag + "You are"}]))
    assert response.status_code == 400
    assert "control character" in response.json()["error"]["message"]
    assert fake.requests == []


async def test_the_request_log_line_cannot_be_forged(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    # Refused before they reach the record; any value that does is escaped (test_log.py).
    app = make_app(LOG_LEVEL="info")
    setup_logging("info")
    (handler,) = [h for h in logging.getLogger("ccrouter").handlers if getattr(h, "_ccrouter", 0)]
    handler.stream = io.StringIO()  # type: ignore[attr-defined]
    forged = "openrouter,a\n2026-01-01 00:00:00,000 INFO ccrouter.request req_fake status=ok"
    tag = f"<CCR-SUBAGENT-MODEL>{forged}</CCR-SUBAGENT-MODEL>"
    for body in (user_message(model=forged), user_message(system=[{"type": "text", "text": tag}])):
        assert (await _post(app, body)).status_code == 400
    handler.flush()
    lines = handler.stream.getvalue().splitlines()  # type: ignore[attr-defined]
    assert not any(line.startswith("2026-01-01") for line in lines)
    assert len([line for line in lines if "ccrouter.request" in line]) == 2


# --- secrets never echo ------------------------------------------------------------------------


@pytest.fixture
def keyed_app(make_app: Callable[..., CCRouterApp]) -> CCRouterApp:
    config = base_config(APIKEY=APIKEY)
    config["Providers"] += [
        {"name": "groq", "api_base_url": f"{FAKE_BASE}/chat/completions", "api_key": GROQ_KEY},
        {"name": "gemini", "api_base_url": f"{FAKE_BASE}/chat/completions", "api_key": GOOGLE_KEY},
        {"name": "plain", "api_base_url": f"{FAKE_BASE}/chat/completions", "api_key": PLAIN_KEY},
    ]
    return make_app(config)


@pytest.fixture
async def keyed(keyed_app: CCRouterApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=keyed_app),
        base_url="http://ccrouter.test",
        headers={"x-api-key": APIKEY},
        timeout=10,
    ) as client:
        yield client


def _echo(key: str) -> str:
    return f"Incorrect API key provided: {key}. You passed {key} (router key {APIKEY})"


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
        assert secret[:12] not in text  # not even the part before a clip


@pytest.mark.parametrize(
    ("provider", "key"), [("groq", GROQ_KEY), ("gemini", GOOGLE_KEY), ("plain", PLAIN_KEY)]
)
@pytest.mark.parametrize("stream", [False, True])
async def test_an_upstream_echoing_a_key_is_redacted_and_names_the_provider(
    keyed: httpx.AsyncClient,
    fake: FakeOpenRouter,
    caplog: pytest.LogCaptureFixture,
    provider: str,
    key: str,
    stream: bool,
) -> None:
    fake.script(f"{provider}-model", HttpError(401, _echo(key), metadata={"raw": _echo(key)}))
    with caplog.at_level(logging.WARNING, logger="ccrouter"):
        response = await keyed.post(
            "/v1/messages", json=user_message(model=f"{provider},{provider}-model", stream=stream)
        )
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert message.startswith(f"{provider},{provider}-model: {provider} returned 401: ")
    assert "[redacted]" in message
    _assert_clean(response.text)
    _assert_clean(caplog.text)
    assert "failed" in caplog.text  # the warning was written, masked


async def test_a_mid_stream_error_echoing_a_key_is_redacted(
    keyed: httpx.AsyncClient, fake: FakeOpenRouter, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script("plain-model", MidStreamError(code=401, message=_echo(PLAIN_KEY)))
    with caplog.at_level(logging.WARNING, logger="ccrouter"):
        response = await keyed.post(
            "/v1/messages", json=user_message(model="plain,plain-model", stream=True)
        )
    assert response.status_code == 200
    events = assert_valid_anthropic_stream(response.content)
    assert events[-1][0] == "error"
    assert "[redacted]" in response.text
    _assert_clean(response.text)
    _assert_clean(caplog.text)


async def test_an_anthropic_upstreams_mid_stream_error_echoing_a_key_is_redacted(
    make_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    config = base_config(APIKEY=APIKEY)
    config["Providers"].append(
        {"name": "anth", "api_base_url": f"{FAKE_BASE}/messages", "api_key": PLAIN_KEY}
    )
    fake.script("claude-x", MidStreamError(after_chunks=5, code=500, message=_echo(PLAIN_KEY)))
    body = user_message(model="anth,claude-x", stream=True)
    response = await _post(make_app(config), body, headers={"x-api-key": APIKEY})
    assert response.status_code == 200
    assert b"event: error" in response.content
    assert "[redacted]" in response.text
    _assert_clean(response.text)
