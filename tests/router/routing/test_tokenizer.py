"""The cl100k_base tokenizer: found offline, built once on first use, never while idle."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccrouter.routing import tokenizer

pytestmark = pytest.mark.usefixtures("fresh_load")


@pytest.fixture
def fresh_load(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(tokenizer.TIKTOKEN_FILE_ENV, raising=False)
    tokenizer.reset_for_tests()
    yield
    tokenizer.reset_for_tests()


def test_the_bundled_file_is_found_without_the_network() -> None:
    path = tokenizer.encoding_file()
    assert path.name == "cl100k_base.tiktoken" and path.parent.parent.name == "tiktoken_ext"


def test_the_status_does_not_build_the_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    monkeypatch.setattr(tokenizer, "_build_encoding", lambda: builds.append(1))
    assert tokenizer.encoding_status() == "tiktoken cl100k_base (loads on first use)"
    assert builds == []


def test_built_once_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    encoding = tokenizer.load_encoding()
    assert encoding is not None and encoding.encode_ordinary("hello world") == [15339, 1917]
    assert tokenizer.encoding_status() == "tiktoken cl100k_base"
    monkeypatch.setattr(tokenizer, "_build_encoding", lambda: pytest.fail("built twice"))
    assert tokenizer.load_encoding() is encoding


def test_a_missing_override_is_none_and_an_estimate_status(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(tokenizer.TIKTOKEN_FILE_ENV, str(tmp_path / "nope.tiktoken"))
    assert tokenizer.encoding_status().startswith("estimate (CCROUTER_TIKTOKEN_FILE=")
    assert tokenizer.load_encoding() is None
    assert "does not exist" in tokenizer.encoding_status()


async def test_warm_builds_once_in_a_thread_while_the_loop_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    builds: list[str] = []
    real = tokenizer._build_encoding

    def build() -> object:
        builds.append(threading.current_thread().name)
        return real()

    monkeypatch.setattr(tokenizer, "_build_encoding", build)
    assert not tokenizer.is_loaded()
    await asyncio.gather(tokenizer.warm(), tokenizer.warm(), tokenizer.warm())
    assert tokenizer.is_loaded() and tokenizer.encoding_status() == "tiktoken cl100k_base"
    assert len(builds) == 1 and builds[0] != threading.main_thread().name
    await tokenizer.warm()  # already built: returns at once
    assert len(builds) == 1
