"""The config page's file work: show the file masked, check an edit, diff it, save it.

The page edits the file's text, never a re-serialised copy, so comments and ``$VAR`` references
stay. Secrets never reach the browser: it gets the text with every secret value masked (what
``ccrouter config show`` prints), and a save puts the real value back wherever the masked one is
still there. An edit is checked by the same code as ``ccrouter config validate`` (written to a
temporary file beside the config, so relative paths mean the same); a save writes the file
atomically (temporary file + rename), and the server's reload takes it from there, keeping the
last good config when the new one is refused.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccrouter.cli.config import masked_text, problems_of
from ccrouter.cli.secrets import PathStep, redact, secret_leaves, secret_values
from ccrouter.config.jsonc import JSONCError, loads, set_value
from ccrouter.config.load import DEFAULT_CONFIG


@dataclass(frozen=True)
class Checked:
    problems: list[str]
    warnings: list[str]
    summary: str

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.__dict__}


def current_text(path: Path) -> str:
    """The file as written; the embedded default (as JSON) when there is no file yet."""
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        return json.dumps(DEFAULT_CONFIG, indent=2) + "\n"


def version_of(text: str) -> str:
    """A short fingerprint of the real text: a save names the version it edited."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _raw(text: str) -> Any:
    try:
        return loads(text)
    except (JSONCError, ValueError):
        return None


def masked(text: str) -> str:
    raw = _raw(text)
    return text if raw is None else masked_text(text, raw)


def unmask(edited: str, real: str) -> str:
    """``edited`` with each masked secret of ``real`` put back where it still stands masked."""
    real_raw, new_raw = _raw(real), _raw(edited)
    if real_raw is None or new_raw is None:
        return edited
    by_mask: dict[str, str | None] = {}
    for _, value, shown in secret_leaves(real_raw):
        # Two secrets masked alike (same prefix and length) cannot be told apart: keep neither.
        by_mask[shown] = value if by_mask.get(shown, value) == value else None
    for path, value in _strings(new_raw, ()):
        real_value = by_mask.get(value)
        if real_value is not None and real_value != value:
            edited = set_value(edited, list(path), real_value)
    return edited


def _strings(value: Any, path: tuple[PathStep, ...]) -> Iterator[tuple[tuple[PathStep, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def check(text: str, path: Path) -> Checked:
    """``ccrouter config validate`` on ``text`` as if it were the file at ``path``."""
    probe = path.with_name(f".{path.name}.{secrets.token_hex(4)}.ccrouter-check")
    hidden = secret_values(_raw(text) or {}) + secret_values(_raw(current_text(path)) or {})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe.write_text(text, "utf-8")
        problems, warnings, summary = problems_of(probe)
    except OSError as exc:
        problems, warnings, summary = [f"cannot check the edit: {exc.strerror or exc}"], [], ""
    finally:
        probe.unlink(missing_ok=True)
    name = probe.name
    shown = [redact(p.replace(name, path.name), hidden) for p in problems]
    return Checked(shown, [redact(w, hidden) for w in warnings], summary)


def diff(before: str, after: str, name: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"{name} (saved)",
        f"{name} (edited)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def write_atomically(path: Path, text: str) -> None:
    """Replace the file in one rename (a reader sees the old or the new file, never half)."""
    real = path.resolve() if path.exists() else path  # a symlinked config is edited where it lives
    real.parent.mkdir(parents=True, exist_ok=True)
    tmp = real.with_name(f".{real.name}.{secrets.token_hex(4)}.ccrouter-tmp")
    tmp.write_text(text, "utf-8")
    try:
        if real.exists():
            os.chmod(tmp, real.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o600)  # it may hold keys
        tmp.replace(real)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
