from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccrouter.transformers.chat.json_repair import repair_arguments, repair_object


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"command": "ls"}', {"command": "ls"}),
        ("{'command': 'ls -la'}", {"command": "ls -la"}),
        ('{command: "ls", timeout: 5}', {"command": "ls", "timeout": 5}),
        ('{"a": 1, "b": [1, 2,],}', {"a": 1, "b": [1, 2]}),
        (
            "{'flag': True, 'other': False, 'none': None}",
            {"flag": True, "other": False, "none": None},
        ),
        ('{"path": "/tmp/x", "content": "line one', {"path": "/tmp/x", "content": "line one"}),
        ('{"todos": [{"id": 1, "task": "a"', {"todos": [{"id": 1, "task": "a"}]}),
        ('```json\n{"file_path": "a.py"}\n```', {"file_path": "a.py"}),
        ('"{\\"a\\": 1}"', {"a": 1}),  # double-encoded
        ('{"content": "first\nsecond"}', {"content": "first\nsecond"}),  # raw newline in a string
        ("{'text': 'it's fine', 'n': 2}", {"text": "it's fine", "n": 2}),  # apostrophe inside
        ('{"q": "say "hi" now"}', {"q": 'say "hi" now'}),  # unescaped quotes inside
        ("{'s': 'tab\\there \\u00e9'}", {"s": "tab\there é"}),
        ('{"n": -.5, "m": 1.}', {"n": -0.5, "m": 1.0}),
        ('Sure! {"a": 1} is what I will send', {"a": 1}),
        ('{"a": 1, "b', {"a": 1}),  # cut after a key
        ('{"a": ', {}),
    ],
)
def test_repairs_what_models_emit(text: str, expected: dict[str, Any]) -> None:
    assert repair_object(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "no json here", "[1, 2]", "42", '"just a string"', "{]", "{'a' 'b'}", "{@}"]
)
def test_anything_else_is_an_empty_object(text: str) -> None:
    assert repair_object(text) == {}


def test_repair_arguments_is_always_a_json_object_string() -> None:
    for text in ["{'a': 1}", "garbage", "", '{"x": [1, {"y": "z"']:
        value = orjson.loads(repair_arguments(text))
        assert isinstance(value, dict)
    assert repair_arguments("{'a': 1}") == '{"a":1}'
