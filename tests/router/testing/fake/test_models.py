from __future__ import annotations

import pytest

from ccrouter.catalog.facts import ModelFacts, Price
from ccrouter.catalog.parse import parse_models
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.models import (
    DEFAULT_MODELS,
    GATING_MODELS,
    entries_from_json,
    entry_from_json,
    model_entry,
)


def test_an_entry_reads_back_as_the_facts_it_was_given() -> None:
    entry = model_entry(
        "fake/m",
        context=32_768,
        max_output=8192,
        tools=False,
        vision=False,
        reasoning=False,
        price={"input": 0.27, "output": 1.1, "cacheRead": 0.07},
    )
    assert parse_models({"data": [entry]})["fake/m"] == ModelFacts(
        "fake/m", 32_768, 8192, False, False, False, Price(0.27, 1.1, 0.07, 3.75)
    )
    assert entry["pricing"]["prompt"] == "0.00000027"
    assert entry["architecture"]["input_modalities"] == ["text"]


def test_the_gating_models_each_lack_one_thing() -> None:
    facts = parse_models({"data": list(GATING_MODELS)})
    assert facts["fake/cap-8k"].max_output == 8192
    assert facts["fake/ctx-32k"].context == 32_768
    assert facts["fake/no-tools"].tools is False
    assert facts["fake/text-only"].vision is False
    assert all(f.reasoning for f in facts.values())


def test_default_models_keep_their_realistic_shape() -> None:
    facts = parse_models({"data": list(DEFAULT_MODELS)})
    assert facts["deepseek/deepseek-chat"].max_output == 8192
    assert facts["deepseek/deepseek-chat"].vision is False
    assert facts["mistralai/mistral-7b-instruct"].tools is False
    assert facts["anthropic/claude-sonnet-4.5"].reasoning is True


def test_json_form() -> None:
    entry = entry_from_json({"id": "x", "maxOutput": 100, "tools": False, "price": {"input": 1}})
    assert parse_models([entry])["x"].max_output == 100
    assert parse_models([entry])["x"].tools is False
    with pytest.raises(ValueError, match="unknown model fields"):
        entry_from_json({"id": "x", "contxt": 1})
    with pytest.raises(ValueError, match="a model is"):
        entry_from_json({"context": 1})
    with pytest.raises(ValueError, match="must be a list"):
        entries_from_json({"id": "x"})


def test_set_model_and_load_replace_by_id() -> None:
    fake = FakeOpenRouter(models=[])
    fake.set_model("a", context=1000)
    fake.set_model("b")
    fake.set_model("a", context=2000)
    assert [m["id"] for m in fake.models] == ["a", "b"]
    assert fake.models[0]["context_length"] == 2000
    fake.load({"models": [{"id": "b", "vision": False}], "default": {"type": "text", "text": "x"}})
    assert fake.models[1]["architecture"]["input_modalities"] == ["text"]
    with pytest.raises(ValueError):
        fake.load({"models": [{"id": "c", "bogus": 1}]})
    assert len(fake.models) == 2
