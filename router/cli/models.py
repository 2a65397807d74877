"""``ccrouter models [QUERY] [--provider P] [--json]`` and ``ccrouter models refresh``.

Lists what the model catalog knows (context, output cap, tools / vision / reasoning, prices per
million tokens) from the disk copy the server keeps, joined with the config's own statements;
``refresh`` fetches every provider's list now and rewrites the disk copy (a running server picks
it up within minutes). Not to be confused with ``ccrouter model`` (singular), which lists and
changes the routes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccrouter.cli.common import CLIError, ConfigArg, SubParsers, note

if TYPE_CHECKING:
    from ccrouter.catalog.facts import ModelFacts
    from ccrouter.catalog.table import CatalogView
    from ccrouter.config.model import Config

UNKNOWN = "?"


def _config(path_arg: str | None) -> Config:
    from ccrouter.config.load import resolve_config_path
    from ccrouter.config.model import load_config

    path = resolve_config_path(path_arg)
    if path_arg and not path.exists():
        raise CLIError(f"config file {path} does not exist")
    return load_config(path)


def rows(
    config: Config, view: CatalogView, query: str | None, provider: str | None
) -> list[tuple[str, ModelFacts]]:
    """Catalog models plus the config's models the catalog does not know, filtered."""
    from ccrouter.catalog.facts import ModelFacts

    if provider is not None and config.provider(provider) is None:
        known = ", ".join(config.providers) or "none"
        raise CLIError(f"unknown provider {provider!r}; known providers: {known}")
    found = list(view.models(provider))
    seen = {(name, facts.id) for name, facts in found}
    for p in config.providers.values():
        if provider is None or p.name.lower() == provider.lower():
            found += [
                (p.name.lower(), ModelFacts(m)) for m in p.models if (p.name.lower(), m) not in seen
            ]
    wanted = query.lower() if query else ""
    names = {p.name.lower(): p.name for p in config.providers.values()}
    return sorted(
        ((names.get(name, name), facts) for name, facts in found if wanted in facts.id.lower()),
        key=lambda row: (row[0], row[1].id),
    )


def _flag(value: bool | None) -> str:
    return UNKNOWN if value is None else ("yes" if value else "no")


def _tokens(value: int | None) -> str:
    return UNKNOWN if value is None else f"{value:,}"


def _usd(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:g}"


def render(found: list[tuple[str, ModelFacts]]) -> list[str]:
    header = ("PROVIDER", "MODEL", "CONTEXT", "OUTPUT", "TOOLS", "VISION", "REASON", "$ IN/OUT")
    table = [header]
    for provider, f in found:
        price = f"{_usd(f.price.input)}/{_usd(f.price.output)}"
        if f.price.cache_read is not None or f.price.cache_write is not None:
            price += f" cache {_usd(f.price.cache_read)}/{_usd(f.price.cache_write)}"
        table.append(
            (
                provider,
                f.id,
                _tokens(f.context),
                _tokens(f.max_output),
                _flag(f.tools),
                _flag(f.vision),
                _flag(f.reasoning),
                price,
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in table
    ]


def _ages(entries: dict[str, Any], now: float) -> list[str]:
    lines = []
    for url, fetched in sorted(entries.items()):
        hours = fetched.age_s(now) / 3600
        lines.append(f"{url}: {len(fetched.models)} models, fetched {hours:.1f} h ago")
    return lines


def cmd_models(args: argparse.Namespace) -> int:
    from ccrouter.catalog.facts import facts_to_json
    from ccrouter.catalog.store import cache_path, read_cache
    from ccrouter.catalog.table import build_view

    config = _config(args.config)
    if args.query == "refresh":
        return asyncio.run(refresh(config, cache_path()))
    entries = read_cache(cache_path())
    found = rows(config, build_view(config, entries), args.query, args.provider)
    if args.json:
        print(json.dumps([{"provider": p, **facts_to_json(f)} for p, f in found], indent=2))
        return 0
    if not entries:
        note(
            "no model catalog fetched yet: run `ccrouter models refresh` (a running ccrouter "
            "fetches one in the background); showing the config's own statements"
        )
    if not found:
        raise CLIError(f"no model matches {args.query!r}" if args.query else "no models known")
    print("\n".join(render(found)))
    print("\nprices in USD per million tokens; ? = not known (never gated on)")
    for line in _ages(dict(entries), time.time()):
        print(f"  {line}")
    return 0


async def refresh(config: Config, path: Path) -> int:
    """Fetch every provider's list now; 1 when none could be fetched."""
    import httpx

    from ccrouter.catalog.fetch import FETCH_TIMEOUT_S, httpx_getter
    from ccrouter.catalog.refresh import Refresher, providers_by_url
    from ccrouter.catalog.store import read_cache
    from ccrouter.catalog.table import Catalog

    catalog = Catalog(read_cache(path))
    async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_S, proxy=config.proxy_url) as client:
        refresher = Refresher(catalog, lambda: config, client, path)
        failed = await refresher.refresh(httpx_getter(client), force=True)
    urls = providers_by_url(config)
    for url in urls:
        if url in failed:
            note(f"not refreshed: {failed[url]}")
        else:
            print(f"{url}: {len(catalog.entries[url].models)} models")
    return 1 if urls and len(failed) == len(urls) else 0


def register(sub: SubParsers, config_arg: ConfigArg) -> None:
    models = sub.add_parser(
        "models",
        help="what each provider's models can take and cost (the model catalog)",
        usage="ccrouter models [QUERY | refresh] [--provider P] [--json] [--config FILE]",
        description="List the model catalog: context window, output cap, tools, vision, "
        "reasoning and prices (USD per million tokens) of each provider's models, as fetched "
        "from the providers (kept under the ccrouter home) with the config's own statements "
        "laid over them. QUERY keeps the models whose id contains it. `ccrouter models "
        "refresh` fetches every provider's list now. Routes are listed and changed by "
        "`ccrouter model` (singular).",
    )
    models.add_argument("query", nargs="?", help=argparse.SUPPRESS)
    models.add_argument("--provider", metavar="P", help="only this provider's models")
    models.add_argument("--json", action="store_true", help="print JSON, one object per model")
    config_arg(models)
    models.set_defaults(func=cmd_models)
