"""Type aliases and wire shapes shared across ccrouter, declared once (starlette's ``types.py``).

A leaf: it imports only ``typing``, so every module (``ccrouter.transformers`` too) may import it.
"""

# No ``from __future__ import annotations``: Python 3.11 sees ``NotRequired`` only in evaluated
# annotations (``__required_keys__``).
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Literal, NotRequired, TypeAlias, TypedDict

# A decoded JSON object as it travels through the translators (request bodies, chunks, blocks).
JSON: TypeAlias = dict[str, Any]
# One Anthropic stream event: ``(event name, data object)``, e.g. ``("ping", {"type": "ping"})``.
Event: TypeAlias = tuple[str, dict[str, Any]]

# ASGI, as uvicorn calls the app (the same shapes as ``starlette.types``).
Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]


class ErrorDetail(TypedDict):
    type: str  # invalid_request_error, authentication_error, api_error, overloaded_error, ...
    message: str


class AnthropicErrorBody(TypedDict):
    """The body of every Anthropic error answer, and the data of a stream's ``error`` event."""

    type: Literal["error"]
    error: ErrorDetail
    request_id: NotRequired[str]  # on HTTP answers; absent from a stream's error event
