"""The response side's vocabulary: OpenAI finish reasons, usage and error bodies in Anthropic terms.

* ``stop_reason()``: ``finish_reason`` -> Anthropic ``stop_reason`` (``tool_use`` whenever a tool
  block went out, unless the answer was cut by ``max_tokens``).
* ``anthropic_usage()``: OpenAI/OpenRouter usage -> Anthropic usage, where ``input_tokens`` counts
  only the uncached part of the prompt.
* ``upstream_error_from_body()`` / ``upstream_error_from_object()``: an upstream error (HTTP error
  body or an ``error`` object inside a 200 stream) -> ``UpstreamError`` with the Anthropic status,
  a message worth showing to the user, and whether another try may help. The message names the
  provider that answered and has every secret masked (``ccrouter.redact.current()``: the
  request's configured keys plus credential patterns), before it is clipped.
"""

from __future__ import annotations

from typing import Any

import orjson

from ccrouter import redact
from ccrouter.errors import UpstreamError, anthropic_status_for_upstream

_STOP_REASONS: dict[str, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",  # the pre-tools OpenAI name
    "content_filter": "refusal",
}


def stop_reason(finish_reason: str | None, *, tool_used: bool) -> str:
    mapped = _STOP_REASONS.get(finish_reason or "", "end_turn")
    if mapped == "max_tokens":
        return mapped
    if tool_used:
        return "tool_use"  # some providers say "stop" after tool calls
    return "end_turn" if mapped == "tool_use" else mapped  # no tool block went out


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def anthropic_usage(
    usage: dict[str, Any] | None, fallback_input: int = 0, fallback_output: int = 0
) -> dict[str, Any]:
    """Anthropic usage (cumulative totals) from an OpenAI/OpenRouter ``usage`` object.

    ``prompt_tokens`` includes cache reads and writes; Anthropic's ``input_tokens`` does not, and
    Claude Code's context meter adds the three back together.
    """
    usage = usage or {}
    details = usage.get("prompt_tokens_details") or {}
    cached = _count(details.get("cached_tokens"))
    if cached is None:
        cached = _count(usage.get("prompt_cache_hit_tokens")) or 0  # DeepSeek's spelling
    written = _count(details.get("cache_write_tokens")) or 0
    prompt = _count(usage.get("prompt_tokens"))
    output = _count(usage.get("completion_tokens"))
    result: dict[str, Any] = {
        "input_tokens": fallback_input if prompt is None else max(prompt - cached - written, 0),
        "output_tokens": fallback_output if output is None else output,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": cached,
    }
    server = usage.get("server_tool_use")
    if isinstance(server, dict) and _count(server.get("web_search_requests")) is not None:
        result["server_tool_use"] = {
            "web_search_requests": server["web_search_requests"],
            "web_fetch_requests": _count(server.get("web_fetch_requests")) or 0,
        }
    reasoning = _count((usage.get("completion_tokens_details") or {}).get("reasoning_tokens"))
    if reasoning:
        result["output_tokens_details"] = {"thinking_tokens": reasoning}
    return result


# --- errors ---------------------------------------------------------------------------------

# OpenRouter metadata.error_type -> the HTTP status it stands for (used when the status says less).
_STATUS_BY_ERROR_TYPE: dict[str, int] = {
    "context_length_exceeded": 400,
    "max_tokens_exceeded": 400,
    "token_limit_exceeded": 400,
    "string_too_long": 400,
    "invalid_request": 400,
    "invalid_prompt": 400,
    "unprocessable": 422,
    "authentication": 401,
    "payment_required": 402,
    "permission_denied": 403,
    "content_policy_violation": 403,
    "refusal": 403,
    "not_found": 404,
    "payload_too_large": 413,
    "rate_limit_exceeded": 429,
    "server": 500,
    "provider_unavailable": 502,
    "provider_overloaded": 503,
    "timeout": 504,
}
_RETRYABLE_TYPES = frozenset(
    {"rate_limit_exceeded", "provider_overloaded", "provider_unavailable", "server", "timeout"}
)
_CONTEXT_TYPES = frozenset({"context_length_exceeded"})
_MAX_TEXT = 300


