"""Tests mirror the source tree, both ways.

- every module has a test module: ``router/routing/rules.py`` -> ``tests/router/routing/test_rules.py``
  (or ``test_rules_*.py``); a package's ``__init__.py`` -> ``test_<package>.py`` beside the folder;
- every ``test_*.py`` under ``tests/router`` and ``tests/transformers`` names a module that exists
  (``test_rules_live.py`` belongs to ``rules.py``), so a test cannot outlive a moved module.

Run by tests/test_layout.py; also usable alone: python scripts/check_mirror.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("router", "transformers")
# Modules whose behaviour is covered elsewhere, each with the reason.
EXEMPT = {
    "router/__init__.py": "version only",
    "router/__main__.py": "one line; covered by the CLI tests",
    "router/testing/fake/__main__.py": "one line; tests/router/testing/fake/test_app.py runs it",
    "transformers/__init__.py": "docstring only",
}


def _is_empty_package(source: Path) -> bool:
    return source.name == "__init__.py" and not source.read_text("utf-8").strip()


def _expected_test(source: Path) -> Path:
    """Where the test module of one source module lives (no suffix)."""
    rel = source.relative_to(ROOT)
    if source.name == "__init__.py":
        return ROOT / "tests" / rel.parent.parent / f"test_{rel.parent.name}.py"
    return ROOT / "tests" / rel.parent / f"test_{source.stem}.py"


def _sources() -> list[Path]:
    out = []
    for folder in FOLDERS:
        for source in sorted((ROOT / folder).rglob("*.py")):
            rel = source.relative_to(ROOT).as_posix()
            if rel in EXEMPT or _is_empty_package(source) or "__pycache__" in rel:
                continue
            out.append(source)
    return out


def missing() -> list[str]:
    out = []
    for source in _sources():
        expected = _expected_test(source)
        if expected.exists() or list(expected.parent.glob(f"{expected.stem}_*.py")):
            continue
        out.append(
            f"{source.relative_to(ROOT)} has no {expected.relative_to(ROOT)} (or {expected.stem}_*.py)"
        )
    return out


def orphans() -> list[str]:
    """Test modules whose source module no longer exists."""
    owners = {_expected_test(source).with_suffix("") for source in _sources()}
    out = []
    for folder in FOLDERS:
        for test in sorted((ROOT / "tests" / folder).rglob("test_*.py")):
            stem = test.with_suffix("")
            parts = stem.name.split("_")
            # test_a_b_c.py may belong to a.py, a_b.py or a_b_c.py: any prefix that exists.
            candidates = {stem.with_name("_".join(parts[:i])) for i in range(2, len(parts) + 1)}
            if not candidates & owners:
                out.append(f"{test.relative_to(ROOT)} tests no module that exists")
    return out


if __name__ == "__main__":
    problems = missing() + orphans()
    print("\n".join(problems) or "every module has a test module and every test module a module")
    sys.exit(1 if problems else 0)
