"""Guard a user transformer class so its failures name the file they came from.

``guarded(cls, path)`` returns a subclass whose four hooks run the user's code and turn any
exception, or a return value of the wrong shape, into a ``PluginError`` such as "user transformer
my_vendor.py (vendor) failed in transform_chunk: KeyError: 'x'". The dispatcher treats a
``PluginError`` like any other failed attempt: the next model of the chain is tried, and the
client gets an Anthropic ``api_error`` naming the file, never a traceback.

Meant for the registry's ``load_user_files`` (one line: bind ``guarded(cls, path)`` instead of
``cls``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccrouter.errors import PluginError, RouterError
from ccrouter.transformers.base import Transformer, UpstreamRequest

_HOOKS = ("transform_request", "transform_response", "transform_chunk", "finish_stream")


def _is_chunk_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


_RETURNS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "transform_request": (lambda v: isinstance(v, UpstreamRequest), "an UpstreamRequest"),
    "transform_response": (lambda v: isinstance(v, dict), "a dict"),
    "transform_chunk": (_is_chunk_list, "a list of dicts"),
    "finish_stream": (_is_chunk_list, "a list of dicts"),
}


def guarded(cls: type[Transformer], path: Path) -> type[Transformer]:
    where = f"user transformer {path.name} ({cls.name or cls.__name__})"
    hooks = {name: _guard(getattr(cls, name), name, where) for name in _HOOKS}
    return type(cls.__name__, (cls,), {**hooks, "__module__": cls.__module__})


def _guard(original: Callable[..., Any], hook: str, where: str) -> Callable[..., Any]:
    check, expected = _RETURNS[hook]

    @functools.wraps(original)
    def run(self: Transformer, *args: Any) -> Any:
        try:
            result = original(self, *args)
        except RouterError:
            raise  # already says what is wrong (e.g. a deliberate UpstreamError)
        except Exception as exc:
            raise PluginError(f"{where} failed in {hook}: {type(exc).__name__}: {exc}") from exc
        if not check(result):
            raise PluginError(f"{where}: {hook} returned {type(result).__name__}, not {expected}")
        return result

    return run
