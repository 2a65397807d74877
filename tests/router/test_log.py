"""Secrets are masked; logging is set up once."""

from __future__ import annotations

import logging

from ccrouter.log import mask, setup_logging


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
