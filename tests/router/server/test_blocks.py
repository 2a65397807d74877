"""One block at a time: the problem names the field; unknown block types are fine."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ccrouter.server.blocks import MAX_DEPTH, block_problem, depth_problem

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(40))).decode()


def image(data: str, media_type: str = "image/png") -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (PNG, None),
        (PNG[:-2] + "==", None),
        ("", ".source.data: required, a base64 string, got str"),
        ("data:image/png;base64," + PNG, ".source.data: must be the bare base64 data"),
        ("abc", ".source.data: is not valid base64 (its length or padding is wrong)"),
        ("a===", ".source.data: is not valid base64 (its length or padding is wrong)"),
        ("ab=c", ".source.data: is not valid base64 (it contains '=')"),
        ("ab-_", ".source.data: is not valid base64 (it contains '-')"),  # the URL-safe alphabet
        ("aé==", ".source.data: is not valid base64 (its length or padding is wrong)"),
    ],
)
def test_base64_alphabet_and_padding(data: str, problem: str | None) -> None:
    found = block_problem(image(data), "user", set())
    assert found == problem if problem is None else (found or "").startswith(problem)


def test_media_type_is_one_anthropic_takes() -> None:
    problem = block_problem(image(PNG, "image/bmp"), "user", set())
    assert problem is not None and problem.startswith(".source.media_type: must be one of")


def test_a_valid_tool_use_is_remembered_for_the_next_turn() -> None:
    asked: set[str] = set()
    block = {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {}}
    assert block_problem(block, "assistant", asked) is None
    assert asked == {"toolu_1"}
    assert block_problem({"type": "tool_result", "tool_use_id": "toolu_1"}, "user", asked) is None


def test_unknown_block_types_are_accepted() -> None:
    assert block_problem({"type": "server_tool_use", "whatever": [1]}, "assistant", set()) is None


def test_depth_is_counted_in_containers() -> None:
    value: list[Any] = []
    for _ in range(MAX_DEPTH - 1):
        value = [value]
    assert depth_problem(value, ".x") is None
    assert (
        depth_problem([value], ".x") == f".x: nested more than {MAX_DEPTH} levels deep; flatten it"
    )
