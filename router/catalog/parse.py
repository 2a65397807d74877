"""A provider's ``GET …/models`` answer → ``{model id: ModelFacts}``, taking what each server gives.

- OpenRouter (and servers copying it): ``context_length``, ``top_provider.{context_length,
  max_completion_tokens}``, ``supported_parameters`` (``tools``, ``reasoning``…),
  ``architecture.input_modalities``, ``pricing`` in USD per token as strings.
- vLLM: ``max_model_len``. LM Studio (``/api/v0/models``): ``loaded_context_length`` /
  ``max_context_length``, ``type: "vlm"``, ``capabilities: ["tool_use"]``. Groq and others:
  ``context_window``, ``max_completion_tokens``. Anthropic's Models API (and ccrouter's own
  ``/v1/models``): ``max_input_tokens``, ``max_tokens``.

A field that is absent leaves its fact unknown; a capability list that is present but lacks the
capability says "no". Malformed entries are skipped, never raised on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ccrouter.catalog.facts import ModelFacts, Price

_CONTEXT_KEYS = (
    "context_length",
    "max_model_len",
    "context_window",
    "loaded_context_length",
    "max_context_length",
    "max_input_tokens",
)
_OUTPUT_KEYS = ("max_completion_tokens", "max_output_tokens", "max_tokens")
_REASONING_PARAMS = frozenset({"reasoning", "include_reasoning", "reasoning_effort"})


def parse_models(body: Any) -> dict[str, ModelFacts]:
    """Every well-formed entry of ``{"data": [...]}`` (or a bare list), keyed by its id."""
    entries = body.get("data", body.get("models")) if isinstance(body, dict) else body
    out: dict[str, ModelFacts] = {}
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
            out[entry["id"]] = parse_model(entry)
    return out


def parse_model(entry: Mapping[str, Any]) -> ModelFacts:
    top = entry.get("top_provider")
    top = top if isinstance(top, dict) else {}
    params = _strings(entry.get("supported_parameters"))
    capabilities = _strings(entry.get("capabilities"))
    return ModelFacts(
        id=str(entry["id"]),
        context=_first_int(top, ("context_length",)) or _first_int(entry, _CONTEXT_KEYS),
        max_output=_first_int(top, _OUTPUT_KEYS) or _first_int(entry, _OUTPUT_KEYS),
        tools=_tools(params, capabilities),
        vision=_vision(entry),
        reasoning=None if params is None else bool(params & _REASONING_PARAMS),
        price=_price(entry.get("pricing")),
    )


def _strings(value: Any) -> frozenset[str] | None:
    if not isinstance(value, list):
        return None
    return frozenset(item for item in value if isinstance(item, str))


def _first_int(entry: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _tools(params: frozenset[str] | None, capabilities: frozenset[str] | None) -> bool | None:
    if params is not None:
        return "tools" in params
    if capabilities is not None and "tool_use" in capabilities:
        return True  # LM Studio lists the capability only when it is there
    return None


def _vision(entry: Mapping[str, Any]) -> bool | None:
    architecture = entry.get("architecture")
    if isinstance(architecture, dict):
        modalities = _strings(architecture.get("input_modalities"))
        if modalities is not None:
            return "image" in modalities
        modality = architecture.get("modality")  # the older "text+image->text" form
        if isinstance(modality, str) and "->" in modality:
            return "image" in modality.partition("->")[0]
    if entry.get("type") == "vlm":  # LM Studio
        return True
    return None


def _price(pricing: Any) -> Price:
    if not isinstance(pricing, dict):
        return Price()
    return Price(
        input=_per_mtok(pricing.get("prompt")),
        output=_per_mtok(pricing.get("completion")),
        cache_read=_per_mtok(pricing.get("input_cache_read")),
        cache_write=_per_mtok(pricing.get("input_cache_write")),
    )


def _per_mtok(value: Any) -> float | None:
    """OpenRouter's USD-per-token string → USD per million tokens; ``"-1"`` (variable) → unknown."""
    if isinstance(value, bool):
        return None
    try:
        per_token = float(value)
    except (TypeError, ValueError):
        return None
    if per_token < 0 or not math.isfinite(per_token):
        return None
    return round(per_token * 1_000_000, 6)
