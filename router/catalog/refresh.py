"""Keep the catalog fresh in the background, never on a request's path.

``Refresher.run(stop)`` is started from the app's lifespan: it reads the disk copy (off the
event loop), then every few minutes fetches the lists that are older than the refresh interval
(``Catalog.refreshHours`` in the config, default 24) and writes the disk copy back; a disk copy
another process wrote (``ccrouter models refresh``) is read again. A provider
that cannot be reached keeps its old copy and is asked again after ``RETRY_S``; offline with no
copy, facts stay unknown and nothing is gated. ``Catalog.fetch: false`` (or the environment
variable ``CCROUTER_CATALOG_FETCH=0``) turns fetching off; the disk copy and the config's
statements still count.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ccrouter.catalog.fetch import (
    FETCH_TIMEOUT_S,
    FetchError,
    Getter,
    fetch_models,
    httpx_getter,
    models_url,
)
from ccrouter.catalog.store import Fetched, cache_path, read_cache, write_cache
from ccrouter.catalog.table import Catalog
from ccrouter.config.model import Config, ProviderConfig

log = logging.getLogger("ccrouter.catalog")
CHECK_S = 300.0  # how often the loop looks for stale lists
RETRY_S = 900.0  # how long a provider that failed is left alone
DEFAULT_INTERVAL_S = 24 * 3600.0


@dataclass(frozen=True)
class RefreshSettings:
    fetch: bool = True
    interval_s: float = DEFAULT_INTERVAL_S


def settings_of(config: Config, env: Mapping[str, str] = os.environ) -> RefreshSettings:
    raw: Any = config.raw.get("Catalog")
    raw = raw if isinstance(raw, dict) else {}
    hours = raw.get("refreshHours")
    interval = float(hours) * 3600 if isinstance(hours, int | float) and hours > 0 else None
    fetch = raw.get("fetch", True) is not False and env.get("CCROUTER_CATALOG_FETCH") != "0"
    return RefreshSettings(fetch, interval or DEFAULT_INTERVAL_S)


def providers_by_url(config: Config) -> dict[str, ProviderConfig]:
    """One provider per models URL (the first one configured: its key is used)."""
    out: dict[str, ProviderConfig] = {}
    for provider in config.providers.values():
        out.setdefault(models_url(provider.api_base_url), provider)
    return out


async def fetch_all(
    get: Getter, providers: Mapping[str, ProviderConfig]
) -> tuple[list[Fetched], dict[str, str]]:
    """Fetch every URL at once: the lists that came, and why each of the others did not."""
    urls = list(providers)
    results = await asyncio.gather(
        *(fetch_models(get, providers[url]) for url in urls), return_exceptions=True
    )
    now = time.time()
    fetched: list[Fetched] = []
    failed: dict[str, str] = {}
    for url, result in zip(urls, results, strict=True):
        if isinstance(result, FetchError):
            failed[url] = str(result)
        elif isinstance(result, BaseException):
            raise result
        else:
            fetched.append(Fetched(url, now, result))
    return fetched, failed


class Refresher:
    def __init__(
        self,
        catalog: Catalog,
        current: Callable[[], Config],
        client: httpx.AsyncClient | None = None,
        path: Path | None = None,
        check_s: float = CHECK_S,
    ) -> None:
        self.catalog = catalog
        self.current = current
        self.path = path or cache_path()
        self.check_s = check_s
        self._client = client  # None: run() makes its own and closes it
        self._failed_at: dict[str, float] = {}
        self._read_mtime: float | None = None

    async def run(self, stop: asyncio.Event) -> None:
        own = self._client is None
        client = self._client or httpx.AsyncClient(
            timeout=FETCH_TIMEOUT_S, proxy=self.current().proxy_url
        )
        try:
            while not stop.is_set():
                await self.reread()
                await self.refresh(httpx_getter(client))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.check_s)
        finally:
            if own:
                await client.aclose()

    async def reread(self) -> None:
        """Take the disk copy when it changed (at start, or after ``ccrouter models refresh``)."""
        try:
            mtime = (await asyncio.to_thread(self.path.stat)).st_mtime
        except OSError:
            return
        if mtime != self._read_mtime:
            self._read_mtime = mtime
            self.catalog.put(*(await asyncio.to_thread(read_cache, self.path)).values())
            self.catalog.view(self.current())

    async def refresh(self, get: Getter, force: bool = False) -> dict[str, str]:
        """Fetch the stale lists (``force``: all); returns why each failed list failed."""
        config = self.current()
        settings = settings_of(config)
        if not settings.fetch and not force:
            return {}
        now = time.time()
        due = {
            url: provider
            for url, provider in providers_by_url(config).items()
            if force or self._due(url, now, settings.interval_s)
        }
        if not due:
            return {}
        fetched, failed = await fetch_all(get, due)
        for url, why in failed.items():
            self._failed_at[url] = now
            log.info("model catalog not refreshed: %s (the last copy, if any, stays)", why)
        if fetched:
            self.catalog.put(*fetched)
            self.catalog.view(config)  # build the request-time view here, not in a request
            try:
                await asyncio.to_thread(write_cache, self.path, self.catalog.entries)
                self._read_mtime = self.path.stat().st_mtime  # our own write: nothing to reread
            except OSError as exc:
                log.warning("cannot write the model catalog to %s: %s", self.path, exc)
        return failed

    def _due(self, url: str, now: float, interval_s: float) -> bool:
        if now - self._failed_at.get(url, -RETRY_S) < RETRY_S:
            return False
        entry = self.catalog.entries.get(url)
        return entry is None or entry.age_s(now) >= interval_s
