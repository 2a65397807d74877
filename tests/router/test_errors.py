"""Any exception becomes an Anthropic error envelope with the right status and headers."""

from __future__ import annotations

import pytest

from ccrouter.errors import (
    AllModelsFailedError,
    Attempt,
    AuthenticationError,
    InvalidRequestError,
    UpstreamError,
    anthropic_status_for_upstream,
    error_type_for_status,
    failures_by_reason,
    to_anthropic_error,
)


@pytest.mark.parametrize(
    ("status", "etype"),
    [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (402, "billing_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (408, "timeout_error"),
        (413, "request_too_large"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (504, "timeout_error"),
        (529, "overloaded_error"),
        (418, "invalid_request_error"),
    ],
)
def test_status_maps_to_anthropic_type(status: int, etype: str) -> None:
    assert error_type_for_status(status) == etype


@pytest.mark.parametrize(
    ("upstream", "ours"), [(422, 400), (408, 504), (503, 529), (502, 500), (429, 429), (599, 500)]
)
def test_upstream_status_is_mapped(upstream: int, ours: int) -> None:
    assert anthropic_status_for_upstream(upstream) == ours


def test_unexpected_exceptions_become_a_500_without_a_traceback() -> None:
    wire = to_anthropic_error(ZeroDivisionError("secret detail"), "req_1")
    assert wire.status == 500
    assert wire.body["error"]["type"] == "api_error"
    assert "secret detail" not in wire.body["error"]["message"]
    assert wire.body["request_id"] == "req_1"


def test_invalid_request_and_auth_errors() -> None:
    assert to_anthropic_error(InvalidRequestError("messages: required")).status == 400
    auth = to_anthropic_error(AuthenticationError("no key"))
    assert (auth.status, auth.headers["x-should-retry"]) == (401, "false")


def test_all_models_failed_names_each_and_says_whether_to_retry() -> None:
    attempts = [Attempt("p,a", 500, "boom"), Attempt("p,b", None, "refused")]
    failed = AllModelsFailedError(attempts, UpstreamError("refused", status=500, retryable=True))
    assert failed.message == "All models failed: p,a: boom; p,b: refused"
    assert failed.headers() == {"x-should-retry": "false"}
    limited = AllModelsFailedError(
        attempts, UpstreamError("slow", status=429, retryable=True, retry_after=2.5)
    )
    assert limited.headers() == {"retry-after": "3"}


@pytest.mark.parametrize(
    ("attempts", "said"),
    [
        ([("p,a", "429 rate limited")], "p,a: 429 rate limited"),
        (
            [("p,a", "429 rate limited"), ("p,b", "429 rate limited"), ("p,c", "cannot connect")],
            "p,a and p,b: 429 rate limited; p,c: cannot connect",
        ),
        (
            [("p,a", "down"), ("p,b", "refused"), ("p,c", "down"), ("p,d", "down")],
            "p,a, p,c and p,d: down; p,b: refused",
        ),
        # a model tried again after a short Retry-After is named once per reason
        ([("p,a", "slow down"), ("p,a", "slow down")], "p,a: slow down"),
    ],
)
def test_each_distinct_reason_is_said_once_after_the_models_that_gave_it(
    attempts: list[tuple[str, str]], said: str
) -> None:
    assert failures_by_reason([Attempt(target, 500, reason) for target, reason in attempts]) == said
