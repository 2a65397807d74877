from __future__ import annotations

import json
import math
from typing import Any

import pytest

from ccrouter.config.jsonc_spans import JSONCError, Node, parse

PLAIN_JSON = [
    '{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
    "[]",
    "{}",
    '"just a string"',
    "-12.5e3",
    '{"esc": "\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00"}',
    '{"unicode": "héllo — 日本"}',
    '{"big": 123456789012345678901234567890}',
    '{"dup": 1, "dup": 2}',
    "  \n\t[ 1 , 2 ]  \n",
]


@pytest.mark.parametrize("text", PLAIN_JSON)
def test_plain_json_parses_like_the_standard_library(text: str) -> None:
    assert parse(text).value == json.loads(text)


def test_every_node_span_covers_exactly_its_source_text() -> None:
    text = '{ "a" : [1, "two", {"b": null}] , c: \'x\' /* note */ }'
    root = parse(text)
    assert text[root.start : root.end] == text.strip()
    array = root.entries[0].node
    assert text[array.start : array.end] == '[1, "two", {"b": null}]'
    assert [text[e.node.start : e.node.end] for e in array.entries] == [
        "1",
        '"two"',
        '{"b": null}',
    ]
    c = root.entries[1]
    assert (c.key, text[c.start : c.node.end]) == ("c", "c: 'x'")


def test_entries_record_the_comma_that_follows_them() -> None:
    text = "[1, 2 /* c */ , 3,]"
    entries = parse(text).entries
    assert [e.comma for e in entries] == [2, 14, 17]
    assert all(text[e.comma] == "," for e in entries if e.comma is not None)
    assert parse("[1, 2]").entries[-1].comma is None


def test_kinds() -> None:
    root = parse('{"o": {}, "a": [], "s": 1}')
    assert [e.node.kind for e in root.entries] == ["object", "array", "scalar"]
    assert root.kind == "object"


def test_json5_extras() -> None:
    text = """\ufeff// leading comment
    {
      unquoted_$key: 'single \\'quoted\\' "string"',
      /* block
         comment */
      "trailing": [1, 2, 3,],
      hex: 0x1F, neg_hex: -0xff, lead: .5, trail: 5., plus: +1,
      inf: Infinity, ninf: -Infinity, exp: 1e3,
    }"""
    value: dict[str, Any] = parse(text).value
    assert value["unquoted_$key"] == "single 'quoted' \"string\""
    assert value["trailing"] == [1, 2, 3]
    assert (value["hex"], value["neg_hex"], value["lead"], value["trail"]) == (31, -255, 0.5, 5.0)
    assert (value["plus"], value["inf"], value["ninf"], value["exp"]) == (
        1,
        math.inf,
        -math.inf,
        1e3,
    )
    assert math.isnan(parse("NaN").value)


def test_comment_markers_inside_strings_are_text() -> None:
    assert parse('{"url": "http://x/*y*/"}').value == {"url": "http://x/*y*/"}


def test_duplicate_keys_last_one_wins() -> None:
    assert parse("{a: 1, a: 2}").value == {"a": 2}


def test_lone_surrogate_escape_is_kept_like_json_loads() -> None:
    assert parse('"\\ud800x"').value == json.loads('"\\ud800x"')


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}' after an object member"),
        ("[1 2]", 1, 4, "expected ',' or ']' after an array element"),
        ('{\n  "a": "open\n}', 2, 8, "unterminated string"),
        ("{\n /* never closed", 2, 2, "unterminated /* comment"),
        ('{"a": 1', 1, 8, "the '{' at line 1, column 1 is never closed"),
        ("[1,,2]", 1, 4, "expected a value before ','"),
        ('{"a": }', 1, 7, "expected a value before '}'"),
        ("{,}", 1, 2, "expected a key"),
        ('{"a" 1}', 1, 6, "expected ':' after the key 'a'"),
        ('{"a": yes}', 1, 7, "unexpected 'yes'; strings must be in quotes"),
        ('{"a": 12abc}', 1, 7, "unexpected '12abc'"),
        ('"\\x41"', 1, 2, "invalid escape '\\x'"),
        ('"\\u12"', 1, 2, "invalid \\u escape"),
        ("", 1, 1, "the file is empty"),
        ("  // only a comment\n", 2, 1, "the file is empty"),
        ("{} {}", 1, 4, "unexpected text after the end of the document"),
        ("{\"a\": 1, 'b': @}", 1, 15, "unexpected character '@'"),
    ],
)
def test_errors_point_at_the_problem(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(JSONCError) as info:
        parse(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert fragment in info.value.message
    assert str(info.value).startswith(f"line {line}, column {column}: ")


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse("{")


def test_deep_nesting_is_a_clean_error() -> None:
    with pytest.raises(JSONCError, match="nested too deeply"):
        parse("[" * 100_000)


def test_node_is_immutable() -> None:
    node: Node = parse("1")
    with pytest.raises(AttributeError):
        node.start = 3  # type: ignore[misc]
