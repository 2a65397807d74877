from __future__ import annotations

import json
import time

import pytest

from ccrouter.usage.record import (
    BUCKET_RATIO,
    TriedModel,
    bucket_value,
    latency_bucket,
    tried_from_header,
)
from tests.router.usage.rows import make_row


def test_row_is_frozen() -> None:
    row = make_row()
    with pytest.raises(AttributeError):
        row.status = "error 500"  # type: ignore[misc]


def test_ok_and_fell_back() -> None:
    assert make_row().ok and not make_row().fell_back
    two = (TriedModel("p,a", "429"), TriedModel("p,b", "ok"))
    assert make_row(tried=two).fell_back
    assert not make_row(status="error 502").ok


def test_day_is_the_local_calendar_day() -> None:
    row = make_row(at=1_796_000_000.0)
    assert row.day() == time.strftime("%Y-%m-%d", time.localtime(1_796_000_000.0))


def test_tried_json_keeps_order_and_outcomes() -> None:
    row = make_row(tried=(TriedModel("p,a", "429"), TriedModel("p,b", "ok")))
    assert json.loads(row.tried_json()) == [["p,a", "429"], ["p,b", "ok"]]


@pytest.mark.parametrize("ms", [1.0, 37.0, 999.0, 12_345.6, 600_000.0])
def test_a_bucket_stands_for_its_latency_within_the_ratio(ms: float) -> None:
    shown = bucket_value(latency_bucket(ms))
    assert ms / BUCKET_RATIO <= shown <= ms * BUCKET_RATIO


def test_latencies_under_one_ms_share_the_first_bucket() -> None:
    assert latency_bucket(0.0) == latency_bucket(0.5) == latency_bucket(1.0) == 0


def test_tried_from_header() -> None:
    assert tried_from_header("openrouter,a (429), openrouter,b (ok)") == (
        TriedModel("openrouter,a", "429"),
        TriedModel("openrouter,b", "ok"),
    )
    assert tried_from_header("") == ()
