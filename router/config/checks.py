"""The rules a config must keep beyond its schema, checked at start and on every reload.

Each check is a pure function of a built ``Config`` returning ``ConfigProblem``s (JSON path and
fix), so ``ccrouter config validate``, ``serve`` and a hot reload report the same problems:

- every provider a route or fallback names exists;
- every route value is a ``"provider,model"`` string (or a list of them);
- no ``$VAR`` left unset in ``APIKEY``, or inside a longer ``api_key`` (sent as written otherwise);
- a non-loopback bind address has a real ``APIKEY``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ccrouter.config.vars import is_reference, unset_vars
from ccrouter.errors import ConfigProblem

if TYPE_CHECKING:  # model.py runs these checks when it loads a config
    from ccrouter.config.model import Config

ROUTER_OPTIONS = frozenset(
    {"longContextThreshold", "backgroundModels", "customRouterTimeoutMs", "thinkTrigger"}
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def config_problems(config: Config, env: Mapping[str, str] = os.environ) -> list[ConfigProblem]:
    return route_problems(config) + secret_var_problems(config, env)


def _route_values(raw: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """``(JSON path, value)`` of every route target in ``Router`` and ``fallback``."""
    for section in ("Router", "fallback"):
        block = raw.get(section)
        if not isinstance(block, dict):
            continue
        for name, value in block.items():
            if section == "Router" and name in ROUTER_OPTIONS:
                continue
            if isinstance(value, str):
                yield f"{section}.{name}", value
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    yield f"{section}.{name}[{i}]", item


def route_problems(config: Config) -> list[ConfigProblem]:
    known = ", ".join(config.providers) or "none"
    problems = []
    for path, value in _route_values(config.raw):
        if not isinstance(value, str) or "," not in value:
            problems.append(
                ConfigProblem(
                    path,
                    f'got {value!r}; write a "provider,model" string, '
                    'e.g. "openrouter,deepseek/deepseek-chat"',
                )
            )
            continue
        provider = value.partition(",")[0].strip()
        if config.provider(provider) is None:
            problems.append(
                ConfigProblem(
                    path,
                    f"unknown provider {provider!r} (known: {known}); add it to Providers "
                    "or correct the name",
                )
            )
    return problems


def secret_var_problems(config: Config, env: Mapping[str, str] = os.environ) -> list[ConfigProblem]:
    """Unset ``$VAR``s that would otherwise be used as written, as a key.

    A provider ``api_key`` that is exactly one unset reference (the embedded default's
    ``$OPENROUTER_API_KEY``) is not an error: that provider reports "set the … environment
    variable" on /health and on each request that needs it, and the rest keeps working.
    """
    problems = [
        ConfigProblem("APIKEY", f"${name} is not set; set the {name} environment variable")
        for name in unset_vars(str(config.raw.get("APIKEY") or ""), env)
    ]
    for i, item in enumerate(config.raw.get("Providers") or config.raw.get("providers") or []):
        key = item.get("api_key") if isinstance(item, dict) else None
        if not isinstance(key, str) or is_reference(key.strip()):
            continue
        problems += [
            ConfigProblem(
                f"Providers[{i}].api_key",
                f"${name} is not set; set the {name} environment variable",
            )
            for name in unset_vars(key, env)
        ]
    return problems


def bind_problems(config: Config, host: str) -> list[ConfigProblem]:
    """Listening beyond loopback without a key would let anyone use the provider keys."""
    if is_loopback(host) or config.apikey:
        return []
    return [
        ConfigProblem(
            "APIKEY",
            f"refusing to listen on {host} without an APIKEY: anyone who can reach this "
            "address could use your provider keys; set APIKEY or use 127.0.0.1",
        )
    ]
