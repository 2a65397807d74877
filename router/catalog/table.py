"""``Catalog``: the fetched model lists plus the config's statements, looked up per request.

The fetched lists are keyed by models URL (two providers on one server share one); a
``CatalogView`` joins them with one config: ``(provider, model) -> ModelFacts``, the config's
object entries laid over the fetched facts. A view is built once per config and per catalog
update, so a request pays one identity check and one dict lookup.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ccrouter.catalog.facts import ModelFacts, facts_from_json
from ccrouter.catalog.fetch import models_url
from ccrouter.catalog.store import Fetched
from ccrouter.config.model import Config

Key = tuple[str, str]  # (provider name lower-cased, model id)


@dataclass(frozen=True)
class CatalogView:
    facts: Mapping[Key, ModelFacts] = field(default_factory=lambda: MappingProxyType({}))

    def lookup(self, provider: str, model: str) -> ModelFacts | None:
        """The facts known for a route target; ``None``: nothing known (nothing is gated)."""
        facts = self.facts
        if not facts:
            return None
        provider = provider.lower()
        found = facts.get((provider, model))
        if found is None and ":" in model:  # OpenRouter variants: "x/y:free", "x/y:nitro"
            found = facts.get((provider, model.partition(":")[0]))
        return found

    def models(self, provider: str | None = None) -> Iterator[tuple[str, ModelFacts]]:
        """``(provider, facts)`` in provider then id order, optionally of one provider."""
        wanted = provider.lower() if provider else None
        for (name, _), facts in sorted(self.facts.items()):
            if wanted is None or name == wanted:
                yield name, facts


def build_view(config: Config, entries: Mapping[str, Fetched]) -> CatalogView:
    out: dict[Key, ModelFacts] = {}
    for provider in config.providers.values():
        name = provider.name.lower()
        fetched = entries.get(models_url(provider.api_base_url))
        if fetched is not None:
            for model_id, facts in fetched.models.items():
                out[(name, model_id)] = facts
        for model_id, stated in provider.model_facts.items():
            base = out.get((name, model_id)) or ModelFacts(model_id)
            out[(name, model_id)] = base.merged(facts_from_json({**stated, "id": model_id}))
    return CatalogView(MappingProxyType(out))


class Catalog:
    """The fetched lists of the running server; ``view(config)`` is what a request reads."""

    def __init__(self, entries: Mapping[str, Fetched] | None = None) -> None:
        self._entries: dict[str, Fetched] = dict(entries or {})
        self._config: Config | None = None
        self._view = CatalogView()

    @property
    def entries(self) -> Mapping[str, Fetched]:
        return MappingProxyType(self._entries)

    def put(self, *fetched: Fetched) -> None:
        """Take newer lists (an older copy, e.g. from disk, never replaces a fresher one)."""
        for entry in fetched:
            known = self._entries.get(entry.url)
            if known is None or known.fetched_at <= entry.fetched_at:
                self._entries[entry.url] = entry
        self._config = None  # the next view() rebuilds

    def view(self, config: Config) -> CatalogView:
        if config is not self._config:
            self._view = build_view(config, self._entries)
            self._config = config
        return self._view
