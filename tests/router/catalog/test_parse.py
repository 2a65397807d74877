from __future__ import annotations

from typing import Any

from ccrouter.catalog.facts import ModelFacts, Price
from ccrouter.catalog.parse import parse_models

OPENROUTER_ENTRY: dict[str, Any] = {
    "id": "anthropic/claude-sonnet-4.5",
    "name": "Anthropic: Claude Sonnet 4.5",
    "context_length": 1_000_000,
    "architecture": {
        "modality": "text+image->text",
        "input_modalities": ["text", "image", "file"],
        "output_modalities": ["text"],
        "tokenizer": "Claude",
    },
    "pricing": {
        "prompt": "0.000003",
        "completion": "0.000015",
        "request": "0",
        "image": "0.0048",
        "input_cache_read": "0.0000003",
        "input_cache_write": "0.00000375",
    },
    "top_provider": {
        "context_length": 1_000_000,
        "max_completion_tokens": 64_000,
        "is_moderated": False,
    },
    "supported_parameters": [
        "include_reasoning",
        "max_tokens",
        "reasoning",
        "tool_choice",
        "tools",
    ],
}


def test_openrouter_entry() -> None:
    facts = parse_models({"data": [OPENROUTER_ENTRY]})["anthropic/claude-sonnet-4.5"]
    assert facts == ModelFacts(
        "anthropic/claude-sonnet-4.5",
        context=1_000_000,
        max_output=64_000,
        tools=True,
        vision=True,
        reasoning=True,
        price=Price(input=3.0, output=15.0, cache_read=0.3, cache_write=3.75),
    )


def test_present_lists_without_the_capability_say_no() -> None:
    entry = {
        "id": "m",
        "context_length": 32_768,
        "architecture": {"input_modalities": ["text"]},
        "supported_parameters": ["max_tokens", "temperature"],
        "top_provider": {"max_completion_tokens": None},
    }
    facts = parse_models({"data": [entry]})["m"]
    assert (facts.tools, facts.vision, facts.reasoning) == (False, False, False)
    assert (facts.context, facts.max_output) == (32_768, None)


def test_variable_and_malformed_prices_are_unknown() -> None:
    entry = {"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "abc"}}
    assert parse_models({"data": [entry]})["openrouter/auto"].price == Price()
    free = {"id": "x:free", "pricing": {"prompt": "0", "completion": "0"}}
    assert parse_models({"data": [free]})["x:free"].price == Price(input=0.0, output=0.0)


def test_vllm_lm_studio_groq_fields() -> None:
    body = {
        "object": "list",
        "data": [
            {"id": "Qwen/Qwen3-8B", "object": "model", "max_model_len": 40_960},
            {
                "id": "qwen2-vl-7b",
                "type": "vlm",
                "max_context_length": 32_768,
                "loaded_context_length": 8192,
                "capabilities": ["tool_use"],
            },
            {"id": "llama-3.3-70b", "context_window": 131_072, "max_completion_tokens": 32_768},
            {"id": "bare"},
        ],
    }
    models = parse_models(body)
    assert models["Qwen/Qwen3-8B"] == ModelFacts("Qwen/Qwen3-8B", context=40_960)
    assert models["qwen2-vl-7b"] == ModelFacts("qwen2-vl-7b", context=8192, tools=True, vision=True)
    assert models["llama-3.3-70b"] == ModelFacts("llama-3.3-70b", 131_072, 32_768)
    assert models["bare"] == ModelFacts("bare")


def test_the_older_modality_string() -> None:
    entry = {"id": "m", "architecture": {"modality": "text->text"}}
    assert parse_models([entry])["m"].vision is False


def test_malformed_bodies_and_entries_are_skipped() -> None:
    assert parse_models(None) == {}
    assert parse_models({"data": "nope"}) == {}
    assert parse_models({"data": [1, {"id": ""}, {"name": "no id"}, {"id": 7}]}) == {}
    assert list(parse_models({"models": [{"id": "a"}]})) == ["a"]


def test_anthropic_models_api_fields() -> None:
    entry = {"type": "model", "id": "claude-x", "max_input_tokens": 200_000, "max_tokens": 64_000}
    assert parse_models({"data": [entry]})["claude-x"] == ModelFacts("claude-x", 200_000, 64_000)
