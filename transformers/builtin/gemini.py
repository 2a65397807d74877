"""``gemini``: Google's Gemini API through its OpenAI-compatible endpoint.

CCR's ``gemini`` speaks Google's native ``generateContent`` API, so CCR configs point
``api_base_url`` at ``https://generativelanguage.googleapis.com/v1beta/models/``. ccrouter talks to
the OpenAI-compatible endpoint of the same API instead (same key, same models) and keeps the
config unchanged: the URL becomes ``…/v1beta/openai/chat/completions`` and the key goes in
``Authorization: Bearer``.

Request: every tool's schema reduced to what Gemini's strict function calling accepts (see
``schema_clean.gemini_schema``) and ``cache_control`` removed. The reasoning replay stays as the
core built it.

Response and stream: Gemini's tool-call deltas may lack ``index``; each call gets one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chunks import (
    delta_of,
    map_tool_parameters,
    message_of,
    request_state,
    strip_cache_control,
)
from ccrouter.transformers.context import TranslationContext
from ccrouter.transformers.schema_clean import gemini_schema
from ccrouter.types import JSON

GOOGLE_HOST = "generativelanguage.googleapis.com"
OPENAI_PATH = "/v1beta/openai/chat/completions"


def openai_compatible_url(url: str) -> str:
    """Google's OpenAI-compatible endpoint for whatever Gemini URL a config holds."""
    parts = urlsplit(url)
    path = parts.path
    if "/v1beta/openai" in path:
        path = path[: path.index("/v1beta/openai")] + OPENAI_PATH
    elif "/v1beta" in path:
        path = path[: path.index("/v1beta")] + OPENAI_PATH
    elif parts.hostname == GOOGLE_HOST:
        path = OPENAI_PATH  # e.g. .../v1/models/: the compatible endpoint lives under v1beta
    elif not path.rstrip("/").endswith("/chat/completions"):
        path = path.rstrip("/") + "/chat/completions"  # a proxy in front of Google
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class GeminiTransformer(Transformer):
    name = "gemini"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        req.url = openai_compatible_url(req.url)
        _bearer_auth(req.headers)
        body = strip_cache_control(req.body)
        map_tool_parameters(body, gemini_schema)
        req.body = body
        return req

    def transform_response(self, body: JSON, ctx: TranslationContext) -> JSON:
        message = message_of(body)
        calls = message.get("tool_calls") if message else None
        if isinstance(calls, list):
            for position, call in enumerate(calls):
                if isinstance(call, dict):
                    call.setdefault("index", position)
        return body

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        delta = delta_of(chunk)
        calls = delta.get("tool_calls") if delta else None
        if isinstance(calls, list) and calls:
            _index_calls(calls, request_state(ctx, self, _CallCounter))
        return [chunk]


@dataclass
class _CallCounter:
    next_index: int = 0
    last_id: object = None


def _index_calls(calls: list[object], counter: _CallCounter) -> None:
    """Give index-less fragments an index: a new id (or none at all) is a new call."""
    for fragment in calls:
        if not isinstance(fragment, dict) or isinstance(fragment.get("index"), int):
            continue
        call_id = fragment.get("id")
        if call_id is None or call_id != counter.last_id:
            counter.next_index += 1
            counter.last_id = call_id
        fragment["index"] = counter.next_index - 1


def _bearer_auth(headers: dict[str, str]) -> None:
    for name in list(headers):
        if name.lower() == "x-goog-api-key":
            key = headers.pop(name)
            if not any(h.lower() == "authorization" for h in headers):
                headers["authorization"] = f"Bearer {key}"
