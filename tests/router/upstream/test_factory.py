"""The lean client is the default; aiohttp is chosen, and imported, only for a proxy or on request."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from ccrouter.upstream.aiohttp_client import AiohttpClient
from ccrouter.upstream.factory import as_upstream_client
from ccrouter.upstream.http1 import Http1Client
from ccrouter.upstream.httpx_client import HttpxClient


def test_the_lean_client_is_the_default_unless_a_proxy_or_the_escape_hatch_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CCROUTER_UPSTREAM_CLIENT", raising=False)
    assert isinstance(as_upstream_client(None, None), Http1Client)
    assert isinstance(as_upstream_client(None, "http://proxy.test:3128"), AiohttpClient)
    monkeypatch.setenv("CCROUTER_UPSTREAM_CLIENT", "aiohttp")
    assert isinstance(as_upstream_client(None, None), AiohttpClient)
    injected = HttpxClient(httpx.AsyncClient())
    assert as_upstream_client(injected, None) is injected
    assert isinstance(as_upstream_client(httpx.AsyncClient(), None), HttpxClient)


LAZY = """
import sys
import ccrouter.server.run
from ccrouter.app import create_app
from ccrouter.upstream.factory import as_upstream_client

app = create_app(None, watch=False)
as_upstream_client(None, None)
assert "aiohttp" not in sys.modules, "aiohttp imported without a proxy"
as_upstream_client(None, "http://proxy.test:3128")
assert "aiohttp" in sys.modules, "a proxy needs aiohttp"
print("ok")
"""


def test_aiohttp_is_imported_only_when_a_proxy_needs_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CCROUTER_UPSTREAM_CLIENT"}
    env["CCROUTER_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LAZY)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
