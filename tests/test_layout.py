"""Project layout: mirrored tests, the installed names, the example config."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ccrouter.config.load import read_raw, schema_problems
from ccrouter.config.model import load_config

ROOT = Path(__file__).resolve().parents[1]


def test_every_module_has_a_mirrored_test_module() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from check_mirror import missing
    finally:
        sys.path.pop(0)
    assert missing() == []


def test_config_example_validates_and_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-example")
    raw, _ = read_raw(ROOT / "config.example.json")
    assert schema_problems(raw) == []
    config = load_config(ROOT / "config.example.json")
    assert config.routes["default"][0].model == "deepseek/deepseek-chat"
    assert config.provider("openrouter") is not None


@pytest.mark.slow
def test_wheel_installs_only_the_ccrouter_namespace(tmp_path: Path) -> None:
    """Never the bare names `router` or `transformers` (Hugging Face's would be clobbered)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("ccrouter-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"ccrouter"}
    assert "ccrouter/transformers/base.py" in names
    assert "ccrouter/config/schema.json" in names
    # Every file of the package folders ships: a subpackage missing from pyproject's list (or
    # data missing from package-data) works in the editable install and breaks a real one.
    shipped = set(names)
    for path in _tracked_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("router/"):
            expected = "ccrouter/" + rel.removeprefix("router/")
        elif rel.startswith("transformers/"):
            expected = "ccrouter/" + rel
        else:
            continue
        assert expected in shipped, f"{rel} is not in the wheel: list its package in pyproject.toml"


def _machine_paths() -> re.Pattern[str]:
    """The work folder (its shared and main checkouts included), a shared folder beside the
    repository, root's home: built from pieces so this file does not match itself."""
    folders = (r"(?<![\w.-])/" + "work/", r"\.\./" + "shared", r"(?<![\w.-])/" + "root/")
    return re.compile("|".join(folders))


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def test_no_tracked_file_names_a_machine_path() -> None:
    """The repository stands alone: no test, script or document points outside it."""
    pattern = _machine_paths()
    found = []
    for path in _tracked_files():
        text = path.read_bytes().decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert found == []


def test_no_test_skips_for_missing_fixtures_or_references() -> None:
    """Recorded material comes from the claude_code fixture; nothing may skip without it."""
    skip = re.compile(r"pytest\.skip\(|\.skipif\(|mark\.skip\(")
    material = re.compile(r"is_dir\(|exists\(|shared|fixtures/|reference|recorded|absent", re.I)
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        lines = path.read_text("utf-8").splitlines()
        for index, line in enumerate(lines):
            window = "\n".join(lines[max(0, index - 2) : index + 3])  # condition and reason
            if skip.search(line) and material.search(window):
                found.append(f"{path.relative_to(ROOT)}:{index + 1}: {line.strip()}")
    assert found == []
