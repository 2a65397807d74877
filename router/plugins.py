"""Custom routers: user Python files that choose a model before the built-in rules.

A custom router is a ``.py`` file defining ``route(request, config)`` (sync or async) that returns
a ``Decision``, a ``"provider,model"`` string, a configured route name such as ``"think"``, or
``None`` to fall through. Files are imported under unique module names (so edits reload), their
shape is checked at load, and every call is wrapped: an exception, a bad return value or a call
slower than the budget is logged with the file name and skipped — never a failed request.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccrouter.config import Config, Target
from ccrouter.features import RouteRequest
from ccrouter.rules import Decision

log = logging.getLogger("ccrouter.plugins")
RouteFunction = Callable[[RouteRequest, Config], Any]


@dataclass(frozen=True)
class CustomRouter:
    name: str  # file stem
    path: Path
    func: RouteFunction
    is_async: bool

    async def decide(self, req: RouteRequest, config: Config, budget_s: float) -> Decision | None:
        started = time.perf_counter()
        try:
            if self.is_async:
                result = await asyncio.wait_for(self.func(req, config), budget_s)
            else:
                # A thread, so a slow or blocking router cannot stall the event loop.
                result = await asyncio.wait_for(asyncio.to_thread(self.func, req, config), budget_s)
        except TimeoutError:
            log.warning(
                "custom router %s took longer than %.0f ms; skipped",
                self.path.name,
                budget_s * 1000,
            )
            return None
        except Exception as exc:  # a plugin's bug must never fail the request
            log.warning(
                "custom router %s raised %s: %s; skipped", self.path.name, type(exc).__name__, exc
            )
            return None
        return self._normalise(result, config, (time.perf_counter() - started) * 1000)

    def _normalise(self, result: Any, config: Config, ms: float) -> Decision | None:
        route = f"custom:{self.name}"
        if result is None or result == "":
            return None
        if isinstance(result, Decision):
            return result if result.route.startswith("custom:") else _rename(result, route)
        if isinstance(result, str):
            if "," in result:
                return Decision(
                    route, Target.parse(result), f"custom router {self.name} chose {result!r}"
                )
            chain = config.routes.get(result)
            if chain:
                return Decision(
                    result, chain[0], f"custom router {self.name} chose route {result!r}"
                )
        log.warning(
            "custom router %s returned %r; expected a Decision, 'provider,model', a route name "
            "from Router, or None; skipped",
            self.path.name,
            result if not isinstance(result, str) else result[:80],
        )
        return None


def _rename(decision: Decision, route: str) -> Decision:
    return Decision(route, decision.target, decision.reason, decision.chain)


def discover(paths: tuple[Path, ...]) -> list[Path]:
    """The router files: a file path as given; a folder's ``*.py`` (not ``_*.py``), sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)  # a non-.py file fails to load with a clear message
        elif path.is_dir():
            files.extend(p for p in sorted(path.glob("*.py")) if not p.name.startswith("_"))
    return files


def load_router(path: Path) -> CustomRouter:
    """Import one file under a unique module name; raises with a clear message if unusable."""
    if path.suffix != ".py":
        raise ImportError(
            f"{path.name} is not a Python file; ccrouter's custom routers are .py files "
            "defining route(request, config) (see docs/custom-routers.md)"
        )
    source = path.read_bytes()
    digest = hashlib.sha256(str(path).encode() + source).hexdigest()[:12]
    module_name = f"ccrouter_custom_router_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    func = getattr(module, "route", None)
    if not callable(func):
        raise TypeError(f"{path.name} defines no route(request, config) function")
    params = [
        p
        for p in inspect.signature(func).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if len(params) > 2:
        raise TypeError(
            f"{path.name}: route() must take (request, config), not {len(params)} arguments"
        )
    if len(params) < 2:
        original = func
        func = (lambda req, cfg: original(req)) if params else (lambda req, cfg: original())
        is_async = inspect.iscoroutinefunction(original)
    else:
        is_async = inspect.iscoroutinefunction(func)
    return CustomRouter(path.stem, path, func, is_async)


def load_routers(paths: tuple[Path, ...]) -> tuple[tuple[CustomRouter, ...], list[str]]:
    """All loadable routers, and one problem line per file that failed to load."""
    routers: list[CustomRouter] = []
    problems: list[str] = []
    for path in discover(paths):
        try:
            routers.append(load_router(path))
        except Exception as exc:
            problems.append(f"{path.name}: {type(exc).__name__}: {exc}")
            log.warning("custom router %s not loaded: %s: %s", path, type(exc).__name__, exc)
    return tuple(routers), problems


async def classify_custom(
    routers: tuple[CustomRouter, ...], req: RouteRequest, config: Config
) -> Decision | None:
    for router in routers:
        decision = await router.decide(req, config, config.custom_router_timeout_s)
        if decision is not None:
            return decision
    return None
