from __future__ import annotations

import difflib
import json
import re
from typing import Any

import pytest

import ccrouter.config.jsonc as jsonc
from ccrouter.config.jsonc import JSONCError, delete_value, loads, set_value

CONFIG = """\
{
  // server
  "HOST": "127.0.0.1",
  "PORT": 3456,
  "APIKEY": "${CCR_LOCAL_KEY}",
  "LOG": true, /* inline block comment */

  "Providers": [
    {
      "name": "openrouter",
      "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
      "api_key": "$OPENROUTER_API_KEY",
      "models": ["anthropic/claude-sonnet-4", "moonshotai/kimi-k2",],
      "transformer": { "use": ["openrouter"] },
    },
    {
      name: 'ollama',
      api_base_url: "http://localhost:11434/v1/chat/completions",
      api_key: "ollama", // must be non-empty or the provider is dropped
      models: ["qwen2.5-coder:latest"]
    }
  ],

  "Router": {
    "default": "openrouter,anthropic/claude-sonnet-4",
    "background": "ollama,qwen2.5-coder:latest", // cheap and local
    "longContextThreshold": 60000,
  },
}
"""

EXPECTED: dict[str, Any] = {
    "HOST": "127.0.0.1",
    "PORT": 3456,
    "APIKEY": "${CCR_LOCAL_KEY}",
    "LOG": True,
    "Providers": [
        {
            "name": "openrouter",
            "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
            "api_key": "$OPENROUTER_API_KEY",
            "models": ["anthropic/claude-sonnet-4", "moonshotai/kimi-k2"],
            "transformer": {"use": ["openrouter"]},
        },
        {
            "name": "ollama",
            "api_base_url": "http://localhost:11434/v1/chat/completions",
            "api_key": "ollama",
            "models": ["qwen2.5-coder:latest"],
        },
    ],
    "Router": {
        "default": "openrouter,anthropic/claude-sonnet-4",
        "background": "ollama,qwen2.5-coder:latest",
        "longContextThreshold": 60000,
    },
}

COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def comments(text: str) -> list[str]:
    return COMMENT.findall(text)


def with_router(**router: Any) -> dict[str, Any]:
    return {**EXPECTED, "Router": router}


# -- loads -------------------------------------------------------------------------------------


def test_loads_reads_a_realistic_commented_config() -> None:
    assert loads(CONFIG) == EXPECTED


def test_loads_plain_json_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def tolerant_parser_must_not_run(text: str) -> object:
        raise AssertionError("plain JSON reached the tolerant parser")

    monkeypatch.setattr(jsonc, "parse", tolerant_parser_must_not_run)
    plain = json.dumps(EXPECTED)
    assert loads(plain) == EXPECTED


def test_loads_leading_bom() -> None:
    assert loads('\ufeff{"a": 1}') == {"a": 1}


def test_loads_reports_line_and_column() -> None:
    broken = CONFIG.replace('"PORT": 3456,', '"PORT": 3456')
    with pytest.raises(JSONCError) as info:
        loads(broken)
    assert (info.value.line, info.value.column) == (5, 3)
    assert "did you forget a comma?" in str(info.value)


# -- set_value: replacing ----------------------------------------------------------------------


def test_set_value_changes_one_line_and_keeps_every_comment() -> None:
    edited = set_value(CONFIG, ["Router", "default"], "openrouter,x/y")
    assert loads(edited) == with_router(**{**EXPECTED["Router"], "default": "openrouter,x/y"})
    assert comments(edited) == comments(CONFIG)
    assert "${CCR_LOCAL_KEY}" in edited and "$OPENROUTER_API_KEY" in edited
    assert changed_lines(CONFIG, edited) == [
        '-    "default": "openrouter,anthropic/claude-sonnet-4",',
        '+    "default": "openrouter,x/y",',
    ]


def test_set_value_is_idempotent() -> None:
    once = set_value(CONFIG, ["Router", "default"], "openrouter,x/y")
    assert set_value(once, ["Router", "default"], "openrouter,x/y") == once
    added = set_value(CONFIG, ["Router", "think"], "a,b")
    assert set_value(added, ["Router", "think"], "a,b") == added


def test_set_value_replaces_inside_arrays_and_unquoted_members() -> None:
    edited = set_value(CONFIG, ["Providers", 1, "models", 0], "llama3")
    assert loads(edited)["Providers"][1]["models"] == ["llama3"]
    assert len(changed_lines(CONFIG, edited)) == 2
    assert (
        loads(set_value(CONFIG, ["Providers", -1, "api_key"], None))["Providers"][1]["api_key"]
        is None
    )


def test_set_value_writes_any_json_value_unicode_unescaped() -> None:
    edited = set_value(CONFIG, ["Router", "default"], {"name": "café", "n": [1, 2]})
    assert '{"name": "café", "n": [1, 2]}' in edited
    assert loads(edited)["Router"]["default"] == {"name": "café", "n": [1, 2]}


def test_set_value_keeps_duplicate_key_semantics() -> None:
    text = '{"a": 1, "a": 2}'
    assert set_value(text, ["a"], 3) == '{"a": 1, "a": 3}'


def test_set_value_replaces_the_root_for_an_empty_path() -> None:
    assert set_value("// c\n[1]\n", [], {"a": 1}) == '// c\n{"a": 1}\n'


# -- set_value: inserting ----------------------------------------------------------------------


def test_set_value_inserts_a_missing_key_after_the_last_member() -> None:
    edited = set_value(CONFIG, ["Router", "think"], "openrouter,deepseek/r1")
    assert loads(edited)["Router"] == {**EXPECTED["Router"], "think": "openrouter,deepseek/r1"}
    assert comments(edited) == comments(CONFIG)
    # The file uses a trailing comma after the last member; so does the new one.
    assert changed_lines(CONFIG, edited) == ['+    "think": "openrouter,deepseek/r1",']


