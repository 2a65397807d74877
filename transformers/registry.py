"""Transformer names → classes, chains per (provider, model), and user transformer files.

Chains are built once per config snapshot and reused by every request (transformers keep
per-request state in ``ctx.extras``, never on themselves). A user transformer file that fails
to load does not reject the config: requests whose chain names it fail with a clear error
naming the file, and every other request works.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccrouter.errors import ConfigProblem, PluginError
from ccrouter.transformers.base import Transformer, TransformerSpec, UpstreamRequest
from ccrouter.transformers.builtin import BUILTINS
from ccrouter.transformers.context import TranslationContext
from ccrouter.transformers.user_guard import guarded
from ccrouter.userfiles import UserFileError, load_user_module, what_happened

if TYPE_CHECKING:
    from ccrouter.config.model import ProviderConfig

log = logging.getLogger("ccrouter.transformers")


class BrokenTransformer(Transformer):
    """Stands in for a user transformer that failed to load; fails the requests that use it."""

    def __init__(self, why: str) -> None:
        super().__init__()
        self.why = why

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        raise PluginError(self.why)


class TransformerRegistry:
    def __init__(self, extra: Mapping[str, type[Transformer]] | None = None) -> None:
        self._classes: dict[str, type[Transformer]] = {k.lower(): v for k, v in BUILTINS.items()}
        for name, cls in (extra or {}).items():
            self._classes[name.lower()] = cls
        self._broken: dict[str, str] = {}  # file stem -> why
        self._chains: dict[tuple[str, str], tuple[Transformer, ...]] = {}

    def known(self) -> list[str]:
        return sorted({cls.name or key for key, cls in self._classes.items()})

    def load_user_files(self, items: tuple[tuple[Path, Mapping[str, Any]], ...]) -> list[str]:
        problems: list[str] = []
        for path, options in items:
            try:
                cls = _load_class(path)
            except Exception as exc:
                why = f"user transformer {path.name} failed to load: {what_happened(exc)}"
                self._broken[path.stem.lower()] = why
                problems.append(why)
                log.warning("%s", why)
                continue
            defaults = dict(options)
            # Guarded: an exception in a user hook becomes a PluginError naming the file.
            bound = type(cls.__name__, (guarded(cls, path),), {"_defaults": defaults})
            self._classes[cls.name.lower()] = bound
        return problems

    def problems(
        self, providers: Mapping[str, ProviderConfig]
    ) -> tuple[list[ConfigProblem], list[str]]:
        """Unknown transformer names, each with provider, model and the known names.

        Returns ``(errors, warnings)``: while a user transformer file is broken its names cannot
        be known, so an unknown name is then only a warning (shown on /health) and the requests
        that use it fail naming the broken file; otherwise it is a config error.
        """
        errors: list[ConfigProblem] = []
        known = ", ".join(self.known())
        for i, provider in enumerate(providers.values()):
            scopes = [("use", provider.use)] + [
                (f"{model}.use", specs) for model, specs in provider.model_use.items()
            ]
            for scope, specs in scopes:
                for spec in specs:
                    if spec.name.lower() in self._classes:
                        continue
                    model = "" if scope == "use" else f" model {scope[:-4]!r}"
                    errors.append(
                        ConfigProblem(
                            f"Providers[{i}].transformer.{scope}",
                            f"unknown transformer {spec.name!r} for provider "
                            f"{provider.name!r}{model}; known: {known}",
                        )
                    )
        if self._broken and errors:
            broken = ", ".join(sorted(self._broken))
            return [], [
                f"{p} (or from a user transformer that failed to load: {broken})" for p in errors
            ]
        return errors, []

    def instantiate(self, spec: TransformerSpec) -> Transformer:
        cls = self._classes.get(spec.name.lower())
        if cls is None:
            why = "; ".join(self._broken.values()) or f"unknown transformer {spec.name!r}"
            return BrokenTransformer(why)
        options = {**getattr(cls, "_defaults", {}), **spec.options}
        return cls(options)

    def chain_for(self, provider: ProviderConfig, model: str) -> tuple[Transformer, ...]:
        key = (provider.name, model)
        chain = self._chains.get(key)
        if chain is None:
            specs = list(provider.chain_for(model))
            names = {s.name.lower() for s in specs}
            if provider.dialect == "openrouter" and "openrouter" not in names:
                specs.insert(0, TransformerSpec("openrouter"))
            chain = tuple(
                self.instantiate(s) for s in specs if s.name.lower() != "anthropic"
            )  # "Anthropic" marks a pass-through provider; it has no work of its own
            self._chains[key] = chain
        return chain


def _load_class(path: Path) -> type[Transformer]:
    module = load_user_module(path, "ccrouter_user_transformer")
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, Transformer)
        and obj.__module__ == module.__name__  # not a class it imported, such as a builtin
        and isinstance(obj.name, str)
        and obj.name
    ]
    if not found:
        raise UserFileError(
            path,
            "no Transformer subclass with a `name` found "
            '(define `class MyTransformer(Transformer): name = "mine"`)',
        )
    return found[0]