def _clip(text: str, limit: int = _MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode() if value is not None else ""


def _raw_message(raw: Any, hide: redact.Redactor) -> str:
    """The provider's own words inside ``metadata.raw`` (often a JSON string of its error body)."""
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return _clip(hide(raw))
    if isinstance(raw, dict):
        inner = raw.get("error", raw)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return _clip(hide(inner["message"]))
        if isinstance(inner, str):
            return _clip(hide(inner))
    return _clip(hide(_as_text(raw))) if raw else ""


def _error_object(body: Any) -> dict[str, Any]:
    """Normalise the many error body shapes to ``{message, code?, type?, metadata?}``."""
    if isinstance(body, bytes | bytearray | str):
        text = _as_text(body).strip()
        try:
            body = orjson.loads(text)
        except orjson.JSONDecodeError:
            if text.lstrip().startswith("<"):
                return {"message": "(an HTML error page)"}
            return {"message": text} if text else {}  # clipped once redacted
    if not isinstance(body, dict):
        return {"message": _as_text(body)} if body else {}
    err = body.get("error")
    if isinstance(err, dict):
        return err
    if isinstance(err, str):
        return {"message": err}
    for key in ("message", "detail", "error_message"):
        if isinstance(body.get(key), str):
            return {"message": body[key]}
    return {"message": _as_text(body)}


def upstream_error_from_object(
    err: dict[str, Any],
    status: int | None,
    retry_after: float | None = None,
    *,
    provider: str = "openrouter",
) -> UpstreamError:
    """An ``UpstreamError`` from an error object; ``status`` is the HTTP status if it says one."""
    metadata: dict[str, Any] = err.get("metadata") or {}
    if not isinstance(metadata, dict):
        metadata = {}
    code = err.get("code")
    error_type = metadata.get("error_type") or (code if isinstance(code, str) else None)
    error_type = error_type or (err.get("type") if isinstance(err.get("type"), str) else None)
    if status is None or status < 400:
        status = _code_status(code) or _STATUS_BY_ERROR_TYPE.get(error_type or "", 502)
    availability = metadata.get("availability")
    availability = availability if isinstance(availability, dict) else {}
    if retry_after is None and isinstance(availability.get("retry_after"), int | float):
        retry_after = float(availability["retry_after"])
    retryable = (
        status in (408, 429)
        or status >= 500
        or error_type in _RETRYABLE_TYPES
        or availability.get("retryable") is True
    )
    context_length = error_type in _CONTEXT_TYPES
    message = _message(err, metadata, status, error_type, provider, context_length)
    return UpstreamError(
        message,
        status=anthropic_status_for_upstream(status),
        upstream_status=status,
        retryable=retryable,
        retry_after=retry_after,
        context_length=context_length,
    )


def upstream_error_from_body(
    status: int, body: Any, retry_after: float | None, *, provider: str = "openrouter"
) -> UpstreamError:
    """An upstream HTTP error response (JSON, text or bytes body) -> ``UpstreamError``."""
    return upstream_error_from_object(_error_object(body), status, retry_after, provider=provider)


def _code_status(code: Any) -> int | None:
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    return code if isinstance(code, int) and 400 <= code <= 599 else None


def _message(
    err: dict[str, Any],
    metadata: dict[str, Any],
    status: int,
    error_type: str | None,
    provider: str,
    context_length: bool,
) -> str:
    # Redacted before clipping, so a key cut by the clip cannot leave its first half behind.
    hide = redact.current()
    text = _clip(hide(_as_text(err.get("message")))) or "no error message"
    notes = [f"error_type {error_type}"] if error_type else []
    if isinstance(metadata.get("provider_name"), str):
        notes.append(f"provider {metadata['provider_name']}")
    message = f"{provider} returned {status}: {text}"
    if notes:
        message += f" ({', '.join(notes)})"
    raw = _raw_message(metadata.get("raw"), hide)
    if raw and raw not in message:
        message += f" — upstream said: {raw}"
    if context_length:
        message = "prompt is too long: " + message  # the wording Anthropic uses for this error
    return hide(message)
