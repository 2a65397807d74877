"""Warnings about routes, from what the catalog knows (for ``ccrouter config validate``).

A route model that its provider's fetched list does not name is most often a typo or a model
that was renamed; the warning offers the nearest names. A provider with no fetched list gets no
warning (unknown is not "wrong"), and neither does a model the config itself describes.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from ccrouter.catalog.fetch import models_url
from ccrouter.catalog.store import Fetched
from ccrouter.config.model import Config

MAX_SUGGESTIONS = 3


def nearest(model: str, known: list[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The known ids closest to ``model``: by the whole id, then by the part after the vendor."""
    found = difflib.get_close_matches(model, known, n=limit, cutoff=0.6)
    if len(found) < limit:
        tail = model.rpartition("/")[2].lower()
        by_tail = {k.rpartition("/")[2].lower(): k for k in known}
        more = difflib.get_close_matches(tail, list(by_tail), n=limit, cutoff=0.6)
        found += [by_tail[t] for t in more if by_tail[t] not in found]
    return found[:limit]


def unknown_route_models(config: Config, entries: Mapping[str, Fetched]) -> list[str]:
    """One line per route model its provider's list lacks: ``Router.default: … (did you mean …)``."""
    warnings: list[str] = []
    for route, chain in config.routes.items():
        for target in dict.fromkeys(chain):
            provider = config.provider(target.provider)
            if provider is None or target.model in provider.model_facts:
                continue
            fetched = entries.get(models_url(provider.api_base_url))
            if fetched is None or not fetched.models:
                continue
            if target.model in fetched.models or target.model.partition(":")[0] in fetched.models:
                continue
            hint = nearest(target.model, list(fetched.models))
            also = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
            warnings.append(
                f"Router.{route}: {provider.name} does not list a model {target.model!r}{also}"
            )
    return warnings
