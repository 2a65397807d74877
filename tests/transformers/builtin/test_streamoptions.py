from __future__ import annotations

from typing import Any

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.transformers.builtin.streamoptions import StreamOptionsTransformer
from tests.conftest import base_config
from tests.transformers.kit import ctx, messages_body, post, request, stream_text


def test_streaming_requests_ask_for_usage() -> None:
    out = StreamOptionsTransformer().transform_request(
        request({"stream": True, "stream_options": {"x": 1}}), ctx()
    )
    assert out.body["stream_options"] == {"x": 1, "include_usage": True}


def test_non_streaming_requests_are_left_alone() -> None:
    for body in ({"stream": False}, {}):
        assert (
            "stream_options"
            not in StreamOptionsTransformer().transform_request(request(body), ctx()).body
        )


async def test_openrouter_provider_gets_stream_options(make_app: Any, fake: FakeOpenRouter) -> None:
    config = base_config()
    config["Providers"][0]["transformer"]["use"] = ["openrouter", "streamoptions"]
    response = await post(make_app(config), messages_body("openrouter,model-default", stream=True))
    assert response.status_code == 200, response.text
    assert stream_text(response)
    assert fake.requests[-1].body is not None
    assert fake.requests[-1].body["stream_options"] == {"include_usage": True}
