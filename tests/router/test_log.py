"""Secrets are masked; logging is set up once."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import pytest

from ccrouter.log import log_request, mask, request_log, setup_logging, timestamp


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
