"""Helpers for the built-in transformer tests: contexts, requests, chunk streams, app calls.

* ``ctx()`` / ``request()``: a ``TranslationContext`` and an ``UpstreamRequest`` to call hooks on.
* ``run_chunks(transformer, chunks, ctx)``: drive ``transform_chunk`` + ``finish_stream`` as the
  pipe does; ``translate(...)``: the same, then the core stream translator -> Anthropic message.
* ``chunk(...)``/``call(...)``: OpenAI chat-completion stream chunks.
* ``provider_config(...)`` + ``post(app, body)``: one provider routed explicitly, through the app.
* ``AnyPathTransport``: the fake OpenRouter behind any URL path ending in ``/chat/completions``
  or ``/messages`` (Google's ``/v1beta/openai/…``, DashScope's ``/compatible-mode/v1/…``); it keeps
  the URLs really requested in ``urls``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx
import orjson

from ccrouter.app import create_app
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chat.response import to_anthropic_message
from ccrouter.transformers.chat.stream import OpenAIStreamTranslator
from ccrouter.transformers.context import Dialect, TranslationContext
from ccrouter.types import JSON
from tests.conftest import base_config

FAKE_HOST = "http://fake-openrouter.test"


def ctx(
    model: str = "some/model", dialect: Dialect = "openai", stream: bool = True, **extra: Any
) -> TranslationContext:
    return TranslationContext(
        requested_model="claude-sonnet-4-5",
        upstream_model=model,
        provider="p",
        dialect=dialect,
        stream=stream,
        **extra,
    )


def request(
    body: JSON | None = None, url: str = "https://example.test/v1/chat/completions"
) -> UpstreamRequest:
    payload = {"model": "some/model", "messages": [{"role": "user", "content": "hi"}]}
    return UpstreamRequest(
        url,
        {"authorization": "Bearer k", "content-type": "application/json"},
        {**payload, **(body or {})},
    )


def chunk(delta: JSON | None = None, finish: str | None = None, **extra: Any) -> JSON:
    return {
        "id": "gen-1",
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
        **extra,
    }


def call(
    index: int | None, call_id: str | None = None, name: str | None = None, args: str | None = None
) -> JSON:
    out: JSON = {} if index is None else {"index": index}
    if call_id is not None:
        out["id"] = call_id
        out["type"] = "function"
    function: JSON = {}
    if name is not None:
        function["name"] = name
    if args is not None:
        function["arguments"] = args
    out["function"] = function
    return out


def usage_chunk() -> JSON:
    return {"id": "gen-1", "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5}}


def run_chunks(
    transformer: Transformer, chunks: Iterable[JSON], context: TranslationContext
) -> list[JSON]:
    out: list[JSON] = []
    for piece in chunks:
        out += transformer.transform_chunk(orjson.loads(orjson.dumps(piece)), context)
    return out + transformer.finish_stream(context)


def tool_arguments(chunks: list[JSON]) -> dict[Any, str]:
    """index (or id) -> the concatenated arguments the chunks carry for that call."""
    out: dict[Any, str] = {}
    for piece in chunks:
        for choice in piece.get("choices") or []:
            for fragment in (choice.get("delta") or {}).get("tool_calls") or []:
                key = fragment.get("index", fragment.get("id"))
                out[key] = out.get(key, "") + (
                    (fragment.get("function") or {}).get("arguments") or ""
                )
    return out


def translate(
    transformer: Transformer, chunks: Iterable[JSON], context: TranslationContext
) -> JSON:
    """Transformer then the core translator: the Anthropic message Claude Code would get."""
    translator = OpenAIStreamTranslator(context)
    events = []
    for piece in run_chunks(transformer, chunks, context):
        events += translator.feed(piece)
    events += translator.finish()
    assert_valid_anthropic_stream(events)
    return fold(events)


def fold(events: list[tuple[str, JSON]]) -> JSON:
    blocks: list[JSON] = []
    stop = None
    for name, data in events:
        if name == "content_block_start":
            blocks.append({**data["content_block"], "_json": ""})
        elif name == "content_block_delta":
            delta = data["delta"]
            block = blocks[-1]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "input_json_delta":
                block["_json"] += delta["partial_json"]
        elif name == "message_delta":
            stop = data["delta"]["stop_reason"]
    for block in blocks:
        raw = block.pop("_json")
        if block["type"] == "tool_use":
            block["input"] = orjson.loads(raw or "{}")
    return {"content": blocks, "stop_reason": stop}


def translate_body(transformer: Transformer, body: JSON, context: TranslationContext) -> JSON:
    return to_anthropic_message(transformer.transform_response(body, context), context)


def completion(message: JSON, finish: str = "stop") -> JSON:
    return {
        "id": "gen-1",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
    }


GEMINI_KEYWORDS = {
    "type", "properties", "required", "items", "enum", "description", "nullable", "anyOf",
    "format", "title", "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength",
    "minProperties", "maxProperties",
}  # fmt: skip


def keywords(schema: Any, found: set[str] | None = None) -> set[str]:
    """Every keyword used at a schema position (property names are not keywords)."""
    found = set() if found is None else found
    if isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key == "properties":
                for sub in value.values():
                    keywords(sub, found)
            elif key in ("items",):
                keywords(value, found)
            elif key == "anyOf":
                for sub in value:
                    keywords(sub, found)
    return found


# --- through the app -----------------------------------------------------------------------------


def provider_config(
    name: str = "p",
    url: str = f"{FAKE_HOST}/v1/chat/completions",
    use: list[Any] | None = None,
    models: list[str] | None = None,
    model_use: dict[str, list[Any]] | None = None,
    **extra: Any,
) -> JSON:
    """``base_config()`` plus one provider, ``name``, with the given transformer chains."""
    transformer: JSON = {"use": use or []}
    for model, specs in (model_use or {}).items():
        transformer[model] = {"use": specs}
    provider = {
        "name": name,
        "api_base_url": url,
        "api_key": "sk-test-" + name,
        "models": models or ["m"],
        "transformer": transformer,
    }
    config = base_config(**extra)
    config["Providers"].append(provider)
    return config


def messages_body(model: str, stream: bool = False, **extra: Any) -> JSON:
    return {
        "model": model,
        "max_tokens": 32000,
        "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
        **extra,
    }


async def post(app: Any, body: JSON, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=10
    ) as client:
        return await client.post("/v1/messages", json=body, headers=headers or {})


def stream_text(response: httpx.Response) -> str:
    """The text blocks of an Anthropic SSE response, after checking the stream is valid."""
    events = assert_valid_anthropic_stream(response.content)
    return "".join(
        data["delta"].get("text", "") for name, data in events if name == "content_block_delta"
    )


class AnyPathTransport(httpx.AsyncBaseTransport):
    """The fake's transport, recording the full URL each request was sent to."""

    def __init__(self, fake: FakeOpenRouter) -> None:
        self._inner = fake.transport()
        self.urls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return await self._inner.handle_async_request(request)


def any_path_app(
    write_config: Any, fake: FakeOpenRouter, config: JSON
) -> tuple[Any, AnyPathTransport]:
    """The app over the fake, recording the URLs ccrouter posted to."""
    transport = AnyPathTransport(fake)
    app = create_app(
        write_config(config), client=httpx.AsyncClient(transport=transport), watch=False
    )
    return app, transport
