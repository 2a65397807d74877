"""finish_reason -> stop_reason, OpenAI usage -> Anthropic usage, upstream errors -> UpstreamError."""

from __future__ import annotations

from typing import Any

import pytest

from ccrouter import redact
from ccrouter.errors import to_anthropic_error
from ccrouter.transformers.chat.vocab import (
    anthropic_usage,
    stop_reason,
    upstream_error_from_body,
    upstream_error_from_object,
)

# --- stop_reason ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finish_reason", "tool_used", "expected"),
    [
        ("stop", False, "end_turn"),
        ("length", False, "max_tokens"),
        ("tool_calls", True, "tool_use"),
        ("function_call", True, "tool_use"),
        ("content_filter", False, "refusal"),
        ("stop", True, "tool_use"),  # providers that say "stop" after tool calls
        ("length", True, "max_tokens"),
        ("tool_calls", False, "end_turn"),  # claimed tool calls, none emitted
        ("eos", False, "end_turn"),
        (None, False, "end_turn"),
    ],
)
def test_stop_reason(finish_reason: str | None, tool_used: bool, expected: str) -> None:
    assert stop_reason(finish_reason, tool_used=tool_used) == expected


# --- usage ---------------------------------------------------------------------------------


def test_input_tokens_exclude_cache_reads_and_writes() -> None:
    usage = {
        "prompt_tokens": 1200,
        "completion_tokens": 80,
        "prompt_tokens_details": {"cached_tokens": 900, "cache_write_tokens": 200},
    }
    assert anthropic_usage(usage) == {
        "input_tokens": 100,
        "output_tokens": 80,
        "cache_creation_input_tokens": 200,
        "cache_read_input_tokens": 900,
    }


def test_input_tokens_never_go_negative() -> None:
    usage = {"prompt_tokens": 10, "prompt_tokens_details": {"cached_tokens": 50}}
    assert anthropic_usage(usage)["input_tokens"] == 0


def test_missing_usage_uses_the_fallbacks() -> None:
    assert anthropic_usage(None, 300, 12) == {
        "input_tokens": 300,
        "output_tokens": 12,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    assert anthropic_usage({"completion_tokens": 5}, 300, 12)["input_tokens"] == 300
    assert anthropic_usage({"prompt_tokens": 7}, 300, 12)["output_tokens"] == 12


def test_deepseek_cache_hit_tokens_count_as_cache_reads() -> None:
    usage = {"prompt_tokens": 100, "completion_tokens": 1, "prompt_cache_hit_tokens": 64}
    assert anthropic_usage(usage)["cache_read_input_tokens"] == 64
    assert anthropic_usage(usage)["input_tokens"] == 36


def test_web_searches_and_reasoning_tokens_are_reported() -> None:
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 40,
        "server_tool_use": {"web_search_requests": 3},
        "completion_tokens_details": {"reasoning_tokens": 25},
    }
    result = anthropic_usage(usage)
    assert result["server_tool_use"] == {"web_search_requests": 3, "web_fetch_requests": 0}
    assert result["output_tokens_details"] == {"thinking_tokens": 25}


def test_non_integer_counts_are_ignored() -> None:
    usage = {"prompt_tokens": "12", "completion_tokens": True, "prompt_tokens_details": None}
    assert anthropic_usage(usage, 5, 6)["input_tokens"] == 5
    assert anthropic_usage(usage, 5, 6)["output_tokens"] == 6


# --- errors --------------------------------------------------------------------------------


def openrouter_body(code: int, message: str, **metadata: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "metadata": metadata}}


@pytest.mark.parametrize(
    ("upstream", "status", "error_type", "retryable"),
    [
        (400, 400, "invalid_request_error", False),
        (422, 400, "invalid_request_error", False),
        (401, 401, "authentication_error", False),
        (402, 402, "billing_error", False),
        (403, 403, "permission_error", False),
        (404, 404, "not_found_error", False),
        (408, 504, "timeout_error", True),
        (413, 413, "request_too_large", False),
        (429, 429, "rate_limit_error", True),
        (500, 500, "api_error", True),
        (502, 500, "api_error", True),
        (503, 529, "overloaded_error", True),
        (504, 504, "timeout_error", True),
        (529, 529, "overloaded_error", True),
        (520, 500, "api_error", True),
    ],
)
def test_upstream_status_maps_to_anthropic_status_type_and_retryability(
    upstream: int, status: int, error_type: str, retryable: bool
) -> None:
    error = upstream_error_from_body(upstream, openrouter_body(upstream, "nope"), None)
    assert (error.status, error.error_type, error.retryable) == (status, error_type, retryable)
    assert error.upstream_status == upstream


def test_message_names_the_provider_status_and_error_type() -> None:
    body = openrouter_body(429, "rate limited", error_type="rate_limit_exceeded")
    error = upstream_error_from_body(429, body, 7.0)
    assert error.message == "openrouter returned 429: rate limited (error_type rate_limit_exceeded)"
    assert error.retry_after == 7.0
    assert to_anthropic_error(error).headers["retry-after"] == "7"


