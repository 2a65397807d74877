"""The config page's file work: masking, unmasking on save, checking, diff, atomic write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ccrouter.ui import configpage

SECRET = "sk-or-v1-real-secret-value-123456"
TEXT = """{
  // my config
  "Providers": [
    {
      "name": "openrouter",
      "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
      "api_key": "SECRET", // the real key
      "models": ["a/b", "c/d"],
    },
    {"name": "other", "api_base_url": "http://127.0.0.1:9/v1", "api_key": "$OTHER_KEY", "models": ["x"]},
  ],
  "Router": {"default": "openrouter,a/b"},
  "CUSTOM_ROUTER_DIR": "none-here",
}
""".replace("SECRET", SECRET)


def test_masked_hides_secrets_and_keeps_comments_and_vars() -> None:
    shown = configpage.masked(TEXT)
    assert SECRET not in shown and "sk-o…" in shown
    assert "// my config" in shown and "$OTHER_KEY" in shown
    assert configpage.masked("{not json") == "{not json"


def test_unmask_puts_the_real_secret_back_only_where_it_stays_masked() -> None:
    edited = configpage.masked(TEXT).replace('"openrouter,a/b"', '"openrouter,c/d"')
    restored = configpage.unmask(edited, TEXT)
    assert SECRET in restored and '"openrouter,c/d"' in restored and "// the real key" in restored
    replaced = configpage.masked(TEXT).replace("sk-o…", "sk-new-")
    assert SECRET not in configpage.unmask(replaced, TEXT)  # a new value is the user's
    assert configpage.unmask("{broken", TEXT) == "{broken"


def test_check_lists_the_problems_config_validate_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTHER_KEY", "x" * 10)
    path = tmp_path / "config.json"
    path.write_text(TEXT)
    assert configpage.check(TEXT, path).ok
    bad = configpage.check(TEXT.replace('"openrouter,a/b"', '"nope,a/b"'), path)
    assert not bad.ok and "unknown provider 'nope'" in bad.problems[0]
    broken = configpage.check("{", path)
    assert not broken.ok and ".ccrouter-check" not in " ".join(broken.problems)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]  # probe removed
    leaked = configpage.check(
        TEXT.replace('"models": ["a/b"', f'"models": [{{"id": 5, "api_key": "{SECRET}"}}'), path
    )
    assert SECRET not in " ".join(leaked.problems)


def test_diff_and_version() -> None:
    diff = configpage.diff("a\nb\n", "a\nc\n", "config.json")
    assert "-b\n" in diff and "+c\n" in diff and "config.json (saved)" in diff
    assert configpage.diff("same\n", "same\n", "x") == ""
    assert configpage.version_of("a") != configpage.version_of("b")


def test_write_atomically_keeps_the_mode_and_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.json"
    real.parent.mkdir()
    real.write_text("{}")
    os.chmod(real, 0o640)
    link = tmp_path / "config.json"
    link.symlink_to(real)
    configpage.write_atomically(link, '{"PORT": 1}')
    assert link.is_symlink() and real.read_text() == '{"PORT": 1}'
    assert real.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "new" / "config.json"
    configpage.write_atomically(fresh, "{}")
    assert fresh.stat().st_mode & 0o777 == 0o600
    assert configpage.current_text(tmp_path / "missing.json").startswith("{")
