from __future__ import annotations

import pytest

from ccrouter.catalog.cost import catalog_cost, cost_text
from ccrouter.catalog.facts import Price

PRICE = Price(input=3.0, output=15.0, cache_read=0.3, cache_write=3.75)


def test_cost_counts_every_token_kind() -> None:
    usage = {
        "input_tokens": 1000,
        "output_tokens": 200,
        "cache_read_input_tokens": 10_000,
        "cache_creation_input_tokens": 2000,
    }
    expected = (1000 * 3.0 + 200 * 15.0 + 10_000 * 0.3 + 2000 * 3.75) / 1e6
    assert catalog_cost(usage, PRICE) == pytest.approx(expected)


def test_a_used_kind_without_a_price_makes_the_cost_unknown() -> None:
    usage = {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 100}
    assert catalog_cost(usage, Price(input=1.0, output=2.0)) is None
    # ...but a kind that was not used needs no price
    assert catalog_cost({"input_tokens": 10, "output_tokens": 5}, Price(1.0, 2.0)) == 2e-05


def test_no_usage_or_no_prices_is_unknown_never_zero() -> None:
    assert catalog_cost(None, PRICE) is None
    assert catalog_cost({}, PRICE) is None
    assert catalog_cost({"input_tokens": 10}, Price()) is None


def test_free_models_cost_zero() -> None:
    assert catalog_cost({"input_tokens": 10, "output_tokens": 3}, Price(0.0, 0.0)) == 0.0


def test_cost_text_names_its_source() -> None:
    assert cost_text(0.0012345, "catalog") == " cost=0.001234 (catalog)"
    assert cost_text(0.5, "reported") == " cost=0.500000 (reported)"
    assert cost_text(None, "catalog") == ""