def test_provider_name_and_raw_provider_message_are_included() -> None:
    body = openrouter_body(
        502,
        "Provider returned error",
        provider_name="Chutes",
        raw='{"error": {"message": "CUDA out of memory"}}',
    )
    message = upstream_error_from_body(502, body, None).message
    assert "provider Chutes" in message
    assert "CUDA out of memory" in message


def test_availability_decides_retryability_and_retry_after() -> None:
    body = openrouter_body(
        404,
        "No endpoints available",
        availability={"code": "temporarily_unavailable", "retryable": True, "retry_after": 12},
    )
    error = upstream_error_from_body(404, body, None)
    assert error.retryable
    assert error.retry_after == 12.0


@pytest.mark.parametrize(
    "error_type", ["rate_limit_exceeded", "provider_overloaded", "provider_unavailable", "timeout"]
)
def test_error_type_can_make_an_error_retryable(error_type: str) -> None:
    body = openrouter_body(400, "x", error_type=error_type)
    assert upstream_error_from_body(400, body, None).retryable


def test_context_length_is_flagged_and_worded_like_anthropic() -> None:
    body = openrouter_body(
        400,
        "This endpoint's maximum context length is 131072 tokens",
        error_type="context_length_exceeded",
    )
    error = upstream_error_from_body(400, body, None)
    assert error.context_length
    assert not error.retryable
    assert error.message.startswith("prompt is too long: openrouter returned 400:")


def test_openai_style_string_code_is_read_as_the_error_type() -> None:
    body = {
        "error": {
            "message": "too long",
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
        }
    }
    error = upstream_error_from_body(400, body, None, provider="deepseek")
    assert error.context_length
    assert error.message.startswith("prompt is too long: deepseek returned 400: too long")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"upstream connect error or disconnect", "upstream connect error"),
        ("Bad Gateway", "Bad Gateway"),
        ("<html><body>502 Bad Gateway</body></html>", "an HTML error page"),
        ({"detail": "Not Found"}, "Not Found"),
        ({"message": "plain message"}, "plain message"),
        ({"error": "flat string"}, "flat string"),
        (
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            "Overloaded",
        ),
        ({"unexpected": 1}, '{"unexpected":1}'),
        (None, "no error message"),
        (b"", "no error message"),
    ],
)
def test_other_body_shapes_are_tolerated(body: Any, words: str) -> None:
    error = upstream_error_from_body(503, body, None)
    assert words in error.message
    assert error.status == 529


def test_secrets_never_reach_the_message() -> None:
    body = openrouter_body(
        401,
        "Incorrect API key provided: sk-or-v1-abcdef0123456789. Authorization: Bearer sk-xyz123456",
        raw="api_key=supersecretvalue",
    )
    message = upstream_error_from_body(401, body, None).message
    assert "abcdef0123456789" not in message
    assert "sk-xyz" not in message
    assert "supersecretvalue" not in message
    assert "[redacted]" in message


def test_the_requests_configured_secrets_are_masked_before_the_clip() -> None:
    token = redact.use(redact.Redactor(["plain-groq-key-0123456789"]))
    try:
        text = "x" * 290 + " plain-groq-key-0123456789 AIzaSyA1234567890abcdefghijklm"
        error = upstream_error_from_body(401, {"error": {"message": text}}, None, provider="groq")
        said = upstream_error_from_body(401, "bad key plain-groq-key-0123456789", None)
    finally:
        redact.reset(token)
    assert error.message.startswith("groq returned 401: ")
    assert "plain-groq" not in error.message and "AIza" not in error.message
    assert "plain-groq" not in said.message


def test_long_messages_are_clipped() -> None:
    error = upstream_error_from_body(500, {"error": {"message": "x" * 5000}}, None)
    assert len(error.message) < 400


def test_stream_error_object_without_http_status_uses_its_code() -> None:
    error = upstream_error_from_object({"code": 503, "message": "busy"}, None)
    assert (error.status, error.error_type, error.retryable) == (529, "overloaded_error", True)


def test_stream_error_object_without_code_uses_the_error_type() -> None:
    error = upstream_error_from_object(
        {"message": "slow", "metadata": {"error_type": "rate_limit_exceeded"}}, None
    )
    assert error.status == 429


def test_stream_error_object_without_anything_is_a_retryable_api_error() -> None:
    error = upstream_error_from_object({"message": "?"}, None)
    assert (error.status, error.error_type, error.retryable) == (500, "api_error", True)


def test_string_status_code_and_string_raw_error_are_read() -> None:
    body = {"error": {"code": "429", "message": "m", "metadata": {"raw": {"error": "quota hit"}}}}
    error = upstream_error_from_object(body["error"], None)
    assert error.status == 429
    assert "quota hit" in error.message


def test_non_dict_metadata_is_ignored() -> None:
    error = upstream_error_from_body(500, {"error": {"message": "m", "metadata": "odd"}}, None)
    assert error.message == "openrouter returned 500: m"
