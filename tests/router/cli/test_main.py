"""``ccrouter`` itself: help for every command, --version, errors as lines, the serve path."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccrouter import __version__
from ccrouter.cli.common import CLIError
from ccrouter.cli.main import build_parser, config_path_from, main
from ccrouter.errors import ConfigError, ConfigProblem
from tests.router.cli.support import cli_env, free_port, run_cli, write_config

COMMANDS = [
    ["code"],
    ["start"],
    ["stop"],
    ["restart"],
    ["status"],
    ["pid"],
    ["log"],
    ["serve"],
    ["model"],
    ["config"],
    ["config", "path"],
    ["config", "show"],
    ["config", "validate"],
    ["config", "init"],
    ["explain"],
    ["statusline"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ccrouter " + command[0])
    assert len(out.splitlines()) >= 3


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in {c[0] for c in COMMANDS}:
        assert f"    {command}" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"ccrouter {__version__}\n"


def test_version_through_python_dash_m(tmp_path: Path) -> None:
    env = cli_env(tmp_path, write_config(tmp_path, free_port()))
    result = run_cli(["--version"], env)
    assert result.stdout.strip() == f"ccrouter {__version__}"


def test_a_reader_that_left_is_not_an_error(tmp_path: Path) -> None:
    """`ccrouter status | head -1`: no 'Broken pipe' message and exit 0 when the reader is gone."""
    env = cli_env(tmp_path, write_config(tmp_path, free_port()))
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to the pipe now fails with EPIPE
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ccrouter", "--help"],
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 0


def failing(exc: Exception) -> argparse.Namespace:
    def func(args: argparse.Namespace) -> int:
        raise exc

    return argparse.Namespace(command="x", func=func, config=None)


@pytest.mark.parametrize(
    ("exc", "code", "expected"),
    [
        (CLIError("plain failure", 4), 4, "ccrouter: plain failure\n"),
        (
            ConfigError(
                "config.json has 2 problem(s)",
                [ConfigProblem("PORT", "bad"), ConfigProblem("", "worse")],
            ),
            2,
            "ccrouter: config.json has 2 problem(s)\n  PORT: bad\n  (root): worse\n",
        ),
        (
            FileNotFoundError(2, "No such file or directory", "/x"),
            1,
            "ccrouter: No such file or directory /x\n",
        ),
        (
            ValueError("odd"),
            1,
            "ccrouter: unexpected error: ValueError: odd (set CCROUTER_DEBUG=1 for the traceback)\n",
        ),
    ],
)
def test_errors_are_lines_not_tracebacks(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    exc: Exception,
    code: int,
    expected: str,
) -> None:
    monkeypatch.delenv("CCROUTER_DEBUG", raising=False)
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", lambda self, argv=None: failing(exc))
    assert main(["anything"]) == code
    assert capsys.readouterr().err == expected


def test_error_output_masks_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, free_port(), apikey="very-secret-inbound")
    monkeypatch.setenv("CCROUTER_CONFIG", str(config))
    leak = CLIError('boom very-secret-inbound and {"api_key": "sk-or-v1-012345')
    monkeypatch.setattr(
        argparse.ArgumentParser, "parse_args", lambda self, argv=None: failing(leak)
    )
    assert main(["x"]) == 1
    err = capsys.readouterr().err
    assert "very-secret-inbound" not in err
    assert "sk-or-v1-012345" not in err
    assert "very…(19 chars)" in err


def test_serve_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "missing.json"
    monkeypatch.setenv("CCROUTER_CONFIG", str(missing))
    # A missing default is still passed on (so the server can watch for it to appear) …
    assert config_path_from(argparse.Namespace(config=None)) == missing
    # … but a missing --config is an error.
    with pytest.raises(ConfigError, match="does not exist"):
        config_path_from(argparse.Namespace(config=str(missing)))


def test_parser_builds() -> None:
    assert build_parser().prog == "ccrouter"
