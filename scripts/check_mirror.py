"""Every source module has a test module: router/x.py -> tests/router/test_x.py (or test_x_*.py).

Run by tests/test_layout.py; also usable alone: python scripts/check_mirror.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Modules whose behaviour is covered elsewhere, each with the reason.
EXEMPT = {
    "router/__init__.py": "version only",
    "router/__main__.py": "one line; covered by the CLI tests",
    "transformers/__init__.py": "docstring only",
}


def missing() -> list[str]:
    out = []
    for folder in ("router", "transformers"):
        for source in sorted((ROOT / folder).glob("*.py")):
            rel = f"{folder}/{source.name}"
            if rel in EXEMPT:
                continue
            tests = ROOT / "tests" / folder
            stem = source.stem
            if not (tests / f"test_{stem}.py").exists() and not list(
                tests.glob(f"test_{stem}_*.py")
            ):
                out.append(f"{rel} has no tests/{folder}/test_{stem}.py")
    return out


if __name__ == "__main__":
    problems = missing()
    print("\n".join(problems) or "every module has a test module")
    sys.exit(1 if problems else 0)
