"""ccrouter.userfiles: one loader for custom routers and user transformers."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from ccrouter.errors import PluginError
from ccrouter.userfiles import UserFileError, load_user_module, what_happened

PREFIX = "ccrouter_test_userfile"

DATACLASSES = """
from __future__ import annotations
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Rule:
    word: str
    tags: list[str] = field(default_factory=list)

RULE = Rule("sql")
"""


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def loaded_names() -> set[str]:
    return {name for name in sys.modules if name.startswith(PREFIX)}


@pytest.fixture(autouse=True)
def _forget_test_modules() -> None:
    for name in loaded_names():
        del sys.modules[name]


def test_dataclasses_with_postponed_annotations_work(tmp_path: Path) -> None:
    module = load_user_module(write(tmp_path, "rules.py", DATACLASSES), PREFIX)
    assert module.RULE.word == "sql" and module.RULE.tags == []
    assert module.__name__.startswith(f"{PREFIX}_rules_")
    assert sys.modules[module.__name__] is module  # stays registered: typing look-ups later work


def test_an_unchanged_file_keeps_its_name_and_an_edit_gets_a_new_one(tmp_path: Path) -> None:
    path = write(tmp_path, "r.py", "X = 1\n")
    first, again = load_user_module(path, PREFIX), load_user_module(path, PREFIX)
    assert first.__name__ == again.__name__ and first is not again  # a fresh module each time
    path.write_text("X = 2\n")
    edited = load_user_module(path, PREFIX)
    assert edited.__name__ != first.__name__ and edited.X == 2


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("raise RuntimeError('configure me')\n", "RuntimeError: configure me"),
        ("import ccrouter_no_such_module\n", "ModuleNotFoundError: No module named"),
        ("import sys\nsys.exit('no config')\n", "SystemExit: no config"),
        ("x = 1\ndef route(request)\n", "SyntaxError: "),
    ],
    ids=["raises", "import", "sys-exit", "syntax"],
)
def test_a_failure_names_the_file_and_what_happened(tmp_path: Path, source: str, what: str) -> None:
    path = write(tmp_path, "bad.py", source)
    with pytest.raises(UserFileError) as caught:
        load_user_module(path, PREFIX)
    assert str(caught.value).startswith(f"bad.py: {what}")
    assert caught.value.what.startswith(what) and caught.value.path == path
    assert isinstance(caught.value, PluginError)
    assert loaded_names() == set()  # the half-run module is gone


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(UserFileError, match="line 2"):
        load_user_module(write(tmp_path, "bad.py", "x = 1\ndef route(request)\n"), PREFIX)


def test_a_failed_load_keeps_the_earlier_load_of_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = "import os\nif os.environ.get('CCROUTER_TEST_FAIL'):\n    raise RuntimeError('now')\n"
    path = write(tmp_path, "flaky.py", source)
    good = load_user_module(path, PREFIX)
    monkeypatch.setenv("CCROUTER_TEST_FAIL", "1")
    with pytest.raises(UserFileError, match="RuntimeError: now"):
        load_user_module(path, PREFIX)
    assert sys.modules[good.__name__] is good


@pytest.mark.parametrize(
    ("name", "what"),
    [("router.txt", "not a Python file"), ("missing.py", "cannot be read: FileNotFoundError")],
)
def test_a_file_that_is_not_python_or_missing(tmp_path: Path, name: str, what: str) -> None:
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("def route(request):\n    return None\n")
    with pytest.raises(UserFileError, match=f"^{name}: {what}"):
        load_user_module(path, PREFIX)


def test_what_happened_is_one_line_without_the_file_name_twice(tmp_path: Path) -> None:
    assert what_happened(KeyError("route")) == "KeyError: 'route'"
    assert what_happened(UserFileError(tmp_path / "r.py", "RuntimeError: x")) == "RuntimeError: x"
