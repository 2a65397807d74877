"""Built-in routing rules: pure functions of (RouteRequest, Config), first non-None wins.

Order (README, "Routing"): custom routers, then
    explicit → compact → longContext → subagent → background → think → webSearch → image → default.
Each rule names the route it chose and says why in plain words. ``Router.subagent`` and
``Router.compact`` are optional: unset, those requests follow the usual rules (a compaction too
large for its model then reaches longContext through the threshold, or through the catalog's
context check when the dispatcher skips a model whose window cannot hold it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ccrouter.config.model import Config, Target
from ccrouter.routing.features import RouteRequest

SESSION_FOLLOW_UP_TOKENS = 20_000


@dataclass(frozen=True)
class Decision:
    route: str  # "explicit", "longContext", …, "default", or "custom:<file>"
    target: Target | None  # None only when the config has no route for it at all
    reason: str
    chain: tuple[Target, ...] = ()  # fallbacks after target, filled by classify()
    sticky: Target | None = None  # tried first: the session's last model (routing.sessions)

    @property
    def targets(self) -> tuple[Target, ...]:
        return ((self.target,) if self.target else ()) + self.chain


Rule = Callable[[RouteRequest, Config], Decision | None]


def _route(config: Config, route: str, reason: str) -> Decision | None:
    chain = config.routes.get(route)
    if not chain:
        return None
    return Decision(route, chain[0], reason)


def explicit_model(req: RouteRequest, config: Config) -> Decision | None:
    """`/model provider,model` (and its max_tokens=1 probe), or a bare model id a provider lists."""
    probe = " (Claude Code's /model validation probe)" if req.is_probe else ""
    if "," in req.model:
        target = Target.parse(req.model)
        provider = config.provider(target.provider)
        if provider is not None:
            lowered = {m.lower(): m for m in provider.models}
            target = Target(provider.name, lowered.get(target.model.lower(), target.model))
        return Decision("explicit", target, f"model field names {req.model!r}{probe}")
    for provider in config.providers.values():
        if req.model and req.model in provider.models:
            target = Target(provider.name, req.model)
            return Decision("explicit", target, f"model {req.model!r} is listed by {provider.name}")
    return None


def long_context(req: RouteRequest, config: Config) -> Decision | None:
    limit = config.long_context_threshold
    if req.token_count > limit:
        return _route(config, "longContext", f"{req.token_count} tokens > threshold {limit}")
    last = req.session_last_tokens
    if last is not None and last > limit and req.token_count > SESSION_FOLLOW_UP_TOKENS:
        return _route(
            config,
            "longContext",
            f"session's last request had {last} tokens > {limit} and this one "
            f"{req.token_count} > {SESSION_FOLLOW_UP_TOKENS}",
        )
    return None


def compact(req: RouteRequest, config: Config) -> Decision | None:
    """Claude Code's compaction request goes to ``Router.compact`` when it is set."""
    if not req.is_compaction:
        return None
    return _route(config, "compact", "Claude Code's compaction request (/compact or auto-compact)")


def subagent(req: RouteRequest, config: Config) -> Decision | None:
    """The CCR tag names a model; else Claude Code's subagent mark picks ``Router.subagent``."""
    if req.subagent_model:
        target = Target.parse(req.subagent_model)
        reason = f"<CCR-SUBAGENT-MODEL> tag names {req.subagent_model!r}"
        return Decision("subagent", target, reason)
    if req.is_subagent:
        how = "x-claude-code-agent-id" if req.agent_id else "cc_is_subagent=true"
        return _route(config, "subagent", f"a Claude Code subagent's request ({how})")
    return None


def background(req: RouteRequest, config: Config) -> Decision | None:
    pattern = _background_pattern(req.model.lower(), config.background_models)
    if pattern is None:
        return None
    return _route(config, "background", f"model {req.model!r} matches {pattern!r}")


@functools.lru_cache(maxsize=256)  # a client sends a handful of model names, again and again
def _background_pattern(model: str, patterns: tuple[str, ...]) -> str | None:
    return next((p for p in patterns if fnmatchcase(model, p.lower())), None)


def think(req: RouteRequest, config: Config) -> Decision | None:
    reason = think_reason(req, config)
    return _route(config, "think", reason) if reason else None


def think_reason(req: RouteRequest, config: Config) -> str | None:
    """Why this request asks for deep thinking, or None.

    Claude Code sends adaptive thinking with effort ``medium`` on every turn of a Claude model
    (``high`` for unknown model names, and ``budget = max_tokens - 1`` for Claude 4.5), so the
    mere presence of ``thinking`` means nothing; these do: an explicit budget, a high effort the
    user chose, or a keyword such as "ultrathink".
    """
    trigger = config.think_trigger
    if req.thinking_type in (None, "disabled"):
        return None
    budget = req.thinking_budget
    if (
        req.thinking_type == "enabled"
        and budget is not None
        and budget >= trigger.min_budget_tokens
        and budget != req.max_tokens - 1
    ):
        return f"explicit thinking budget {budget}"
    if req.effort in trigger.efforts:
        if not (trigger.ignore_default_effort and _default_effort(req)):
            return f"effort {req.effort!r}"
    text = req.last_user_text.lower()
    for keyword in trigger.keywords:
        if keyword.lower() in text:
            return f"keyword {keyword!r} in the latest user turn"
    return None


# Claude Code 2.1.197 sent effort "high" on every turn; 2.1.329 sends "medium" (the version in
# between that changed it is not known; 2.1.300 is the assumed boundary).
MEDIUM_DEFAULT_SINCE = (2, 1, 300)


def _default_effort(req: RouteRequest) -> bool:
    """Whether the effort is merely what Claude Code sends when the user asked for nothing."""
    if req.effort != "high":
        return False
    if not req.model.lower().startswith("claude"):
        return True  # unknown model names get "high" by default
    return req.client_version is not None and req.client_version < MEDIUM_DEFAULT_SINCE


def web_search(req: RouteRequest, config: Config) -> Decision | None:
    if req.has_web_search:
        return _route(config, "webSearch", "a web_search tool is present")
    return None


def image(req: RouteRequest, config: Config) -> Decision | None:
    if req.has_image:
        return _route(config, "image", "the latest user turn has an image")
    return None


def default(req: RouteRequest, config: Config) -> Decision | None:
    return _route(config, "default", "no other rule matched") or Decision(
        "default", None, "Router.default is not set in the config"
    )


BUILTIN_RULES: tuple[Rule, ...] = (
    explicit_model,
    compact,
    long_context,
    subagent,
    background,
    think,
    web_search,
    image,
    default,
)


def with_chain(decision: Decision, config: Config) -> Decision:
    """Attach the route's fallbacks (its list, CCR v2 `fallback`, then the global chain)."""
    if decision.target is None:
        return decision
    if decision.route == "explicit" or decision.route.startswith("custom:"):
        chain = decision.chain + config.global_fallback  # a custom router may bring its own
    else:  # a tagged subagent's model falls back on Router.subagent's chain, when set
        chain = config.chain(decision.route)
    chain = tuple(t for t in dict.fromkeys(chain) if t != decision.target)
    return Decision(decision.route, decision.target, decision.reason, chain)


def classify_builtin(req: RouteRequest, config: Config) -> Decision:
    for rule in BUILTIN_RULES:
        decision = rule(req, config)
        if decision is not None:
            return with_chain(decision, config)
    raise AssertionError("the default rule always decides")  # pragma: no cover
