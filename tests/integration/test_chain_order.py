"""Chain order: provider ``use`` then model ``use`` on the request; the reverse on the response."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccrouter.config.model import build_config
from ccrouter.dispatch.pipes import TranslatingPipe
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import Text
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from ccrouter.transformers.base import Transformer, TransformerSpec, UpstreamRequest
from ccrouter.transformers.builtin.openrouter import OpenRouterTransformer
from ccrouter.transformers.context import TranslationContext
from ccrouter.transformers.registry import TransformerRegistry
from ccrouter.types import JSON
from tests.conftest import base_config
from tests.transformers.kit import (
    chunk,
    ctx,
    messages_body,
    post,
    provider_config,
    request,
    stream_text,
)

MARKER = '''
from ccrouter.transformers.base import Transformer


class Marker(Transformer):
    """Appends its tag to the request's trace and to the answer's last text."""

    name = "marker"

    def transform_request(self, req, ctx):
        req.body.setdefault("x_trace", []).append(self.options["tag"])
        return req

    def transform_chunk(self, chunk, ctx):
        for choice in chunk.get("choices") or []:
            if choice.get("finish_reason"):
                delta = choice.setdefault("delta", {})
                delta["content"] = (delta.get("content") or "") + "[" + self.options["tag"] + "]"
        return [chunk]

    def transform_response(self, body, ctx):
        message = body["choices"][0]["message"]
        message["content"] = (message.get("content") or "") + "[" + self.options["tag"] + "]"
        return body
'''
PROVIDER_USE = [["marker", {"tag": "p1"}], ["marker", {"tag": "p2"}]]
MODEL_USE = [["marker", {"tag": "m1"}], ["marker", {"tag": "m2"}]]


class Marker(Transformer):
    name = "marker"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        req.body.setdefault("x_trace", []).append(self.options["tag"])
        return req

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        chunk.setdefault("x_trace", []).append(self.options["tag"])
        return [chunk]


class Recorder(Transformer):
    def __init__(self) -> None:
        super().__init__()
        self.traces: list[list[str]] = []

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        self.traces.append(chunk.get("x_trace", []))
        return [chunk]


def provider(raw: dict[str, Any]) -> Any:
    config = build_config({"Providers": [raw], "Router": {}}, None)
    return next(iter(config.providers.values()))


def test_registry_builds_provider_then_model_chain() -> None:
    registry = TransformerRegistry(extra={"marker": Marker})
    p = provider(
        {
            "name": "p",
            "api_base_url": "http://x/v1/chat/completions",
            "api_key": "k",
            "transformer": {"use": PROVIDER_USE, "m": {"use": MODEL_USE}},
        }
    )
    chain = registry.chain_for(p, "m")
    assert [t.options["tag"] for t in chain] == ["p1", "p2", "m1", "m2"]
    assert [t.options["tag"] for t in registry.chain_for(p, "other")] == ["p1", "p2"]
    assert registry.chain_for(p, "m") is chain  # built once per snapshot

    context = ctx()
    req = request()
    for transformer in chain:
        req = transformer.transform_request(req, context)
    assert req.body["x_trace"] == ["p1", "p2", "m1", "m2"]

    recorder = Recorder()  # first in the chain, so last on the way back
    pipe = TranslatingPipe(context, (recorder, *chain))
    pipe.feed(
        b"".join(
            b"data: " + orjson.dumps(c) + b"\n\n"
            for c in [chunk({"content": "hi"}), chunk({}, "stop")]
        )
    )
    pipe.finish()
    assert recorder.traces == [["m2", "m1", "p2", "p1"]] * 2


def test_implicit_openrouter_runs_first_and_anthropic_is_not_a_chain_member() -> None:
    registry = TransformerRegistry(extra={"marker": Marker})
    openrouter = provider(
        {
            "name": "openrouter",
            "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
            "api_key": "k",
            "transformer": {"use": [["marker", {"tag": "a"}]]},
        }
    )
    chain = registry.chain_for(openrouter, "x/y")
    assert [type(t) for t in chain] == [OpenRouterTransformer, Marker]
    explicit = provider(
        {
            "name": "openrouter",
            "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
            "api_key": "k",
            "transformer": {"use": ["marker", "OpenRouter"]},
        }
    )
    assert [
        type(t) for t in TransformerRegistry(extra={"marker": Marker}).chain_for(explicit, "x/y")
    ] == [Marker, OpenRouterTransformer]
    anthropic = provider(
        {
            "name": "a",
            "api_base_url": "https://api.anthropic.com/v1/messages",
            "api_key": "k",
            "transformer": {"use": ["Anthropic"]},
        }
    )
    assert registry.chain_for(anthropic, "claude") == ()


def test_same_transformer_twice_keeps_separate_per_request_state() -> None:
    registry = TransformerRegistry()
    first = registry.instantiate(TransformerSpec("enhancetool"))
    second = registry.instantiate(TransformerSpec("EnhanceTool"))
    assert type(first) is type(second) and first is not second


@pytest.fixture
def marker_config(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "marker.py"
    path.write_text(textwrap.dedent(MARKER))
    return provider_config(
        "p", use=PROVIDER_USE, model_use={"m": MODEL_USE}, transformers=[{"path": str(path)}]
    )


@pytest.mark.parametrize("stream", [True, False])
async def test_through_the_app_request_in_order_response_in_reverse(
    make_app: Any, fake: FakeOpenRouter, marker_config: dict[str, Any], stream: bool
) -> None:
    fake.script("m", Text("answer"))
    response = await post(make_app(marker_config), messages_body("p,m", stream=stream))
    assert response.status_code == 200, response.text
    assert fake.requests[-1].body is not None
    assert fake.requests[-1].body["x_trace"] == ["p1", "p2", "m1", "m2"]
    text = stream_text(response) if stream else response.json()["content"][0]["text"]
    assert text == "answer[m2][m1][p2][p1]"


async def test_through_the_app_implicit_openrouter_comes_first(
    make_app: Any, fake: FakeOpenRouter, tmp_path: Path
) -> None:
    path = tmp_path / "marker.py"
    path.write_text(textwrap.dedent(MARKER))
    config = base_config(transformers=[{"path": str(path)}])
    config["Providers"][0]["transformer"] = {"use": [["marker", {"tag": "p1"}]]}  # no "openrouter"
    response = await post(
        make_app(config),
        messages_body("openrouter,model-default", stream=True),
        {"x-claude-code-session-id": "s1"},
    )
    assert response.status_code == 200, response.text
    assert_valid_anthropic_stream(response.content)
    sent = fake.requests[-1]
    assert sent.body is not None
    assert sent.body["x_trace"] == ["p1"] and sent.body["session_id"] == "s1"
    assert sent.headers["x-title"] == "ccrouter"
