"""Secrets are masked; every line is one line; logging is set up once."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import pytest

from ccrouter import redact
from ccrouter.log import escape_line, log_request, mask, request_log, setup_logging, timestamp


def test_mask_never_shows_a_usable_secret() -> None:
    assert mask("sk-or-v1-abcdefghijklmnop") == "sk-o…(25 chars)"
    assert mask("$OPENROUTER_API_KEY") == "$OPENROUTER_API_KEY"
    assert mask(None) == "(none)"


def test_setup_is_idempotent() -> None:
    setup_logging("debug")
    setup_logging("info")
    logger = logging.getLogger("ccrouter")
    assert sum(1 for h in logger.handlers if getattr(h, "_ccrouter", False)) == 1
    assert logger.level == logging.INFO


def test_lines_are_batched_but_never_lost() -> None:
    import io

    from ccrouter.log import _BufferedHandler

    handler = _BufferedHandler()
    handler.stream = io.StringIO()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("ccrouter.test-batching")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.warning("urgent")  # WARNING and up are written at once
        assert handler.stream.getvalue() == "urgent\n"
        logger.info("later")
        assert handler.stream.getvalue() == "urgent\n"
        handler.flush()  # the timer (or exit) does this
        assert handler.stream.getvalue() == "urgent\nlater\n"
    finally:
        logger.removeHandler(handler)


def _own_handler() -> Any:
    from ccrouter.log import _BufferedHandler

    (handler,) = [h for h in logging.getLogger("ccrouter").handlers if getattr(h, "_ccrouter", 0)]
    assert isinstance(handler, _BufferedHandler)
    return handler


def test_request_line_written_directly_reads_as_logging_would_write_it() -> None:
    setup_logging("info")
    handler = _own_handler()
    handler.stream = io.StringIO()
    log_request("req_1 route=default status=ok")
    request_log.warning("req_2 through logging")  # urgent: flushes both, in order
    direct, via_logging = handler.stream.getvalue().splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
    assert re.fullmatch(stamp + "INFO ccrouter.request req_1 route=default status=ok", direct)
    assert re.fullmatch(stamp + "WARNING ccrouter.request req_2 through logging", via_logging)


def test_request_line_goes_through_logging_when_anything_else_listens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    setup_logging("info")
    handler = _own_handler()
    handler.stream = io.StringIO()
    extra = logging.Handler()
    seen: list[str] = []
    extra.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    request_log.addHandler(extra)
    try:
        log_request("req_3 route=think")
    finally:
        request_log.removeHandler(extra)
    handler.flush()
    assert seen == ["req_3 route=think"]
    assert "req_3 route=think" in handler.stream.getvalue()  # still in ccrouter's own log too


def test_timestamp_matches_logging_format_and_milliseconds() -> None:
    assert timestamp(0.5).endswith(",500")
    assert timestamp(1.999).endswith(",999")
    assert timestamp(2.0).endswith(",000")


def test_no_value_can_forge_a_line() -> None:
    assert escape_line("route=default model=a,b") == "route=default model=a,b"
    forged = "model=openrouter,a\r\n2026-01-01 00:00:00,000 INFO ccrouter.request req_x status=ok"
    assert "\n" not in escape_line(forged) and "\r" not in escape_line(forged)
    assert escape_line(forged).startswith("model=openrouter,a\\r\\n2026")
    assert escape_line("a\x1b[31mred\u2028b\x85c\td") == "a\\x1b[31mred\\u2028b\\x85c\\td"


def test_the_request_line_and_every_message_stay_one_line() -> None:
    setup_logging("info")
    handler = _own_handler()
    handler.stream = io.StringIO()
    log_request("req_1 model=a\nFAKE status=ok")
    logging.getLogger("ccrouter.dispatch").warning(
        "attempt %s failed: %s", "p,m\r\nX", "up\nstream"
    )
    lines = handler.stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("req_1 model=a\\nFAKE status=ok")
    assert lines[1].endswith("attempt p,m\\r\\nX failed: up\\nstream")


def test_messages_are_redacted_with_the_requests_secrets_and_patterns() -> None:
    setup_logging("info")
    handler = _own_handler()
    handler.stream = io.StringIO()
    logger = logging.getLogger("ccrouter.dispatch")
    token = redact.use(redact.Redactor(["plain-config-key"]))
    try:
        logger.warning("upstream said: bad key plain-config-key / gsk_abcdefgh1234")
        try:
            raise ValueError("boom plain-config-key")
        except ValueError:
            logger.exception("unexpected")
    finally:
        redact.reset(token)
    logger.warning("outside a request: plain-config-key, but sk-or-v1-abcdef is a pattern")
    text = handler.stream.getvalue()
    assert "gsk_abcdefgh" not in text and "sk-or-v1-abcdef" not in text
    assert text.count("plain-config-key") == 1  # only outside the request, not a known secret
    assert "boom [redacted]" in text and "Traceback" in text
