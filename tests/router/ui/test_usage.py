"""The usage page's numbers from a seeded ledger: the report, days and stacked series."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ccrouter.config.model import load_config
from ccrouter.ui.usage import ledger_path, parse_query, usage_payload
from tests.conftest import base_config
from tests.router.ui.conftest import seed_ledger


def config_at(tmp_path: Path, **usage: object) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config(Usage={"path": "ledger.db", **usage})))
    return path


def test_ledger_path_is_relative_to_the_config(tmp_path: Path) -> None:
    assert ledger_path(load_config(config_at(tmp_path))) == tmp_path / "ledger.db"


def test_parse_query_defaults_and_errors() -> None:
    since, by = parse_query(None, None, now=1_000_000.0)
    assert by == "model" and since == 1_000_000.0 - 30 * 86400
    with pytest.raises(ValueError, match="by='session'"):
        parse_query("7d", "session", 0)
    with pytest.raises(ValueError, match="--since"):
        parse_query("yesterday-ish", "model", 0)


def test_payload_without_a_ledger_is_empty(tmp_path: Path) -> None:
    payload = usage_payload(load_config(config_at(tmp_path)), "7d", "route")
    assert payload["ledger_exists"] is False and payload["series"] == []
    assert payload["report"]["total"]["requests"] == 0


def test_payload_from_a_seeded_ledger(tmp_path: Path) -> None:
    config = load_config(config_at(tmp_path))
    seed_ledger(tmp_path / "ledger.db", time.time())
    payload = usage_payload(config, "30d", "model")
    report = payload["report"]
    assert report["by"] == "model" and report["total"]["requests"] == 90
    assert report["groups"][0]["key"] == "openrouter,fake/model-a"  # the costliest first
    assert len(payload["days"]) >= 5 and payload["days"][0]["p95_latency_ms"]
    days = {p["day"] for p in payload["series"]}
    assert len(days) >= 5
    assert round(sum(p["cost_usd"] for p in payload["series"]), 4) == round(
        report["total"]["cost_usd"], 4
    )
    by_project = usage_payload(config, "30d", "project")
    assert {g["key"] for g in by_project["report"]["groups"]} == {"~/code/shop", "~/code/api"}


@pytest.mark.parametrize("since", ["24h", "36h", "7d"])
def test_the_charts_add_up_to_the_table_for_any_start(tmp_path: Path, since: str) -> None:
    config = load_config(config_at(tmp_path))
    seed_ledger(tmp_path / "ledger.db", time.time() - 1800)  # rows on both sides of hour marks
    payload = usage_payload(config, since, "route")
    total = payload["report"]["total"]
    assert sum(p["requests"] for p in payload["series"]) == total["requests"]
    assert sum(p["errors"] for p in payload["series"]) == total["errors"]
    assert round(sum(p["cost_usd"] for p in payload["series"]), 6) == round(total["cost_usd"], 6)


def test_a_start_inside_an_hour_counts_only_the_rows_after_it(tmp_path: Path) -> None:
    from ccrouter.ui.usage import daily_series
    from ccrouter.usage.record import UsageRow
    from ccrouter.usage.schema import connect
    from ccrouter.usage.store import insert_batch

    since = (time.time() // 3600 - 5) * 3600 + 1800  # half past, five hours ago
    rows = [
        UsageRow(
            at=since + offset,
            request_id=str(offset),
            route="default",
            model="m",
            status="ok",
            cost_usd=1.0,
        )
        for offset in (-60, 60, 4000)
    ]
    conn = connect(tmp_path / "ledger.db")
    try:
        insert_batch(conn, rows)
        series = daily_series(conn, since, "route")
    finally:
        conn.close()
    assert sum(p["requests"] for p in series) == 2
    assert sum(p["cost_usd"] for p in series) == 2.0
