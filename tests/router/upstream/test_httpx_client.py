"""httpx's failures map onto the seam's three kinds (its behaviour is in test_base.py)."""

from __future__ import annotations

import httpx
import pytest

from ccrouter.upstream.base import TransportError
from ccrouter.upstream.httpx_client import HttpxClient, _httpx_error

URL = "http://upstream.test/v1/chat/completions"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("refused"), "connect"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectTimeout("slow"), "timeout"),
        (TimeoutError(), "timeout"),
        (httpx.RemoteProtocolError("peer closed"), "broken"),
    ],
)
def test_failure_kinds(exc: BaseException, kind: str) -> None:
    assert _httpx_error(exc).kind == kind


async def test_a_transport_failure_is_a_transport_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = HttpxClient(httpx.AsyncClient(transport=httpx.MockTransport(refuse)))
    with pytest.raises(TransportError) as info:
        await client.post(URL, b"{}", {}, connect_timeout_s=1, read_timeout_s=1)
    assert info.value.kind == "connect"
    await client.aclose()
