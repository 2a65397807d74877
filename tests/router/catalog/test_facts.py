from __future__ import annotations

from ccrouter.catalog.facts import ModelFacts, Price, facts_from_json, facts_to_json


def test_unknown_is_not_no() -> None:
    facts = ModelFacts("m")
    assert (facts.context, facts.tools, facts.vision, facts.reasoning) == (None, None, None, None)
    assert not facts.known
    assert ModelFacts("m", tools=False).known
    assert ModelFacts("m", price=Price(input=0.0)).known


def test_merged_lays_stated_facts_over_the_fetched_ones() -> None:
    fetched = ModelFacts("m", 128_000, 8192, True, True, True, Price(1.0, 2.0, 0.1, 1.25))
    stated = ModelFacts("m", context=64_000, vision=False, price=Price(output=3.0))
    merged = fetched.merged(stated)
    assert merged == ModelFacts("m", 64_000, 8192, True, False, True, Price(1.0, 3.0, 0.1, 1.25))


def test_json_round_trip_leaves_unknown_out() -> None:
    facts = ModelFacts("x/y", context=32_768, tools=False, price=Price(input=0.5, cache_read=0.05))
    data = facts_to_json(facts)
    assert data == {
        "id": "x/y",
        "context": 32_768,
        "tools": False,
        "price": {"input": 0.5, "cacheRead": 0.05},
    }
    assert facts_from_json(data) == facts


def test_wrong_types_read_as_unknown() -> None:
    data = {"id": "m", "context": "big", "maxOutput": -1, "tools": "yes", "price": {"input": -2}}
    assert facts_from_json(data) == ModelFacts("m")
    assert facts_from_json({"id": "m", "context": True, "price": "free"}) == ModelFacts("m")
