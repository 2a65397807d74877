"""Project layout: mirrored tests, the installed names, the example config."""

from __future__ import annotations

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
