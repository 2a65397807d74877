from __future__ import annotations

from ccrouter.usage.record import TriedModel, latency_bucket
from ccrouter.usage.rollup import DIMENSIONS, Sums, fold, key_of, latency_counts
from tests.router.usage.rows import make_row


def test_fold_sums_rows_of_one_hour_and_group() -> None:
    a = make_row(at=7200.0, cost_usd=0.5)
    b = make_row(at=7300.0, cost_usd=None, cost_source="unknown", status="error 502")
    c = make_row(at=7300.0, model="openrouter,m/b")
    folded = fold([a, b, c])
    assert len(folded) == 2
    sums = folded[key_of(a)]
    assert (sums.requests, sums.errors, sums.unknown_cost_requests) == (2, 1, 1)
    assert sums.cost_usd == 0.5  # an unknown cost is not a zero one: it is counted apart
    assert sums.input_tokens == 200 and sums.cache_read_tokens == 600


def test_a_row_without_project_session_or_key_has_empty_key_parts() -> None:
    key = key_of(make_row(project=None, session_id=None, key_name=None))
    assert key[4:] == ("", "", "")


def test_fallbacks_count_requests_that_tried_more_than_one_model() -> None:
    two = (TriedModel("p,a", "429"), TriedModel("p,b", "ok"))
    sums = Sums()
    sums.add_row(make_row(tried=two))
    sums.add_row(make_row())
    assert sums.fallbacks == 1


def test_latency_counts_one_bucket_per_dimension() -> None:
    row = make_row(latency_ms=1234.0)
    counts = latency_counts([row, row])
    assert len(counts) == len(DIMENSIONS)
    assert counts[("model", row.day(), row.model, latency_bucket(1234.0))] == 2
    assert counts[("key", row.day(), "", latency_bucket(1234.0))] == 2


def test_percentiles_use_the_nearest_rank() -> None:
    sums = Sums()
    for ms in [100.0] * 90 + [5000.0] * 10:
        bucket = latency_bucket(ms)
        sums.latency[bucket] = sums.latency.get(bucket, 0) + 1
    assert 95 <= (sums.percentile(0.5) or 0) <= 105
    assert 95 <= (sums.percentile(0.9) or 0) <= 105
    assert 4800 <= (sums.percentile(0.95) or 0) <= 5200
    assert Sums().percentile(0.5) is None


def test_add_merges_sums_and_histograms() -> None:
    a, b = Sums(requests=1, cost_usd=0.1, latency={3: 1}), Sums(requests=2, latency={3: 1, 4: 2})
    a.add(b)
    assert a.requests == 3 and a.latency == {3: 2, 4: 2} and a.cost_usd == 0.1
