"""Browser-test fixtures: a real ``ccrouter serve`` in front of the fake OpenRouter, both
subprocesses on 127.0.0.1, and headless Chromium (Debian's ``chromium``) driven by Playwright.

Playwright is pointed at ``/usr/bin/chromium`` (or ``$CCROUTER_CHROMIUM``), so nothing is
downloaded. Without a browser the tests skip, except in CI (``CI=true``), where they fail:
``scripts/check`` installs chromium. Screenshots go to pytest's temporary folder (printed at
teardown), never into the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccrouter.usage.record import TriedModel, UsageRow
from ccrouter.usage.schema import connect
from ccrouter.usage.store import insert_batch
from tests.e2e.conftest import clean_env, free_port, read_text, spawn, stop_group, wait_until

MODEL_A, MODEL_B, MODEL_BG = "fake/model-a", "fake/model-b", "fake/model-bg"
PROVIDER_KEY = "sk-or-ui-test-secret-0123456789"
APIKEY = "ui-test-apikey-5f1e2d3c4b"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"

CONFIG = """{
  // the dashboard's browser tests: one provider, the fake OpenRouter
  "LOG_LEVEL": "info",
  "CUSTOM_ROUTER_DIR": "no-custom-routers",
  %(apikey)s
  "Usage": {"path": "usage.db"},
  "Providers": [
    {
      "name": "openrouter",
      "api_base_url": "%(chat_url)s",
      "api_key": "%(key)s", // a real-looking key: the page must only ever see it masked
      "models": [
        {"id": "fake/model-a", "context": 128000, "maxOutput": 8192, "tools": true,
         "vision": false, "price": {"input": 0.27, "output": 1.10}},
        {"id": "fake/model-b", "context": 1000000, "maxOutput": 65536, "tools": true,
         "vision": true, "price": {"input": 1.25, "output": 10}},
        "fake/model-bg",
      ],
      "transformer": {"use": ["openrouter"]},
    },
    {
      "name": "spare",
      "api_base_url": "%(chat_url)s",
      "api_key": "$UI_TEST_SPARE_KEY", /* a $VAR reference, kept as written */
      "models": ["spare/one"],
    },
  ],
  "Router": {
    "default": ["openrouter,fake/model-a", "openrouter,fake/model-b"],
    "background": "openrouter,fake/model-bg",
  },
}
"""


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run, not skip)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    given = os.environ.get("CCROUTER_CHROMIUM")
    return (
        shutil.which(given)
        if given
        else shutil.which("chromium") or shutil.which("chromium-browser")
    )


def seed_ledger(path: Path, now: float) -> None:
    """Five days of traffic on three models: what the usage page charts."""
    rows = []
    for day in range(5):
        for n, (model, cost) in enumerate(((MODEL_A, 0.012), (MODEL_B, 0.004), (MODEL_BG, 0.001))):
            for i in range(3 + day + n):
                rows.append(
                    UsageRow(
                        at=now - day * 86400 - 600 - i * 30,
                        request_id=f"seed-{day}-{n}-{i}",
                        route="background" if model == MODEL_BG else "default",
                        model=f"openrouter,{model}",
                        status="error 429" if i == 0 and model == MODEL_B else "ok",
                        project="~/code/shop" if i % 2 else "~/code/api",
                        tried=(TriedModel(f"openrouter,{model}", "ok"),),
                        input_tokens=1200 + 100 * i,
                        output_tokens=300 + 10 * i,
                        cache_read_tokens=4000,
                        cost_usd=cost,
                        cost_source="reported",
                        latency_ms=800.0 + 150 * i + 40 * n,
                    )
                )
    conn = connect(path)
    try:
        insert_batch(conn, rows)
    finally:
        conn.close()


@dataclass
class Stack:
    url: str  # the router, http://127.0.0.1:PORT
    fake_url: str
    config_path: Path
    log: Path
    shots: Path

    def chat_models(self) -> list[str]:
        recorded = httpx.get(f"{self.fake_url}/_fake/requests", timeout=5, trust_env=False).json()
        return [r["body"]["model"] for r in recorded if r["path"].endswith("/chat/completions")]


def _start(folder: Path, apikey: str | None) -> Iterator[Stack]:
    folder.mkdir(parents=True, exist_ok=True)
    env = clean_env(PYTHONUNBUFFERED="1", CCROUTER_HOME=str(folder / "home"), HOME=str(folder))
    env["UI_TEST_SPARE_KEY"] = "spare-key-value-0987654321"
    env["CCROUTER_CATALOG_FETCH"] = "0"
    fake_log = folder / "fake.log"
    fake = spawn(
        [sys.executable, "-m", "ccrouter.testing.fake", "--port", "0"], fake_log, env, folder
    )
    router = None
    try:

        def announced() -> str | None:
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", read_text(fake_log))
            return found.group(1) if found else None

        fake_url = wait_until(announced, 20, "the fake OpenRouter to listen")
        config_path = folder / "config.json"
        config_path.write_text(
            CONFIG
            % {
                "chat_url": f"{fake_url}/api/v1/chat/completions",
                "key": PROVIDER_KEY,
                "apikey": f'"APIKEY": "{apikey}",' if apikey else "",
            }
        )
        seed_ledger(folder / "usage.db", time.time())
        port = free_port()
        log = folder / "ccrouter.log"
        command = [sys.executable, "-m", "ccrouter", "serve", "--config", str(config_path)]
        router = spawn([*command, "--host", "127.0.0.1", "--port", str(port)], log, env, folder)
        url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            if router is not None and router.poll() is not None:
                pytest.fail(f"ccrouter exited:\n{read_text(log)}")
            try:
                return httpx.get(f"{url}/health", timeout=1, trust_env=False).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, 20, f"ccrouter at {url}")
        shots = folder / "screenshots"
        shots.mkdir(exist_ok=True)
        yield Stack(url, fake_url, config_path, log, shots)
    finally:
        if router is not None:
            stop_group(router)
        stop_group(fake)
        print(f"--- ccrouter log ---\n{read_text(folder / 'ccrouter.log')}")
        print(f"screenshots: {folder / 'screenshots'}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A router without an APIKEY: the dashboard is open to loopback clients."""
    yield from _start(tmp_path_factory.mktemp("ui-open"), None)


@pytest.fixture(scope="module")
def keyed_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A router with an APIKEY: the dashboard needs a sign-in."""
    yield from _start(tmp_path_factory.mktemp("ui-keyed"), APIKEY)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        _unavailable("chromium is not installed (scripts/check installs it with apt-get)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
    try:
        opened = context.new_page()
        yield opened
    finally:
        context.close()


def config_json(text: str) -> dict[str, Any]:
    """The test config without its comments (for assertions)."""
    from ccrouter.config.jsonc import loads

    loaded: dict[str, Any] = loads(text)
    return loaded


__all__ = [
    "APIKEY",
    "MODEL_A",
    "MODEL_B",
    "MODEL_BG",
    "PROVIDER_KEY",
    "Stack",
    "config_json",
    "json",
]
