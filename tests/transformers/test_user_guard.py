from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ccrouter.errors import PluginError, UpstreamError
from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.context import TranslationContext
from ccrouter.transformers.user_guard import guarded
from ccrouter.types import JSON
from tests.transformers.kit import chunk, ctx, request

PATH = Path("plugins/my_vendor.py")  # relative: only its name shows in messages


class Flaky(Transformer):
    name = "flaky"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        if self.options.get("fail"):
            raise KeyError("region")
        req.body["project"] = self.options.get("project")
        return req

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        return chunk  # type: ignore[return-value]  # the classic mistake: not a list

    def transform_response(self, body: JSON, ctx: TranslationContext) -> JSON:
        raise UpstreamError("deliberate", status=503, retryable=True)


def test_a_working_hook_works_unchanged() -> None:
    cls = guarded(Flaky, PATH)
    assert cls.name == "flaky" and issubclass(cls, Flaky)
    assert cls({"project": "acme"}).transform_request(request(), ctx()).body["project"] == "acme"
    assert cls().finish_stream(ctx()) == []


def test_an_exception_becomes_a_plugin_error_naming_the_file() -> None:
    with pytest.raises(PluginError) as info:
        guarded(Flaky, PATH)({"fail": True}).transform_request(request(), ctx())
    assert (
        info.value.message
        == "user transformer my_vendor.py (flaky) failed in transform_request: KeyError: 'region'"
    )
    assert info.value.status == 500 and info.value.error_type == "api_error"


def test_a_wrong_return_value_is_reported() -> None:
    with pytest.raises(
        PluginError,
        match=r"my_vendor.py \(flaky\): transform_chunk returned dict, not a list of dicts",
    ):
        guarded(Flaky, PATH)().transform_chunk(chunk(), ctx())


def test_router_errors_pass_as_they_are() -> None:
    with pytest.raises(UpstreamError, match="deliberate"):
        guarded(Flaky, PATH)().transform_response({}, ctx())


def test_options_defaults_still_apply_through_a_bound_subclass() -> None:
    # The registry binds config options as ``_defaults`` on a subclass of what it loaded.
    bound: Any = type("Flaky", (guarded(Flaky, PATH),), {"_defaults": {"project": "x"}})
    assert bound({"project": "y"}).transform_request(request(), ctx()).body["project"] == "y"
