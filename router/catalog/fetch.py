"""Ask one provider for its models: the URL comes from the provider's own ``api_base_url``.

``https://openrouter.ai/api/v1/chat/completions`` → ``https://openrouter.ai/api/v1/models``;
``http://localhost:11434/v1`` → ``http://localhost:11434/v1/models``; a self-hosted or fake
OpenRouter-compatible server works the same way. The HTTP GET is a parameter (``Getter``), so
tests hand in the fake's transport and the app its own short-timeout client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import httpx
import orjson

from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.parse import parse_models
from ccrouter.config.model import ProviderConfig

FETCH_TIMEOUT_S = 10.0
_ENDPOINTS = ("/chat/completions", "/completions", "/messages", "/responses")

# (url, headers) -> (status, body)
Getter = Callable[[str, Mapping[str, str]], Awaitable[tuple[int, bytes]]]


class FetchError(Exception):
    """The provider's model list could not be read; the message names the URL, never the key."""


def models_url(api_base_url: str) -> str:
    url = api_base_url.rstrip("/")
    for endpoint in _ENDPOINTS:
        if url.endswith(endpoint):
            url = url.removesuffix(endpoint)
            break
    return url + "/models"


def request_headers(provider: ProviderConfig) -> dict[str, str]:
    """The provider's own authentication (OpenRouter's list needs none, most others do)."""
    headers = {"accept": "application/json"}
    if not provider.api_key or provider.missing_key:
        return headers
    if provider.kind == "anthropic":
        headers["x-api-key"] = provider.api_key
        headers["anthropic-version"] = "2023-06-01"
    else:
        headers["authorization"] = f"Bearer {provider.api_key}"
    return headers


def httpx_getter(client: httpx.AsyncClient, timeout_s: float = FETCH_TIMEOUT_S) -> Getter:
    async def get(url: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        response = await client.get(url, headers=dict(headers), timeout=timeout_s)
        return response.status_code, response.content

    return get


async def fetch_models(get: Getter, provider: ProviderConfig) -> dict[str, ModelFacts]:
    """The provider's models; ``FetchError`` when it cannot be reached or answers nonsense."""
    url = models_url(provider.api_base_url)
    try:
        status, raw = await get(url, request_headers(provider))
    except (httpx.HTTPError, OSError, TimeoutError) as exc:
        raise FetchError(f"{url}: {type(exc).__name__}") from exc
    if status != 200:
        raise FetchError(f"{url}: HTTP {status}")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FetchError(f"{url}: not JSON") from exc
    if not isinstance(body, dict | list):
        raise FetchError(f"{url}: not a model list")
    return parse_models(body)
