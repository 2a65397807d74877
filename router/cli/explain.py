"""``ccrouter explain REQUEST.json``: which route and model the server would choose, and why.

Runs the server's own steps (``TokenCounter.count_request`` → ``build_route_request`` →
``messages.classify``, custom routers included) on one request, without calling any upstream.
The one difference: the server also remembers each session's last token count (for the
long-context follow-up rule); a single file has no such history.

Which config: ``--config`` when given; else the running router's (pid file, or a ccrouter
answering at the configured address), so the answer is about the router Claude Code talks to;
else the usual lookup (``$CCROUTER_CONFIG``, ``~/.ccrouter/config.json``, embedded default).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccrouter.cli.common import CLIError, ConfigArg, SubParsers

if TYPE_CHECKING:
    from ccrouter.config.model import Config


@dataclass(frozen=True)
class Explanation:
    route: str
    target: str | None
    fallbacks: list[str]
    reason: str
    tokens: int
    decision_ms: float
    config: str
    config_source: str  # why this config: "--config", "the running router (pid 12)", …
    model: str  # the model the request asked for
    session_id: str | None
    long_context_threshold: int
    warnings: list[str]
    verdicts: list[str] = field(default_factory=list)  # per model: fits / clamped / skipped

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_request(source: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(body, lower-cased headers) from a Messages body or a recorded ``{…, headers, body}``."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except OSError as exc:
        raise CLIError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CLIError(f"{source} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CLIError(f"{source} must hold a JSON object (a Messages request or a recording)")
    if isinstance(data.get("headers"), list | dict) and ("method" in data or "path" in data):
        path = str(data.get("path") or "/v1/messages")
        if path.rstrip("/") != "/v1/messages":
            raise CLIError(
                f"{source} records {data.get('method', 'a')} {path} request; only POST "
                "/v1/messages is routed"
            )
        body = data.get("body")
        if isinstance(body, str):
            body = json.loads(body)
        pairs = data.get("headers") or []
        items = pairs.items() if isinstance(pairs, dict) else pairs
        headers = {str(name).lower(): str(value) for name, value in items}
    else:
        body, headers = data, {}
    if not isinstance(body, dict):
        raise CLIError(f"{source}: the request body must be a JSON object")
    return body, headers


def config_to_explain(explicit: str | None) -> tuple[Path | None, str]:
    """(config path or None for the embedded default, where it came from)."""
    from ccrouter.cli.common import find_service
    from ccrouter.config.load import resolve_config_path

    path = resolve_config_path(explicit)
    if explicit:
        if not path.exists():
            raise CLIError(f"config file {path} does not exist")
        return path, "--config"
    service = find_service(path)
    if service is not None:
        whose = f"pid {service.record.pid}" if service.record else service.url
        served = Path(service.config) if service.config else None
        return (served if served and served.exists() else None), f"the running router ({whose})"
    source = "$CCROUTER_CONFIG" if os.environ.get("CCROUTER_CONFIG") else "the default location"
    return (path if path.exists() else None), source


async def explain(
    config_path: Path | None,
    body: dict[str, Any],
    headers: dict[str, str],
    config_source: str = "",
) -> Explanation:
    from ccrouter.config.snapshot import build_state
    from ccrouter.errors import RouterError
    from ccrouter.routing.decide import decide
    from ccrouter.routing.features import session_id_of
    from ccrouter.routing.tokens import TokenCounter, count_text
    from ccrouter.server.validate import check_messages_request

    state = build_state(config_path)
    warnings = list(state.load_problems)
    try:
        check_messages_request(body)
    except RouterError as exc:
        raise CLIError(
            f"the server would refuse this request ({exc.status}): {exc.message}"
        ) from None
    count_text("warm up")  # load the tokenizer first: the server has it loaded already
    decided = await decide(state, TokenCounter(), body, headers)
    view, decision, tokens, ms = decided.view, decided.decision, decided.tokens, decided.ms
    if decision.target is None:
        warnings.append("no model: the config has no route for this request")
    elif state.config.provider(decision.target.provider) is None:
        warnings.append(f"provider {decision.target.provider!r} is not in the config")
    return Explanation(
        verdicts=_verdicts(state.config, body, tokens, [decision.target, *decision.chain]),
        route=decision.route,
        target=str(decision.target) if decision.target else None,
        fallbacks=[str(t) for t in decision.chain],
        reason=decision.reason,
        tokens=tokens,
        decision_ms=round(ms, 3),
        config=str(state.config.path) if state.config.path else "embedded default",
        config_source=config_source,
        model=view.model,
        session_id=session_id_of(body, headers),
        long_context_threshold=state.config.long_context_threshold,
        warnings=warnings,
    )


def _verdicts(config: Config, body: dict[str, Any], tokens: int, targets: list[Any]) -> list[str]:
    """What the model catalog (the server's disk copy) says of each model for this request."""
    from ccrouter.catalog.gate import RequestGate
    from ccrouter.catalog.store import cache_path, read_cache
    from ccrouter.catalog.table import build_view

    gate = RequestGate(build_view(config, read_cache(cache_path())), body, tokens)
    return [f"{t}: {gate.verdict(t)}" for t in dict.fromkeys(targets) if t is not None]


def long_context_note(result: Explanation) -> str:
    """Says whether the count passes the threshold, so the line cannot be read as "long"."""
    threshold = result.long_context_threshold
    verdict = "long" if result.tokens > threshold else "not long"
    return f"longContext threshold {threshold}: {verdict}"


def render(result: Explanation) -> list[str]:
    fallbacks = " → ".join(result.fallbacks) if result.fallbacks else "none"
    lines = [
        f"route:     {result.route}",
        f"model:     {result.target or '(none)'}",
        f"fallbacks: {fallbacks}",
        f"reason:    {result.reason}",
        f"tokens:    {result.tokens} ({long_context_note(result)})",
        f"decided:   in {result.decision_ms:.2f} ms (token count included)",
        f"requested: {result.model or '(no model)'}",
        f"config:    {result.config} (from {result.config_source})"
        if result.config_source
        else f"config:    {result.config}",
    ]
    lines += [f"verdict:   {v}" for v in result.verdicts]
    return lines + [f"warning:   {w}" for w in result.warnings]


def cmd_explain(args: argparse.Namespace) -> int:
    import asyncio

    path, source = config_to_explain(args.config)
    body, headers = read_request(args.request)
    result = asyncio.run(explain(path, body, headers, source))
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print("\n".join(render(result)))
    return 0


def register(sub: SubParsers, config_arg: ConfigArg) -> None:
    explain_parser = sub.add_parser(
        "explain",
        help="show which route and model a request would get, and why (no upstream call)",
        description="Classify one request exactly as the server does (custom routers "
        "included) and print the route, chosen model, fallback chain, reason, token count "
        "and how long the decision took. REQUEST is a Messages request body, or a recorded "
        "request {method, path, headers: [[name, value], …], body}; `-` reads stdin. "
        "Without --config it uses the running router's config when one runs.",
    )
    explain_parser.add_argument("request", metavar="REQUEST.json")
    config_arg(explain_parser)
    explain_parser.add_argument("--json", action="store_true", help="machine-readable output")
    explain_parser.set_defaults(func=cmd_explain)
