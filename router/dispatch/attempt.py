"""One attempt against one upstream model: build the request, send it, classify failures.

``prepare()`` turns the client's Anthropic body into the provider's request (core translation
then the transformer chain, or a pass-through for Messages-speaking providers). ``send()`` posts
it on the shared client and turns every way it can fail into an ``UpstreamError`` that says
whether another model could help.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ccrouter import redact
from ccrouter.config.model import Config, ProviderConfig, Target
from ccrouter.errors import AuthenticationError, InvalidRequestError, UpstreamError
from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chat.reasoning_codec import native_thinking
from ccrouter.transformers.chat.request import to_openai_request
from ccrouter.transformers.chat.vocab import upstream_error_from_body
from ccrouter.transformers.context import Recall, TranslationContext
from ccrouter.upstream.base import HeaderMap, TransportError, UpstreamClient, UpstreamResponse

# Headers an Anthropic-native upstream should see from the client; everything else is dropped.
_PASS_HEADERS = ("anthropic-version", "anthropic-beta")
# Claude Code-only body fields that carry local paths and mean nothing upstream.
_PASSTHROUGH_DROP = ("safeguards",)


@dataclass
class RequestMeta:
    """Per-request facts the translation needs, computed once."""

    requested_model: str
    token_count: int
    session_id: str | None
    user_hash: str | None
    headers: Mapping[str, str]
    # When Resilience.openRouterFallbackModels is on: the route's chain, for OpenRouter's models[].
    fallback_models: tuple[Target, ...] = ()
    recall: Recall | None = None  # the previous turn's results (``ccrouter.routing.conversation``)


@dataclass
class Prepared:
    target: Target
    provider: ProviderConfig
    ctx: TranslationContext
    chain: tuple[Transformer, ...]
    request: UpstreamRequest


def user_hash_of(body: Mapping[str, Any]) -> str | None:
    metadata = body.get("metadata")
    user_id = metadata.get("user_id") if isinstance(metadata, dict) else None
    if not isinstance(user_id, str) or not user_id:
        return None
    return _hashed(user_id)


@functools.lru_cache(maxsize=1024)  # the same few sessions ask on every turn
def _hashed(user_id: str) -> str:
    return "ccr_" + hashlib.sha256(user_id.encode()).hexdigest()[:32]


def prepare(
    config: Config,
    chain: tuple[Transformer, ...],
    target: Target,
    body: dict[str, Any],
    meta: RequestMeta,
    stream: bool,
) -> Prepared:
    provider = config.provider(target.provider)
    if provider is None:
        known = ", ".join(config.providers) or "none"
        raise InvalidRequestError(
            f"unknown provider {target.provider!r} in {str(target)!r}; known providers: {known}"
        )
    if provider.missing_key:
        raise AuthenticationError(
            f"provider {provider.name!r} has no API key: {provider.missing_key} (or set "
            f"api_key in {config.path or 'the config'}) and try again"
        )
    ctx = TranslationContext(
        requested_model=meta.requested_model,
        upstream_model=target.model,
        provider=provider.name,
        stream=stream,
        dialect=provider.dialect,
        input_estimate=meta.token_count,
        session_id=meta.session_id,
        user_hash=meta.user_hash,
        strip_billing_header=config.strip_billing_header,
        recall=meta.recall,
    )
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and isinstance(thinking.get("budget_tokens"), int):
        ctx.extras["thinking_budget"] = thinking["budget_tokens"]  # for the `reasoning` transformer
    if meta.fallback_models and provider.dialect == "openrouter":
        ctx.extras["fallback_models"] = [
            t.model for t in meta.fallback_models if t.provider == provider.name and t != target
        ]
    if provider.kind == "anthropic":
        request = _passthrough_request(provider, target, body, meta, stream)
    else:
        # Cap before translating, so a thinking budget derived from max_tokens stays below it.
        cap = provider.max_tokens
        if cap and isinstance(body.get("max_tokens"), int) and body["max_tokens"] > cap:
            body = {**body, "max_tokens": cap}
        payload = to_openai_request(body, ctx)
        headers = {
            "authorization": f"Bearer {provider.api_key}",
            "content-type": "application/json",
        }
        request = UpstreamRequest(provider.url, headers, payload)
    for transformer in chain:
        request = transformer.transform_request(request, ctx)
    return Prepared(target, provider, ctx, chain, request)


def _passthrough_request(
    provider: ProviderConfig, target: Target, body: dict[str, Any], meta: RequestMeta, stream: bool
) -> UpstreamRequest:
    # Claude's reasoning that came through a gateway name is enveloped: Anthropic verifies bare.
    payload = {k: v for k, v in native_thinking(body).items() if k not in _PASSTHROUGH_DROP}
    payload["model"] = target.model
    headers = {"content-type": "application/json"}
    for name in _PASS_HEADERS:
        if name in meta.headers:
            headers[name] = meta.headers[name]
    headers.setdefault("anthropic-version", "2023-06-01")
    use_bearer = any(
        spec.name.lower() == "anthropic" and spec.options.get("UseBearer") for spec in provider.use
    )
    if use_bearer or provider.dialect == "openrouter" or "openrouter.ai" in provider.url:
        headers["authorization"] = f"Bearer {provider.api_key}"
    else:
        headers["x-api-key"] = provider.api_key
    return UpstreamRequest(provider.url, headers, payload)


def retry_after_of(headers: HeaderMap) -> float | None:
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _transport_error(exc: TransportError, target: Target, timeout_s: float) -> UpstreamError:
    if exc.kind == "timeout":
        return UpstreamError(
            f"{target} did not answer within {timeout_s:g}s", status=504, retryable=True
        )
    if exc.kind == "connect":
        return UpstreamError(f"{target}: cannot connect ({exc})", status=500, retryable=True)
    return UpstreamError(f"{target}: connection failed ({exc})", status=500, retryable=True)


async def send(
    client: UpstreamClient,
    prepared: Prepared,
    *,
    stream: bool,
    first_byte_timeout_s: float,
    read_timeout_s: float,
    connect_timeout_s: float,
) -> UpstreamResponse:
    """POST the request; returns a 2xx response whose body is not read yet."""
    req = prepared.request
    wait = first_byte_timeout_s if stream else read_timeout_s
    try:
        payload = orjson.dumps(req.body)
    except orjson.JSONEncodeError as exc:  # a backstop: validate.py limits the usual places
        raise UpstreamError(
            f"the request cannot be encoded for {prepared.target} ({exc}): nest JSON less deeply",
            status=400,
        ) from None
    try:
        async with asyncio.timeout(wait):
            response = await client.post(
                req.url,
                payload,
                req.headers,
                connect_timeout_s=connect_timeout_s,
                read_timeout_s=read_timeout_s,
            )
    except TimeoutError:
        raise _transport_error(
            TransportError("timeout", "timed out"), prepared.target, wait
        ) from None
    except TransportError as exc:
        raise redact.current().error(_transport_error(exc, prepared.target, wait)) from exc
    if response.status < 400:
        return response
    try:
        async with asyncio.timeout(connect_timeout_s + 5):
            raw = await response.read()
    except (TransportError, TimeoutError):
        raw = b""
    finally:
        await response.close()
    try:
        body: Any = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        body = raw.decode("utf-8", "replace")[:8000]  # long enough not to cut an echoed key
    error = upstream_error_from_body(
        response.status, body, retry_after_of(response.headers), provider=prepared.provider.name
    )
    error.message = f"{prepared.target}: {error.message}"
    raise error
