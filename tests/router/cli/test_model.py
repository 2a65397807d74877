"""``ccrouter model``: listing, ``model set`` on a commented config, the interactive menus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccrouter.cli.common import CLIError
from ccrouter.cli.main import main
from ccrouter.cli.model import interactive, set_route
from ccrouter.config.jsonc import loads
from ccrouter.config.model import Target, load_config
from tests.router.cli.support import free_port, write_config


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = write_config(tmp_path, free_port())
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CCROUTER_CONFIG", str(path))
    yield path


def test_listing_marks_the_routes_each_model_serves(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "list"]) == 0
    out = capsys.readouterr().out
    assert f"config: {config}" in out
    assert "model-a  ← default" in out.replace("      ", "  ")
    assert "default (fallback 1), background" in out
    assert "deepseek/deepseek-r1" in out
    assert "default      local,model-a → local,model-b" in out
    assert "longContext  (not set)" in out
    assert "sk-or-v1" not in out


def test_model_without_a_terminal_only_lists(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model"]) == 0  # pytest's stdin is not a TTY: no menu, no input() call
    assert "Routes:" in capsys.readouterr().out


def test_set_keeps_comments_vars_and_fallbacks(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = config.read_text()
    assert main(["model", "set", "default", "openrouter,deepseek/deepseek-r1"]) == 0
    after = config.read_text()
    out = capsys.readouterr().out
    assert "Router.default = openrouter,deepseek/deepseek-r1 (fallbacks kept: local,model-b)" in out
    assert "the change applies when ccrouter starts" in out
    assert "// ccrouter test config" in after
    assert "/* primary, then a fallback */" in after
    assert '"$CCROUTER_TEST_LOCAL_KEY", // a $VAR reference' in after
    assert after.replace(
        '"openrouter,deepseek/deepseek-r1", "local,model-b"', ""
    ) == before.replace('"local,model-a", "local,model-b"', "")
    routes = load_config(config).routes
    assert routes["default"] == (
        Target("openrouter", "deepseek/deepseek-r1"),
        Target("local", "model-b"),
    )


def test_set_a_string_route_and_a_new_route(config: Path) -> None:
    set_route(config, "think", "local,model-a")
    set_route(config, "LONGCONTEXT", "openrouter,deepseek/deepseek-r1")
    raw = loads(config.read_text())
    assert raw["Router"]["think"] == "local,model-a"
    assert raw["Router"]["longContext"] == "openrouter,deepseek/deepseek-r1"
    assert load_config(config).routes["longContext"][0] == Target(
        "openrouter", "deepseek/deepseek-r1"
    )


def test_provider_name_is_matched_case_insensitively(config: Path) -> None:
    target, lines = set_route(config, "image", "LOCAL,model-b")
    assert target == "local,model-b"
    assert not any(line.startswith("note:") for line in lines)


def test_a_model_outside_the_list_gets_a_note(config: Path) -> None:
    _, lines = set_route(config, "webSearch", "openrouter,some/other-model")
    assert "note: some/other-model is not in openrouter's models list" in lines[0]


def test_unknown_provider_is_refused(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = config.read_text()
    assert main(["model", "set", "think", "nope,x"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        f"ccrouter: provider 'nope' is not in {config} (providers: local, openrouter)"
    )
    assert config.read_text() == before


@pytest.mark.parametrize(
    ("route", "target", "message"),
    [
        ("thinking", "local,model-a", "unknown route 'thinking'"),
        ("think", "model-a", "expected provider,model"),
    ],
)
def test_bad_arguments(config: Path, route: str, target: str, message: str) -> None:
    with pytest.raises(CLIError, match=message):
        set_route(config, route, target)


def test_set_without_a_config_writes_the_default_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new" / "config.json"
    monkeypatch.setenv("CCROUTER_CONFIG", str(path))
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path / "home"))
    assert main(["model", "set", "background", "openrouter,moonshotai/kimi-k2"]) == 0
    assert f"wrote the default config to {path}" in capsys.readouterr().out
    raw = json.loads(path.read_text())
    assert raw["Router"]["background"][0] == "openrouter,moonshotai/kimi-k2"
    assert raw["Providers"][0]["api_key"] == "$OPENROUTER_API_KEY"


def test_a_symlinked_config_is_edited_where_it_lives(tmp_path: Path) -> None:
    real = write_config(tmp_path, free_port())
    link = tmp_path / "link.json"
    link.symlink_to(real)
    set_route(link, "think", "local,model-a")
    assert link.is_symlink()
    assert loads(real.read_text())["Router"]["think"] == "local,model-a"


def test_interactive_menus(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["9", "3", "2"])  # a wrong number, then route 3 (think), model 2 (model-b)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert interactive(config, load_config(config)) == 0
    out = capsys.readouterr().out
    assert "type a number from 1 to 8" in out
    assert "Router.think = local,model-b" in out
    assert loads(config.read_text())["Router"]["think"] == "local,model-b"


def test_interactive_typed_target_and_quit(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["6", "5", "openrouter,x/vision"])  # image, "other", typed by hand
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert interactive(config, load_config(config)) == 0
    assert loads(config.read_text())["Router"]["image"] == "openrouter,x/vision"
    monkeypatch.setattr("builtins.input", lambda prompt="": "q")
    before = config.read_text()
    assert interactive(config, load_config(config)) == 0
    assert config.read_text() == before


def test_interactive_eof_is_a_clean_exit(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    assert interactive(config, load_config(config)) == 130
