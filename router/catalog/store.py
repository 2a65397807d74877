"""The fetched catalogs on disk: ``<ccrouter home>/catalog.json``, one entry per models URL.

    {"version": 1, "entries": {"<models url>": {"fetched_at": <unix s>, "models": [{facts}...]}}}

Read once when the server starts (in the background, after it answers ``/health``) and by
``ccrouter models``; written after every successful fetch, atomically (temp file + rename), so
a reader never sees half a file. A missing, unreadable or foreign file reads as empty: the
catalog is then unknown, and nothing is gated on it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from ccrouter.catalog.facts import ModelFacts, facts_from_json, facts_to_json
from ccrouter.home import ccrouter_home

VERSION = 1


@dataclass(frozen=True)
class Fetched:
    """One provider's model list as fetched from ``url`` at ``fetched_at``."""

    url: str
    fetched_at: float
    models: Mapping[str, ModelFacts] = field(default_factory=lambda: MappingProxyType({}))

    def age_s(self, now: float) -> float:
        return now - self.fetched_at


def cache_path() -> Path:
    return ccrouter_home() / "catalog.json"


def read_cache(path: Path) -> dict[str, Fetched]:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    entries = data.get("entries")
    out: dict[str, Fetched] = {}
    for url, entry in entries.items() if isinstance(entries, dict) else ():
        fetched = _entry(url, entry)
        if fetched is not None:
            out[url] = fetched
    return out


def _entry(url: str, entry: Any) -> Fetched | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("fetched_at"), int | float):
        return None
    models = entry.get("models")
    facts = (
        [facts_from_json(m) for m in models if isinstance(m, dict)]
        if isinstance(models, list)
        else []
    )
    by_id = {f.id: f for f in facts if f.id}
    return Fetched(url, float(entry["fetched_at"]), MappingProxyType(by_id))


def write_cache(path: Path, entries: Mapping[str, Fetched]) -> None:
    """Replace the file with ``entries``; ``OSError`` when the folder cannot be written."""
    data = {
        "version": VERSION,
        "entries": {
            url: {
                "fetched_at": fetched.fetched_at,
                "models": [facts_to_json(f) for f in fetched.models.values()],
            }
            for url, fetched in entries.items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".catalog-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(orjson.dumps(data))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
