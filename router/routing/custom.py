"""Custom routers: user Python files that choose a model before the built-in rules.

A custom router is a ``.py`` file defining ``route(request, config)`` (sync or async) that returns
a ``Decision``, a ``"provider,model"`` string, a configured route name such as ``"think"``, or
``None`` to fall through. Files are imported by ``ccrouter.userfiles`` (fresh modules, so edits
reload), their shape is checked at load, and every call runs off the event loop
(``ccrouter.routing.sandbox``) and is wrapped: an exception, a bad return value or a call slower
than the budget is logged with the file name and skipped — never a failed request; a router that
keeps failing is switched off until its file changes.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccrouter.config.model import Config, Target
from ccrouter.routing.features import RouteRequest
from ccrouter.routing.rules import Decision
from ccrouter.routing.sandbox import Guard
from ccrouter.userfiles import file_signature, load_user_module, what_happened

log = logging.getLogger("ccrouter.routing.custom")
RouteFunction = Callable[[RouteRequest, Config], Any]


@dataclass(frozen=True)
class CustomRouter:
    name: str  # file stem
    path: Path
    func: RouteFunction
    is_async: bool
    # Failures in a row and the worker threads; shared by every snapshot of an unchanged file.
    guard: Guard = field(default_factory=lambda: Guard(Path("route.py")), compare=False)

    async def decide(self, req: RouteRequest, config: Config, budget_s: float) -> Decision | None:
        """The router's decision, or None; it runs on a worker thread (sync and async alike),
        so however it blocks, it costs at most ``budget_s`` of this request and nothing else."""
        guard = self.guard
        if guard.off:
            return None
        try:
            result = await guard.threads.call(self.func, (req, config), budget_s)
        except TimeoutError:
            log.warning(
                "custom router %s took longer than %.0f ms; skipped",
                self.path.name,
                budget_s * 1000,
            )
            guard.failed(f"took longer than {budget_s * 1000:.0f} ms")
            return None
        except Exception as exc:  # a plugin's bug must never fail the request
            log.warning(
                "custom router %s raised %s: %s; skipped", self.path.name, type(exc).__name__, exc
            )
            guard.failed(f"raised {type(exc).__name__}")
            return None
        guard.succeeded()
        return self._normalise(result, config)

    def _normalise(self, result: Any, config: Config) -> Decision | None:
        """A usable Decision, or None; anything unusable is logged and skipped."""
        route = f"custom:{self.name}"
        if result is None or (isinstance(result, str) and not result.strip()):
            return None
        decision: Decision | None = None
        if isinstance(result, Decision):
            decision = result if result.route.startswith("custom:") else _rename(result, route)
        elif isinstance(result, str) and "," in result:
            target = Target.parse(result)
            decision = Decision(route, target, f"custom router {self.name} chose {result!r}")
        elif isinstance(result, str) and config.routes.get(result):
            first = config.routes[result][0]
            decision = Decision(result, first, f"custom router {self.name} chose route {result!r}")
        problem = _unusable(decision, config) if decision else "an unsupported value"
        if problem is None:
            return decision
        log.warning(
            "custom router %s returned %r (%s); expected a Decision, 'provider,model', a route "
            "name from Router, or None; skipped",
            self.path.name,
            result if not isinstance(result, str) else result[:80],
            problem,
        )
        return None


def _unusable(decision: Decision | None, config: Config) -> str | None:
    """Why the server could not use this decision, or None when it can."""
    assert decision is not None
    for target in (decision.target, *decision.chain):
        if not isinstance(target, Target):
            return f"{target!r} is not a Target"
        if not target.provider or not target.model:
            return "an empty provider or model"
        if config.provider(target.provider) is None:
            return f"unknown provider {target.provider!r}"
    return None


def _rename(decision: Decision, route: str) -> Decision:
    return Decision(route, decision.target, decision.reason, decision.chain)


def router_from_function(
    func: Callable[..., Any], path: Path, name: str | None = None, guard: Guard | None = None
) -> CustomRouter:
    """Check a route function's shape and wrap it; ``route(request)`` and ``route()`` also work."""
    params = [
        p
        for p in inspect.signature(func).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if len(params) > 2:
        raise TypeError(
            f"{path.name}: route() must take (request, config), not {len(params)} arguments"
        )
    wrapped: RouteFunction = func
    if len(params) < 2:
        wrapped = (lambda req, cfg: func(req)) if params else (lambda req, cfg: func())
    is_async = inspect.iscoroutinefunction(func)
    return CustomRouter(name or path.stem, path, wrapped, is_async, guard or Guard(path))


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
    """Import one file and check its ``route``; raises ``UserFileError`` or ``TypeError``."""
    signature = file_signature(path)
    module = load_user_module(path, "ccrouter_custom_router")
    func = getattr(module, "route", None)
    if not callable(func):
        raise TypeError(f"{path.name} defines no route(request, config) function")
    return router_from_function(func, path, guard=_guard_for(path, signature))


_guards: dict[Path, tuple[tuple[int, int] | None, Guard]] = {}


def _guard_for(path: Path, signature: tuple[int, int] | None) -> Guard:
    """The guard of this file as it is now: kept while the file is unchanged (a router switched
    off stays off across config reloads), a fresh one once it changes (back on)."""
    key = path.resolve()
    known = _guards.get(key)
    if known is not None and known[0] == signature:
        return known[1]
    guard = Guard(path)
    _guards[key] = (signature, guard)
    return guard


def load_routers(paths: tuple[Path, ...]) -> tuple[tuple[CustomRouter, ...], list[str]]:
    """All loadable routers, and one problem line per file that failed to load."""
    routers: list[CustomRouter] = []
    problems: list[str] = []
    for path in discover(paths):
        try:
            routers.append(load_router(path))
        except Exception as exc:
            what = what_happened(exc)
            problems.append(f"{path.name}: {what}")
            log.warning("custom router %s not loaded: %s", path, what)
    return tuple(routers), problems


async def classify_custom(
    routers: tuple[CustomRouter, ...], req: RouteRequest, config: Config
) -> Decision | None:
    for router in routers:
        decision = await router.decide(req, config, config.custom_router_timeout_s)
        if decision is not None:
            return decision
    return None
