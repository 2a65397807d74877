"""What ccrouter knows about one model: context, output cap, capabilities, prices.

Every fact is optional and ``None`` means *unknown*, never "no": a model is only gated on a
fact somebody stated (its provider's catalog or the user's config). Prices are USD per million
tokens. ``merged`` lays one statement over another, so the config's word wins over the fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

_FACTS = ("context", "max_output", "tools", "vision", "reasoning")  # the gating facts


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens; ``None``: unknown."""

    input: float | None = None
    output: float | None = None
    cache_read: float | None = None
    cache_write: float | None = None

    def merged(self, over: Price) -> Price:
        return Price(**{f.name: _pick(over, self, f.name) for f in fields(Price)})

    @property
    def known(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(Price))


@dataclass(frozen=True, slots=True)
class ModelFacts:
    id: str
    context: int | None = None  # tokens the model reads, input and output together
    max_output: int | None = None  # the most tokens it writes in one answer
    tools: bool | None = None
    vision: bool | None = None  # takes images
    reasoning: bool | None = None  # accepts reasoning parameters
    price: Price = Price()

    def merged(self, over: ModelFacts) -> ModelFacts:
        """These facts with every fact ``over`` states laid on top."""
        values: dict[str, Any] = {
            f.name: _pick(over, self, f.name) for f in fields(ModelFacts) if f.name != "price"
        }
        return replace(self, **values, price=self.price.merged(over.price))

    @property
    def known(self) -> bool:
        """Whether any fact at all is stated."""
        return self.price.known or any(getattr(self, name) is not None for name in _FACTS)


def _pick(over: Any, base: Any, name: str) -> Any:
    value = getattr(over, name)
    return value if value is not None else getattr(base, name)


# -- JSON form (the disk cache, ``ccrouter models --json``, the config's object entries) --------

_FACT_KEYS = dict(
    zip(("context", "maxOutput", "tools", "vision", "reasoning"), _FACTS, strict=True)
)
_PRICE_KEYS = {
    "input": "input",
    "output": "output",
    "cacheRead": "cache_read",
    "cacheWrite": "cache_write",
}


def facts_to_json(facts: ModelFacts) -> dict[str, Any]:
    """The camelCase object a config entry would state; unknown facts are left out."""
    out: dict[str, Any] = {"id": facts.id}
    for key, name in _FACT_KEYS.items():
        value = getattr(facts, name)
        if value is not None:
            out[key] = value
    price = {k: getattr(facts.price, n) for k, n in _PRICE_KEYS.items()}
    price = {k: v for k, v in price.items() if v is not None}
    if price:
        out["price"] = price
    return out


def facts_from_json(data: dict[str, Any]) -> ModelFacts:
    """The inverse of ``facts_to_json``; values of the wrong type count as unknown."""
    values: dict[str, Any] = {}
    for key, name in _FACT_KEYS.items():
        value = data.get(key)
        if name in ("context", "max_output"):
            values[name] = _positive_int(value)
        else:
            values[name] = value if isinstance(value, bool) else None
    raw_price = data.get("price")
    raw_price = raw_price if isinstance(raw_price, dict) else {}
    price = Price(**{n: _price(raw_price.get(k)) for k, n in _PRICE_KEYS.items()})
    return ModelFacts(str(data.get("id") or ""), **values, price=price)


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value > 0 else None


def _price(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)
