"""Errors, and the one function that turns any of them into Anthropic's wire shape.

    RouterError                     anything ccrouter raises on purpose
    ├── InvalidRequestError         the client's request is malformed (400)
    ├── AuthenticationError         inbound key missing or wrong, or no upstream key (401)
    ├── ConfigError                 config.json (or a plugin file) is invalid
    ├── PluginError                 a custom router or user transformer failed to load or run
    └── UpstreamError               an upstream answered with an error, or could not be reached
        └── AllModelsFailedError    every model of a fallback chain failed

`to_anthropic_error()` maps any exception (ours or not) to ``(status, body, headers)``; an
unexpected exception becomes a 500 ``api_error`` whose message never carries a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# HTTP status -> Anthropic error.type
_TYPE_BY_STATUS: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def error_type_for_status(status: int) -> str:
    if status in _TYPE_BY_STATUS:
        return _TYPE_BY_STATUS[status]
    if status in (408,):
        return "timeout_error"
    if 400 <= status < 500:
        return "invalid_request_error"
    return "api_error"


def anthropic_status_for_upstream(status: int) -> int:
    """Map an upstream HTTP status to the status ccrouter answers with."""
    if status in (400, 422):
        return 400
    if status in (408, 504):
        return 504
    if status in (502, 503):
        return 529 if status == 503 else 500
    if status in _TYPE_BY_STATUS:
        return status
    if 400 <= status < 500:
        return 400
    return 500


class RouterError(Exception):
    status: int = 500

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    @property
    def error_type(self) -> str:
        return error_type_for_status(self.status)

    def headers(self) -> dict[str, str]:
        return {}


class InvalidRequestError(RouterError):
    status = 400


class AuthenticationError(RouterError):
    status = 401

    def headers(self) -> dict[str, str]:
        # Claude Code retries 401 for three minutes; a missing key will not appear by waiting.
        return {"x-should-retry": "false"}


@dataclass(frozen=True)
class ConfigProblem:
    path: str  # JSON pointer-ish path, e.g. "Providers[0].api_base_url"
    message: str  # what is wrong and how to fix it

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


class ConfigError(RouterError):
    status = 500

    def __init__(self, message: str, problems: list[ConfigProblem] | None = None) -> None:
        self.problems = problems or []
        detail = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{message}: {detail}" if detail else message)


class PluginError(RouterError):
    status = 500


@dataclass
class Attempt:
    """One try of one model, for logs, headers and the all-failed message."""

    target: str  # "provider,model"
    status: int | None  # upstream HTTP status, None for connection problems
    reason: str  # short human text
    error: RouterError | None = field(default=None, repr=False, compare=False)


class UpstreamError(RouterError):
    """An upstream error; ``retryable`` says whether another model (or a later try) may help."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        upstream_status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        error_type: str | None = None,
        context_length: bool = False,
    ) -> None:
        super().__init__(message, status=status)
        self.upstream_status = upstream_status
        self.retryable = retryable
        self.retry_after = retry_after
        self._error_type = error_type
        self.context_length = context_length

    @property
    def error_type(self) -> str:
        return self._error_type or error_type_for_status(self.status)

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["retry-after"] = str(max(1, int(self.retry_after + 0.999)))
        if not self.retryable:
            headers["x-should-retry"] = "false"
        return headers


class AllModelsFailedError(UpstreamError):
    def __init__(self, attempts: list[Attempt], last: UpstreamError) -> None:
        super().__init__(
            f"All models failed: {failures_by_reason(attempts)}",
            status=last.status,
            upstream_status=last.upstream_status,
            retryable=last.retryable,
            retry_after=last.retry_after,
            error_type=last.error_type,
        )
        self.attempts = attempts

    def headers(self) -> dict[str, str]:
        # The whole chain was already tried: a client retry helps only after a rate limit's
        # Retry-After, so say so and let Claude Code back off; otherwise tell it to stop.
        if self.status == 429 and self.retry_after is not None:
            return {"retry-after": str(max(1, int(self.retry_after + 0.999)))}
        return {"x-should-retry": "false"}


def failures_by_reason(attempts: list[Attempt]) -> str:
    """Each distinct reason once, after the models that gave it, in the order they failed:
    ``p,a and p,b: upstream 429; p,c: cannot connect``."""
    by_reason: dict[str, dict[str, None]] = {}  # dicts as ordered sets
    for attempt in attempts:
        by_reason.setdefault(attempt.reason, {})[attempt.target] = None
    return "; ".join(f"{_and(list(targets))}: {reason}" for reason, targets in by_reason.items())


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def as_upstream_error(exc: RouterError) -> UpstreamError:
    if isinstance(exc, UpstreamError):
        return exc
    return UpstreamError(exc.message, status=exc.status, error_type=exc.error_type)


@dataclass
class WireError:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def to_anthropic_error(exc: BaseException, request_id: str | None = None) -> WireError:
    """Any exception -> Anthropic error envelope. Never leaks a traceback."""
    if isinstance(exc, RouterError):
        status, etype, message, headers = exc.status, exc.error_type, exc.message, exc.headers()
    else:
        status, etype, headers = 500, "api_error", {"x-should-retry": "false"}
        message = f"ccrouter internal error ({type(exc).__name__}); see the ccrouter log"
    body: dict[str, Any] = {"type": "error", "error": {"type": etype, "message": message}}
    if request_id:
        body["request_id"] = request_id
    return WireError(status, body, headers)


def error_event_data(exc: BaseException) -> dict[str, Any]:
    """The ``data`` of an SSE ``event: error`` (the envelope without request_id)."""
    return to_anthropic_error(exc).body
