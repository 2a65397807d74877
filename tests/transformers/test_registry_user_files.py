"""User transformer files from the config's ``transformers`` list, through the app."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ccrouter.app import create_app
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import Text
from tests.transformers.kit import (
    chunk,
    messages_body,
    post,
    provider_config,
    stream_text,
    usage_chunk,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "transformers.md"

STAMP = """
from ccrouter.transformers.base import Transformer


class StampTransformer(Transformer):
    name = "stamp"

    def transform_request(self, req, ctx):
        req.body["project"] = self.options["project"]
        req.headers["x-stamp-region"] = self.options.get("region", "eu")
        return req

    def transform_chunk(self, chunk, ctx):
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                delta["content"] = delta["content"].upper()
        return [chunk]
"""
RAISES_IN_REQUEST = """
from ccrouter.transformers.base import Transformer


class Boom(Transformer):
    name = "boom"

    def transform_request(self, req, ctx):
        raise RuntimeError("the vendor SDK is not configured")
"""
RAISES_IN_STREAM = """
from ccrouter.transformers.base import Transformer


class ChunkBoom(Transformer):
    name = "chunkboom"

    def transform_chunk(self, chunk, ctx):
        return chunk["no such key"]
"""


def plugin(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / "plugins" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def two_providers(use: list[Any], transformers: list[dict[str, Any]]) -> dict[str, Any]:
    """Provider ``u`` uses the user transformer; provider ``ok`` does not."""
    config = provider_config("u", use=use, transformers=transformers)
    config["Providers"].append(
        {**config["Providers"][-1], "name": "ok", "transformer": {"use": []}}
    )
    return config


async def test_a_user_transformer_is_loaded_and_applied_with_its_options(
    tmp_path: Path, make_app: Any, fake: FakeOpenRouter
) -> None:
    path = plugin(tmp_path, "stamp.py", STAMP)
    config = provider_config(
        "u",
        use=["stamp"],
        model_use={"m2": [["stamp", {"region": "us"}]]},
        models=["m", "m2"],
        transformers=[{"path": str(path), "options": {"project": "acme"}}],
    )
    app = make_app(config)
    fake.script("m", Text("quiet words"))
    response = await post(app, messages_body("u,m", stream=True))
    assert response.status_code == 200, response.text
    assert stream_text(response) == "QUIET WORDS"
    sent = fake.requests[-1]
    assert sent.body is not None and sent.body["project"] == "acme"
    assert sent.headers["x-stamp-region"] == "eu"
    assert (await post(app, messages_body("u,m2"))).status_code == 200
    assert fake.requests[-1].headers["x-stamp-region"] == "us"  # the `use` entry's options win


async def test_a_relative_path_is_relative_to_the_config(
    tmp_path: Path, make_app: Any, fake: FakeOpenRouter
) -> None:
    plugin(tmp_path, "stamp.py", STAMP)
    config = provider_config(
        "u",
        use=["STAMP"],
        transformers=[{"path": "plugins/stamp.py", "options": {"project": "rel"}}],
    )
    response = await post(make_app(config), messages_body("u,m"))
    assert response.status_code == 200, response.text
    assert fake.requests[-1].body is not None and fake.requests[-1].body["project"] == "rel"


def assert_clear_500(response: httpx.Response) -> str:
    assert response.status_code == 500
    payload = response.json()
    assert payload["type"] == "error"
    assert payload["error"]["type"] == "api_error"
    assert "Traceback" not in response.text and 'File "' not in response.text
    return str(payload["error"]["message"])


async def test_a_file_with_a_syntax_error_fails_only_the_requests_that_use_it(
    tmp_path: Path, make_app: Any, fake: FakeOpenRouter
) -> None:
    path = plugin(tmp_path, "broken_vendor.py", "def oops(:\n    pass\n")
    app = make_app(two_providers(["vendor"], [{"path": str(path)}]))  # the config still loads
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        health = (await client.get("/health")).json()
    assert health["status"] == "degraded" and "broken_vendor.py" in str(health)
    for stream in (False, True):
        message = assert_clear_500(await post(app, messages_body("u,m", stream=stream)))
        assert "broken_vendor.py" in message and "SyntaxError" in message
        assert (await post(app, messages_body("ok,m", stream=stream))).status_code == 200
    assert all(r.path.endswith("/chat/completions") for r in fake.requests)
    assert len(fake.requests) == 2  # only the "ok" requests went upstream


@pytest.mark.parametrize(
    ("name", "source", "stream"),
    [("boom", RAISES_IN_REQUEST, False), ("chunkboom", RAISES_IN_STREAM, True)],
)
async def test_a_hook_that_raises_fails_only_the_requests_that_use_it(
    tmp_path: Path, make_app: Any, name: str, source: str, stream: bool
) -> None:
    path = plugin(tmp_path, f"{name}.py", source)
    app = make_app(two_providers([name], [{"path": str(path)}]))
    assert_clear_500(await post(app, messages_body("u,m", stream=stream)))
    assert (await post(app, messages_body("ok,m", stream=stream))).status_code == 200


@pytest.mark.parametrize(
    ("name", "source", "stream"),
    [("boom", RAISES_IN_REQUEST, False), ("chunkboom", RAISES_IN_STREAM, True)],
)
async def test_a_hook_that_raises_is_named_in_the_error(
    tmp_path: Path, make_app: Any, name: str, source: str, stream: bool
) -> None:
    path = plugin(tmp_path, f"{name}.py", source)
    app = make_app(two_providers([name], [{"path": str(path)}]))
    message = assert_clear_500(await post(app, messages_body("u,m", stream=stream)))
    assert f"{name}.py" in message


def docs_example() -> str:
    text = DOCS.read_text()
    match = re.search(r"<!-- user-transformer-example -->\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "docs/transformers.md lost its user transformer example"
    return match.group(1)


async def test_the_example_in_the_docs_works(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    path = plugin(tmp_path, "my_vendor.py", docs_example())
    seen: list[httpx.Request] = []
    sse = b"".join(
        b"data: " + orjson.dumps(piece) + b"\n\n"
        for piece in [
            chunk({"thoughts": "Let me see."}),
            chunk({"content": "Hi."}),
            chunk({}, "stop"),
            usage_chunk(),
        ]
    )

    def vendor(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, content=sse + b"data: [DONE]\n\n", headers={"content-type": "text/event-stream"}
        )

    config = provider_config(
        "vendor",
        use=[["my-vendor", {"region": "us"}]],
        transformers=[{"path": str(path), "options": {"project": "acme"}}],
    )
    app = create_app(
        write_config(config),
        client=httpx.AsyncClient(transport=httpx.MockTransport(vendor)),
        watch=False,
    )
    response = await post(app, messages_body("vendor,m", stream=True))
    assert response.status_code == 200, response.text
    assert b'"thinking":"Let me see."' in response.content
    assert orjson.loads(seen[0].content)["vendor_project"] == "acme"
    assert seen[0].headers["x-vendor-region"] == "us"
