"""aiohttp's failures map onto the seam's three kinds (its behaviour is in test_base.py)."""

from __future__ import annotations

import aiohttp
import pytest

from ccrouter.upstream.aiohttp_client import AiohttpClient, _aiohttp_error


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (aiohttp.ServerTimeoutError("slow"), "timeout"),
        (TimeoutError(), "timeout"),
        (aiohttp.ServerDisconnectedError(), "broken"),
        (aiohttp.ClientPayloadError("bad chunk"), "broken"),
    ],
)
def test_failure_kinds(exc: BaseException, kind: str) -> None:
    assert _aiohttp_error(exc).kind == kind


async def test_the_session_opens_on_first_use_and_closes_once() -> None:
    client = AiohttpClient("http://proxy.test:3128")
    await client.aclose()  # never used: nothing to close
    client._open()
    await client.aclose()
    await client.aclose()
