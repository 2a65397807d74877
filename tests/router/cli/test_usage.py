from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest

from ccrouter.cli.main import main
from ccrouter.usage.schema import connect
from ccrouter.usage.store import insert_batch
from tests.router.usage.rows import make_row

NOW = time.time()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ccrouter-home"
    monkeypatch.setenv("CCROUTER_HOME", str(folder))  # no pid file: nothing runs
    monkeypatch.setenv("CCROUTER_CONFIG", str(tmp_path / "no-config.json"))
    return folder


def fill(path: Path) -> None:
    conn = connect(path)
    insert_batch(
        conn,
        [
            make_row(at=NOW - 60, project="~/a", cost_usd=0.25),
            make_row(at=NOW - 30, project="~/a", cost_usd=None, cost_source="unknown"),
            make_row(at=NOW - 10, project="~/b", cost_usd=0.5, status="error 502"),
            make_row(at=NOW - 30 * 86400, project="~/old", cost_usd=9.0),
        ],
    )
    conn.close()


def usage_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["usage", *args, "--json"]) == 0
    loaded: dict[str, Any] = json.loads(capsys.readouterr().out)
    return loaded


def test_json_by_project_from_the_default_ledger(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(home / "usage.db")
    report = usage_json(capsys, "--by", "project", "--since", "24h")
    assert report["by"] == "project" and report["ledger"] == str(home / "usage.db")
    groups = {g["key"]: g for g in report["groups"]}
    assert set(groups) == {"~/a", "~/b"}
    assert groups["~/a"]["requests"] == 2 and groups["~/a"]["cost_usd"] == 0.25
    assert groups["~/a"]["unknown_cost_requests"] == 1
    assert groups["~/b"]["errors"] == 1
    total = report["total"]
    assert (total["requests"], total["cost_usd"], total["input_tokens"]) == (3, 0.75, 300)
    for name in ("output_tokens", "cache_read_tokens", "cache_write_tokens", "since"):
        assert name in total or name in report


def test_since_all_reaches_the_old_rows(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(home / "usage.db")
    assert usage_json(capsys, "--since", "all")["total"]["cost_usd"] == 9.75


def test_the_configs_usage_path(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"Usage": {"path": "ledgers/mine.db"}}')
    fill(tmp_path / "ledgers" / "mine.db")
    report = usage_json(capsys, "--config", str(config))
    assert report["total"]["requests"] == 3


def test_no_ledger_yet_is_an_empty_report_and_creates_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["usage", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["groups"] == []
    assert "no usage recorded yet" in captured.err
    assert not (home / "usage.db").exists()


def test_the_table_and_csv(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(home / "usage.db")
    assert main(["usage", "--by", "project"]) == 0
    table = capsys.readouterr().out
    assert "~/a" in table and "(+1 unknown)" in table and "0.7500" in table
    assert main(["usage", "--by", "project", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["key"] for r in rows] == ["~/b", "~/a", "total"]
    assert rows[-1]["requests"] == "3" and rows[1]["unknown_cost_requests"] == "1"


def test_bad_arguments_say_what_to_write(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", "--since", "last tuesday"]) == 2
    assert "use a span" in capsys.readouterr().err
    assert main(["usage", "--config", str(home / "missing.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
