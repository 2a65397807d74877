"""The fake's ``GET /models`` list: OpenRouter-shaped entries whose capabilities tests set.

    model_entry("fake/cap-8k", max_output=8192)          # one realistic OpenRouter entry
    fake.set_model("fake/ctx-32k", context=32_768)       # add or replace one
    fake.load({"models": [{"id": "fake/no-tools", "tools": False}]})   # the JSON form

The JSON form uses the fact names of a ccrouter config's object model entries (``context``,
``maxOutput``, ``tools``, ``vision``, ``reasoning``, ``price`` in USD per million tokens), so
a fake in another process (``python -m ccrouter.testing.fake --script``) is set up the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_BASE_PARAMS = ["max_tokens", "temperature", "top_p", "stop", "seed"]
_FACT_KEYS = {"context", "maxOutput", "tools", "vision", "reasoning", "price"}


def _per_token(usd_per_mtok: float) -> str:
    return f"{usd_per_mtok / 1_000_000:.10f}".rstrip("0").rstrip(".") or "0"


def model_entry(
    model_id: str,
    *,
    context: int = 200_000,
    max_output: int | None = 64_000,
    tools: bool = True,
    vision: bool = True,
    reasoning: bool = True,
    price: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """One entry as OpenRouter's ``/api/v1/models`` lists it (prices as USD-per-token strings)."""
    params = list(_BASE_PARAMS)
    if tools:
        params += ["tools", "tool_choice"]
    if reasoning:
        params += ["reasoning", "include_reasoning"]
    prices = {"input": 3.0, "output": 15.0, "cacheRead": 0.3, "cacheWrite": 3.75, **(price or {})}
    return {
        "id": model_id,
        "canonical_slug": model_id,
        "name": f"Fake: {model_id}",
        "created": 1_750_000_000,
        "description": "A model of the fake OpenRouter.",
        "context_length": context,
        "architecture": {
            "modality": "text+image->text" if vision else "text->text",
            "input_modalities": ["text", "image"] if vision else ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": _per_token(prices["input"]),
            "completion": _per_token(prices["output"]),
            "request": "0",
            "image": "0",
            "input_cache_read": _per_token(prices["cacheRead"]),
            "input_cache_write": _per_token(prices["cacheWrite"]),
        },
        "top_provider": {
            "context_length": context,
            "max_completion_tokens": max_output,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": sorted(params),
    }


def entry_from_json(data: Any) -> dict[str, Any]:
    """``{"id", "context"?, "maxOutput"?, "tools"?, "vision"?, "reasoning"?, "price"?}`` → entry."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        raise ValueError('a model is {"id": str, "context"?, "maxOutput"?, "tools"?, ...}')
    if unknown := set(data) - _FACT_KEYS - {"id"}:
        raise ValueError(f"unknown model fields: {sorted(unknown)}")
    kwargs: dict[str, Any] = {
        name: data[key]
        for key, name in (("context", "context"), ("maxOutput", "max_output"))
        if key in data
    }
    kwargs |= {key: bool(data[key]) for key in ("tools", "vision", "reasoning") if key in data}
    if isinstance(data.get("price"), dict):
        kwargs["price"] = {k: float(v) for k, v in data["price"].items()}
    return model_entry(data["id"], **kwargs)


def entries_from_json(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise ValueError("'models' must be a list")
    return [entry_from_json(item) for item in data]


def replace_entry(models: list[dict[str, Any]], entry: dict[str, Any]) -> None:
    """Put ``entry`` in ``models`` in place of the one with its id, else at the end."""
    for index, model in enumerate(models):
        if model.get("id") == entry["id"]:
            models[index] = entry
            return
    models.append(entry)


# One model per gating case (issue "Know the models"): each lacks exactly one thing.
GATING_MODELS: tuple[dict[str, Any], ...] = (
    model_entry("fake/cap-8k", max_output=8192),
    model_entry("fake/ctx-32k", context=32_768, max_output=32_768),
    model_entry("fake/no-tools", tools=False),
    model_entry("fake/text-only", vision=False),
)


def _classic(
    model_id: str, context: int, max_out: int, params: Sequence[str], vision: bool
) -> dict[str, Any]:
    entry = model_entry(
        model_id,
        context=context,
        max_output=max_out,
        tools="tools" in params,
        vision=vision,
        reasoning="reasoning" in params,
    )
    entry["supported_parameters"] = list(params)
    return entry


_TOOLS = ["tools", "tool_choice", "max_tokens", "temperature", "stop"]
_REASONING = [*_TOOLS, "reasoning", "include_reasoning"]

# What GET /models lists unless FakeOpenRouter(models=...) says otherwise.
DEFAULT_MODELS: tuple[dict[str, Any], ...] = (
    _classic("anthropic/claude-sonnet-4.5", 1_000_000, 64_000, _REASONING, True),
    _classic("anthropic/claude-haiku-4.5", 200_000, 64_000, _REASONING, True),
    _classic("google/gemini-2.5-pro", 1_048_576, 65_536, [*_REASONING, "response_format"], True),
    _classic("moonshotai/kimi-k2", 131_072, 16_384, _TOOLS, False),
    _classic("deepseek/deepseek-chat", 163_840, 8_192, [*_TOOLS, "response_format"], False),
    _classic("mistralai/mistral-7b-instruct", 32_768, 4_096, ["max_tokens", "temperature"], False),
)
