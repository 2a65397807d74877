"""The routes and models pages: each route's chain with its live state, and the model catalog.

Pure functions of the config snapshot, the catalog view, the cooldowns and the live feed's
recent events; the handlers only gather those.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.table import CatalogView
from ccrouter.config.model import ROUTE_NAMES, Config, Target
from ccrouter.dispatch.cooldown import Cooldowns
from ccrouter.ui.live import LiveEvent


def facts_json(facts: ModelFacts | None) -> dict[str, Any] | None:
    if facts is None or not facts.known:
        return None
    price = facts.price
    return {
        "context": facts.context,
        "max_output": facts.max_output,
        "tools": facts.tools,
        "vision": facts.vision,
        "reasoning": facts.reasoning,
        "price_input": price.input,
        "price_output": price.output,
        "price_cache_read": price.cache_read,
    }


def failures_by_target(events: Iterable[LiveEvent]) -> dict[str, int]:
    """How often each model failed in the recent requests (``tried``: ``m (429), n (ok)``)."""
    counts: dict[str, int] = {}
    for event in events:
        for part in str(event.get("tried") or "").split("), "):
            model, _, outcome = part.strip().removesuffix(")").rpartition(" (")
            if model and outcome != "ok":
                counts[model] = counts.get(model, 0) + 1
        if (
            not event.get("tried")
            and str(event.get("status", "ok")) != "ok"
            and event.get("target")
        ):
            counts[str(event["target"])] = counts.get(str(event["target"]), 0) + 1
    return counts


def route_rows(
    config: Config, catalog: CatalogView, cooldowns: Cooldowns, events: list[LiveEvent]
) -> list[dict[str, Any]]:
    failures = failures_by_target(events)
    names = [r for r in ROUTE_NAMES if r in config.routes]
    names += [r for r in config.routes if r not in ROUTE_NAMES]
    rows = []
    for name in names:
        chain = list(config.routes[name]) + [
            t for t in config.global_fallback if t not in config.routes[name]
        ]
        rows.append(
            {
                "route": name,
                "chain": [_target_row(t, config, catalog, cooldowns, failures) for t in chain],
                "last_used": next(
                    (e["at"] for e in reversed(events) if e.get("route") == name), None
                ),
                "budget": None,  # no budgets are configured in this version
            }
        )
    return rows


def _target_row(
    target: Target,
    config: Config,
    catalog: CatalogView,
    cooldowns: Cooldowns,
    failures: dict[str, int],
) -> dict[str, Any]:
    key = str(target)
    provider = config.provider(target.provider)
    return {
        "target": key,
        "provider": target.provider,
        "model": target.model,
        "known_provider": provider is not None,
        "key_problem": provider.missing_key if provider else "unknown provider",
        "cooling_s": round(cooldowns.cooling(key), 1),
        "recent_failures": failures.get(key, 0),
        "facts": facts_json(catalog.lookup(target.provider, target.model)),
    }


def model_rows(config: Config, catalog: CatalogView) -> list[dict[str, Any]]:
    """Every model the catalog knows for a configured provider, and every model the config names."""
    used: dict[str, list[str]] = {}
    for route, chain in config.routes.items():
        for position, target in enumerate(chain):
            used.setdefault(str(target).lower(), []).append(
                route if position == 0 else f"{route} (fallback {position})"
            )
    rows: dict[str, dict[str, Any]] = {}
    names = {p.name.lower(): p.name for p in config.providers.values()}
    for lowered, facts in catalog.models():
        name = names.get(lowered, lowered)
        rows[f"{name},{facts.id}".lower()] = _model_row(name, facts.id, facts, used)
    for provider in config.providers.values():
        for model in provider.models:
            key = f"{provider.name},{model}".lower()
            if key not in rows:
                rows[key] = _model_row(provider.name, model, None, used)
            rows[key]["listed"] = True
    return sorted(rows.values(), key=lambda r: (not r["used_by"], r["provider"], r["model"]))


def _model_row(
    provider: str, model: str, facts: ModelFacts | None, used: dict[str, list[str]]
) -> dict[str, Any]:
    target = f"{provider},{model}"
    return {
        "target": target,
        "provider": provider,
        "model": model,
        "facts": facts_json(facts),
        "used_by": used.get(target.lower(), []),
        "listed": False,
    }
