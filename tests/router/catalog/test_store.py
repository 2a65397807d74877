from __future__ import annotations

from pathlib import Path

import pytest

from ccrouter.catalog.facts import ModelFacts, Price
from ccrouter.catalog.store import Fetched, cache_path, read_cache, write_cache


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "home" / "catalog.json"
    facts = ModelFacts("a/m", 1000, 100, True, False, None, Price(1.0, 2.0, None, 3.0))
    entries = {"http://x/models": Fetched("http://x/models", 1234.5, {"a/m": facts})}
    write_cache(path, entries)
    assert read_cache(path) == entries
    assert list(path.parent.iterdir()) == [path]  # no temp file left behind


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"version": 99, "entries": {}}',
        b'{"version": 1, "entries": []}',
    ],
)
def test_unreadable_files_read_as_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes(content)
    assert read_cache(path) == {}


def test_missing_file_and_bad_entries(tmp_path: Path) -> None:
    assert read_cache(tmp_path / "none.json") == {}
    path = tmp_path / "catalog.json"
    path.write_bytes(
        b'{"version": 1, "entries": {"u": {"fetched_at": "x"}, '
        b'"v": {"fetched_at": 5, "models": [{"id": "m"}, 3, {"id": ""}]}}}'
    )
    assert read_cache(path) == {"v": Fetched("v", 5.0, {"m": ModelFacts("m")})}


def test_cache_lives_under_ccrouter_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path))
    assert cache_path() == tmp_path / "catalog.json"


def test_age() -> None:
    assert Fetched("u", 100.0).age_s(150.0) == 50.0
