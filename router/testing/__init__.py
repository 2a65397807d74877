"""Test helpers for custom-router authors (and ccrouter's own tests).

    from ccrouter.testing import classify, make_config, make_request, route_with

    def test_sql_goes_to_the_coder() -> None:
        config = make_config(KeywordRoutes={"sql": "openrouter,qwen/qwen3-coder"})
        decision = route_with("custom_routers/keyword_model.py", make_request("fix this SQL"), config)
        assert decision is not None and str(decision.target) == "openrouter,qwen/qwen3-coder"

``make_request`` builds a body shaped like Claude Code's and the same frozen ``RouteRequest`` the
server builds from it; ``make_config`` goes through the same checks as a config file;
``route_with`` and ``classify`` run routers through the server's own code (time budget,
normalisation, log-and-skip on errors). Plain functions, usable from sync and async tests.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from ccrouter.config.load import DEFAULT_CONFIG, interpolate, schema_problems
from ccrouter.config.model import Config, build_config
from ccrouter.config.state import RouterState
from ccrouter.errors import ConfigError
from ccrouter.routing.custom import CustomRouter, RouteFunction, load_router, router_from_function
from ccrouter.routing.decide import classify as classify_state
from ccrouter.routing.features import RouteRequest, build_route_request
from ccrouter.routing.rules import Decision, with_chain
from ccrouter.routing.tokens import TokenCounter

__all__ = ["SESSION_ID", "classify", "make_config", "make_request", "route_with"]

T = TypeVar("T")
RouterLike = RouteFunction | str | os.PathLike[str]

SESSION_ID = "5e551017-0000-4000-8000-000000000001"  # what make_request sends unless told
_COUNTER = TokenCounter()
_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
_BETAS = "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27"
_WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 8}
_DEFAULT_TOOLS = ("Agent", "Bash", "Edit", "Read", "Write", "ToolSearch")


def _tool(name: str) -> dict[str, Any]:
    if name == "web_search":
        return dict(_WEB_SEARCH)
    schema = {"type": "object", "properties": {"input": {"type": "string"}}}
    return {"name": name, "description": f"The {name} tool.", "input_schema": schema}


def _system(system: str | Sequence[Mapping[str, Any]] | None) -> list[Any]:
    """Claude Code's three blocks: billing line, identity, main prompt (``system`` replaces it)."""
    if system is not None and not isinstance(system, str):
        return [dict(block) for block in system]
    prompt = system if system is not None else "\nYou are an agent working with the user."
    ephemeral = {"type": "ephemeral"}
    return [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.329.0a8; cc_entrypoint=cli;"},
        {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude.", "cache_control": ephemeral},
        {"type": "text", "text": prompt, "cache_control": ephemeral},
    ]  # fmt: skip


def _messages(text: str, images: bool, cwd: str | None) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if images:
        source = {"type": "base64", "media_type": "image/png", "data": _PNG}
        content.append({"type": "image", "source": source})
    messages: list[dict[str, Any]] = [{"role": "user", "content": content}]
    if cwd is not None:  # the environment block Claude Code sends as messages[1] on turn 1
        env = f"# Environment\n - Primary working directory: {cwd}\n - Platform: linux\n"
        messages.append({"role": "system", "content": [{"type": "text", "text": env}]})
    return messages


def _thinking(thinking: Mapping[str, Any] | int | Literal[False] | None) -> dict[str, Any] | None:
    if thinking is None:
        return {"type": "adaptive", "display": "omitted"}  # Claude Code's default
    if thinking is False:
        return None
    if isinstance(thinking, int):
        return {"type": "enabled", "budget_tokens": thinking, "display": "omitted"}
    return dict(thinking)


def make_request(
    text: str = "hi",
    *,
    model: str = "claude-opus-5-5",
    system: str | Sequence[Mapping[str, Any]] | None = None,
    messages: Sequence[Mapping[str, Any]] | None = None,
    tools: Sequence[str | Mapping[str, Any]] | None = None,
    thinking: Mapping[str, Any] | int | Literal[False] | None = None,
    effort: str | Literal[False] | None = None,
    max_tokens: int = 32000,
    stream: bool = True,
    headers: Mapping[str, str | None] | None = None,
    images: bool = False,
    cwd: str | None = None,
    tokens: int | None = None,
    session_last_tokens: int | None = None,
    **body_fields: Any,
) -> RouteRequest:
    """A ``RouteRequest`` for a Claude-Code-shaped body; every default is what Claude Code sends.

    - ``text``: the user's prompt (one user message); ignored when ``messages`` is given.
    - ``system``: a string replaces the main prompt (as ``--system-prompt`` does; the billing and
      identity blocks stay); a list of blocks is used as is.
    - ``tools``: names or full tool dicts; ``"web_search"`` is Anthropic's server tool.
      ``None``: a few of Claude Code's tools. ``[]``: an empty list.
    - ``thinking``: ``None`` adaptive (the default), an int an explicit budget, a dict as is,
      ``False`` no field. ``effort``: ``None`` Claude Code's default (``"medium"`` for
      ``claude-*`` names, ``"high"`` for others), ``False`` no ``output_config``.
    - ``headers``: merged over Claude Code's (names lower-cased); ``None`` removes one.
    - ``images``: add an image to the prompt. ``cwd``: add the environment ``role: "system"``
      message naming this working directory.
    - ``tokens``: the token estimate; counted like the server does when not given.
    - ``body_fields``: extra top-level fields; ``None`` removes one (e.g. ``metadata=None``).
    """
    if effort is None:
        effort = "medium" if model.startswith("claude") else "high"
    user_id = {"device_id": "0" * 64, "account_uuid": "", "session_id": SESSION_ID}
    body: dict[str, Any] = {
        "model": model,
        "messages": [dict(m) for m in messages] if messages is not None else _messages(text, images, cwd),
        "system": _system(system),
        "tools": [_tool(t) if isinstance(t, str) else dict(t) for t in (tools if tools is not None else _DEFAULT_TOOLS)],
        "metadata": {"user_id": json.dumps(user_id, separators=(",", ":"))},
        "max_tokens": max_tokens,
        "thinking": _thinking(thinking),
        "output_config": {"effort": effort} if effort else None,
        "stream": True if stream else None,  # Claude Code leaves it out when not streaming
    }  # fmt: skip
    body.update(body_fields)
    body = {key: value for key, value in body.items() if value is not None}
    merged: dict[str, str | None] = {
        "anthropic-beta": _BETAS,
        "anthropic-version": "2023-06-01",
        "user-agent": "claude-cli/2.1.329 (external, cli)",
        "x-app": "cli",
        "x-claude-code-session-id": SESSION_ID,
    }
    merged.update({name.lower(): value for name, value in (headers or {}).items()})
    clean = {name: value for name, value in merged.items() if value is not None}
    count = tokens if tokens is not None else _COUNTER.count_request(body)
    return build_route_request(body, clean, count, session_last_tokens)


def make_config(
    router: Mapping[str, Any] | None = None,
    providers: Sequence[Mapping[str, Any]] | None = None,
    **raw: Any,
) -> Config:
    """A ``Config`` built like one read from a file: schema check, ``$VAR`` interpolation.

    ``router`` replaces the ``Router`` object and ``providers`` the ``Providers`` list of
    ccrouter's built-in default (OpenRouter with a route for every scenario); ``raw`` adds any
    other top-level key, such as the settings your router reads from ``config.raw``. Raises
    ``ConfigError`` with every problem, like the server.
    """
    data: dict[str, Any] = json.loads(json.dumps(DEFAULT_CONFIG))
    data["Providers"][0]["api_key"] = "sk-or-test"
    if router is not None:
        data["Router"] = dict(router)
    if providers is not None:
        data["Providers"] = [dict(p) for p in providers]
    data.update(raw)
    data = json.loads(json.dumps(data))  # plain JSON types, as a file would give
    problems = schema_problems(data)
    if problems:
        raise ConfigError(f"the test config has {len(problems)} problem(s)", problems)
    return build_config(interpolate(data), None)


def _as_router(router: RouterLike) -> CustomRouter:
    if isinstance(router, str | os.PathLike):
        return load_router(Path(router))  # raises, like a failed load at start-up
    name = getattr(router, "__name__", "route")
    path = Path(inspect.getsourcefile(router) or f"{name}.py")
    return router_from_function(router, path, name)


def _run(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to the end on a private loop; in a helper thread if a loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_here(make)
    box: list[T] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            box.append(_run_here(make))
        except BaseException as exc:  # handed back to the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=work, name="ccrouter-testing")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box[0]


def _run_here(make: Callable[[], Awaitable[T]]) -> T:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(make())
    finally:
        # close() does not wait for a sync router still sleeping past its budget in a thread
        # (asyncio.run would), so a timeout test takes the budget, not the sleep.
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def route_with(
    router: RouterLike, request: RouteRequest, config: Config | None = None
) -> Decision | None:
    """Run one custom router as the server does; ``None`` when it falls through or is skipped.

    ``router`` is a ``route`` function or the path of a router file. Time budget
    (``Router.customRouterTimeoutMs``), sync-in-a-thread, the normalisation of strings and route
    names, fallbacks, and log-and-skip of exceptions and bad returns are the server's own.
    """
    cfg = config if config is not None else make_config()
    custom = _as_router(router)

    async def decide() -> Decision | None:
        decision = await custom.decide(request, cfg, cfg.custom_router_timeout_s)
        return with_chain(decision, cfg) if decision is not None else None

    return _run(decide)


def classify(
    request: RouteRequest, config: Config | None = None, custom: Sequence[RouterLike] = ()
) -> Decision:
    """The decision the server would make: ``custom`` routers in order, then the built-ins."""
    cfg = config if config is not None else make_config()
    state = RouterState(config=cfg, custom_routers=tuple(_as_router(r) for r in custom))
    return _run(lambda: classify_state(state, request))
