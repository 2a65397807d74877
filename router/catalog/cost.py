"""What an answer cost, from the catalog's prices, when the upstream does not say.

Reads Anthropic-shaped usage (``input_tokens`` without the cache, ``cache_read_input_tokens``,
``cache_creation_input_tokens``, ``output_tokens``), the shape every answer ccrouter sends has.
A token kind that was used but has no known price makes the whole cost unknown (``None``):
a guess that leaves out a part is worse than no figure (so an unknown cache price is not
replaced by the input price either).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ccrouter.catalog.facts import Price

CostSource = Literal["reported", "catalog"]

_PARTS = (
    ("input_tokens", "input"),
    ("output_tokens", "output"),
    ("cache_read_input_tokens", "cache_read"),
    ("cache_creation_input_tokens", "cache_write"),
)


def catalog_cost(usage: Mapping[str, Any] | None, price: Price) -> float | None:
    """USD for ``usage`` at ``price`` (USD per million tokens); ``None`` when not computable."""
    if not usage or not price.known:
        return None
    total = 0.0
    for usage_key, price_name in _PARTS:
        tokens = usage.get(usage_key)
        if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens <= 0:
            continue
        per_mtok: float | None = getattr(price, price_name)
        if per_mtok is None:
            return None
        total += tokens * per_mtok
    return round(total / 1_000_000, 9)


def cost_text(cost: float | None, source: CostSource | None) -> str:
    """`` cost=0.001234 (catalog)`` for the log line; empty when unknown."""
    if cost is None:
        return ""
    return f" cost={cost:.6f} ({source or 'reported'})"