def test_insert_after_a_last_member_without_comma_and_with_a_comment() -> None:
    text = '{\n  "Router": {\n    "default": "a,b" // main model\n  }\n}\n'
    edited = set_value(text, ["Router", "think"], "c,d")
    assert edited == (
        '{\n  "Router": {\n    "default": "a,b", // main model\n    "think": "c,d"\n  }\n}\n'
    )


def test_insert_after_a_multiline_block_comment() -> None:
    text = '{\n    "a": 1 /* one\n       two */\n}'
    assert set_value(text, ["b"], 2) == '{\n    "a": 1, /* one\n       two */\n    "b": 2\n}'


def test_set_value_creates_missing_router_object() -> None:
    text = CONFIG[: CONFIG.index('\n\n  "Router"')] + "\n}\n"
    assert "Router" not in loads(text)
    edited = set_value(text, ["Router", "default"], "openrouter,x/y")
    assert loads(edited)["Router"] == {"default": "openrouter,x/y"}
    assert comments(edited) == comments(text)
    assert edited.endswith('  ],\n  "Router": {\n    "default": "openrouter,x/y"\n  },\n}\n')


def test_set_value_creates_several_levels_inline_in_a_one_line_object() -> None:
    assert set_value('{"a": 1}', ["b", "c", "d"], True) == '{"a": 1, "b": {"c": {"d": true}}}'
    assert set_value("{a: 1,}", ["b"], 2) == '{a: 1, "b": 2,}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", '{\n  "Router": {\n    "default": "p,m"\n  }\n}'),
        ("{ }\n", '{\n  "Router": {\n    "default": "p,m"\n  }\n}\n'),
        ('{"Router": {}}', '{"Router": {"default": "p,m"}}'),
        (
            '{\n\t"Router": {}\n}',
            '{\n\t"Router": {\n\t\t"default": "p,m"\n\t}\n}',
        ),
        (
            '{\n  "Router": {\n    // nothing yet\n  }\n}',
            '{\n  "Router": {\n    // nothing yet\n    "default": "p,m"\n  }\n}',
        ),
    ],
)
def test_set_value_into_empty_objects(text: str, expected: str) -> None:
    assert set_value(text, ["Router", "default"], "p,m") == expected
    assert loads(expected) == {"Router": {"default": "p,m"}}


def test_insert_keeps_windows_line_endings() -> None:
    text = CONFIG.replace("\n", "\r\n")
    edited = set_value(text, ["Router", "think"], "a,b")
    assert "\n" not in edited.replace("\r\n", "")
    assert loads(edited)["Router"]["think"] == "a,b"


def test_insert_matches_four_space_indentation() -> None:
    text = '{\n    "Providers": []\n}'
    assert set_value(text, ["Router", "default"], "p,m") == (
        '{\n    "Providers": [],\n    "Router": {\n        "default": "p,m"\n    }\n}'
    )


# -- set_value: errors -------------------------------------------------------------------------


def test_set_value_errors() -> None:
    with pytest.raises(IndexError):
        set_value(CONFIG, ["Providers", 5, "name"], "x")
    with pytest.raises(TypeError):
        set_value(CONFIG, ["PORT", "x"], 1)
    with pytest.raises(TypeError):
        set_value(CONFIG, ["Router", 0], 1)
    with pytest.raises(KeyError):
        set_value(CONFIG, ["Missing", 0], 1)
    with pytest.raises(TypeError, match="sequence of steps"):
        set_value(CONFIG, "Router", 1)
    with pytest.raises(JSONCError):
        set_value('{"a": 1', ["a"], 2)


# -- delete_value ------------------------------------------------------------------------------


def test_delete_a_middle_member_removes_its_line() -> None:
    edited = delete_value(CONFIG, ["Router", "background"])
    router = dict(EXPECTED["Router"])
    del router["background"]
    assert loads(edited) == with_router(**router)
    assert changed_lines(CONFIG, edited) == [
        '-    "background": "ollama,qwen2.5-coder:latest", // cheap and local'
    ]


def test_delete_the_last_member_takes_the_previous_comma() -> None:
    text = '{\n  "a": 1, // one\n  "b": 2\n}\n'
    assert delete_value(text, ["b"]) == '{\n  "a": 1 // one\n}\n'


def test_delete_inline_members_and_elements() -> None:
    assert delete_value('{"a": 1, "b": 2, "c": 3}', ["b"]) == '{"a": 1, "c": 3}'
    assert delete_value('{"a": 1, "b": 2}', ["b"]) == '{"a": 1}'
    assert delete_value('{"a": 1}', ["a"]) == "{}"
    assert delete_value("[1, 2, 3]", [-1]) == "[1, 2]"
    assert delete_value('{"m": ["x", "y",]}', ["m", 0]) == '{"m": ["y",]}'


def test_delete_removes_every_duplicate_of_a_key() -> None:
    assert delete_value('{"a": 1, "b": 0, "a": 2}', ["a"]) == '{"b": 0}'


def test_delete_errors() -> None:
    with pytest.raises(KeyError):
        delete_value(CONFIG, ["Router", "think"])
    with pytest.raises(IndexError):
        delete_value(CONFIG, ["Providers", 2])
    with pytest.raises(ValueError):
        delete_value(CONFIG, [])


def test_set_then_delete_round_trips() -> None:
    added = set_value(CONFIG, ["Router", "think"], "a,b")
    assert delete_value(added, ["Router", "think"]) == CONFIG
