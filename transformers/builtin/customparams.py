"""``customparams`` ``{…}``: extra fields for the request body.

Request: the options are deep-merged into the body: objects are merged key by key, recursively;
a value the body already has (a scalar or a list) is kept, unless the option ``override: true``
is given, which makes the options win. ``override`` itself is never sent. Response: nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON


class CustomParamsTransformer(Transformer):
    name = "customparams"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        options = {k: v for k, v in self.options.items() if k != "override"}
        req.body = deep_merge(req.body, options, override=self.options.get("override") is True)
        return req


def deep_merge(base: JSON, extra: JSON, *, override: bool) -> JSON:
    """A new object: ``base`` with ``extra`` merged in; neither input is changed."""
    out = dict(base)
    for key, value in extra.items():
        current = out.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            out[key] = deep_merge(current, value, override=override)
        elif key not in out or override:
            out[key] = _copy(value)
    return out


def _copy(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, dict | list) else value
