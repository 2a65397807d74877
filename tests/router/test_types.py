"""ccrouter.types: a leaf every module may import, and wire shapes that match what ccrouter sends."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from ccrouter import types
from ccrouter.errors import InvalidRequestError, error_event_data, to_anthropic_error

SOURCE = Path(__file__).resolve().parents[2] / "router" / "types.py"


def test_types_is_a_leaf() -> None:
    tree = ast.parse(SOURCE.read_text("utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "collections.abc", "typing"}


def test_error_body_keys_match_what_ccrouter_sends() -> None:
    hints = typing.get_type_hints(types.AnthropicErrorBody)
    detail = typing.get_type_hints(types.ErrorDetail)
    body = to_anthropic_error(InvalidRequestError("bad"), request_id="req_1").body
    assert set(body) == set(hints)
    assert set(body["error"]) == set(detail)
    assert (
        set(error_event_data(InvalidRequestError("bad")))
        == types.AnthropicErrorBody.__required_keys__
    )
