"""The typed, frozen view of config.json that one request reads from start to end.

``load_config(path)`` = read (JSON5) → schema check → ``$VAR`` interpolation → ``Config`` →
``checks.config_problems``. Every problem is collected with its JSON path and what would fix it,
then raised as one ConfigError. ``build_config`` alone is lenient (test helpers use it).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

from ccrouter.config.load import read_raw, schema_problems
from ccrouter.config.vars import interpolate, is_reference, referenced_vars
from ccrouter.errors import ConfigError, ConfigProblem
from ccrouter.home import ccrouter_home
from ccrouter.redact import Redactor
from ccrouter.transformers.base import TransformerSpec
from ccrouter.transformers.context import Dialect
from ccrouter.usage.settings import UsageSettings, usage_settings

ROUTE_NAMES = (
    "default",
    "background",
    "think",
    "longContext",
    "webSearch",
    "image",
    "subagent",
    "compact",
)
ProviderKind = Literal["openai", "anthropic"]


@dataclass(frozen=True)
class Target:
    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider},{self.model}"

    @staticmethod
    def parse(text: str) -> Target:
        provider, _, model = text.partition(",")
        return Target(provider.strip(), model.strip())


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    api_base_url: str  # as written by the user
    url: str  # the endpoint ccrouter posts to
    api_key: str
    kind: ProviderKind
    dialect: Dialect
    models: tuple[str, ...] = ()
    # The facts a ``models`` object entry states, by model id, as written ({"context": …}).
    model_facts: MappingProxyType[str, MappingProxyType[str, Any]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    use: tuple[TransformerSpec, ...] = ()
    model_use: MappingProxyType[str, tuple[TransformerSpec, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    max_tokens: int | None = None
    missing_key: str | None = None  # why the key is unusable, e.g. "set OPENROUTER_API_KEY"

    def chain_for(self, model: str) -> tuple[TransformerSpec, ...]:
        return self.use + self.model_use.get(model, ())


@dataclass(frozen=True)
class ThinkTrigger:
    efforts: frozenset[str] = frozenset({"high", "xhigh", "max"})
    min_budget_tokens: int = 1024
    keywords: tuple[str, ...] = ("ultrathink",)
    ignore_default_effort: bool = True


@dataclass(frozen=True)
class Resilience:
    connect_timeout_s: float = 10.0
    first_byte_timeout_s: float = 120.0
    cooldown_s: float = 30.0
    cooldown_after_failures: int = 2
    max_retry_after_wait_s: float = 2.0
    openrouter_fallback_routes: frozenset[str] = frozenset()  # "*" = every route

    def openrouter_models_for(self, route: str) -> bool:
        routes = self.openrouter_fallback_routes
        return "*" in routes or route in routes


@dataclass(frozen=True)
class Config:
    path: Path | None  # None: the embedded default
    raw: MappingProxyType[str, Any]  # interpolated, read-only; what custom routers see
    providers: MappingProxyType[str, ProviderConfig]
    routes: MappingProxyType[str, tuple[Target, ...]]  # route -> [primary, fallbacks...]
    global_fallback: tuple[Target, ...] = ()
    host: str = "127.0.0.1"
    port: int = 3456
    apikey: str | None = None
    proxy_url: str | None = None
    log_enabled: bool = True
    log_level: str = "info"
    api_timeout_ms: int = 600_000
    long_context_threshold: int = 60_000
    background_models: tuple[str, ...] = ("claude-haiku-*", "claude-3-5-haiku-*", "*haiku*")
    think_trigger: ThinkTrigger = ThinkTrigger()
    custom_router_paths: tuple[Path, ...] = ()
    custom_router_timeout_s: float = 0.2
    user_transformers: tuple[tuple[Path, MappingProxyType[str, Any]], ...] = ()
    strip_billing_header: bool = True
    resilience: Resilience = Resilience()
    usage: UsageSettings = UsageSettings()

    def provider(self, name: str) -> ProviderConfig | None:
        found = self.providers.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        for provider in self.providers.values():
            if provider.name.lower() == lowered:
                return provider
        return None

    def chain(self, route: str) -> tuple[Target, ...]:
        return self.routes.get(route, ()) + self.global_fallback

    @functools.cached_property
    def redactor(self) -> Redactor:
        """Masks this snapshot's secrets in errors and logs; built on first use, once per load."""
        keys = [p.api_key for p in self.providers.values()]
        return Redactor.from_config(keys, self.apikey, self.raw)


def load_config(path: str | os.PathLike[str] | None) -> Config:
    config, problems = check_config(path)
    if config is None or problems:
        raise ConfigError(f"{path or 'the config'} has {len(problems)} problem(s)", problems)
    return config


def check_config(path: str | os.PathLike[str] | None) -> tuple[Config | None, list[ConfigProblem]]:
    """The config and every problem found in one pass (schema, then the rules in ``checks``).

    Raises ConfigError only when the file cannot be read or parsed at all. The config is None
    when the schema problems leave too little to build one.
    """
    from ccrouter.config.checks import config_problems

    file = Path(path).expanduser() if path is not None else None
    raw, _text = read_raw(file)
    if not isinstance(raw, dict):
        return None, [ConfigProblem("", "the config must be a JSON object; wrap it in {…}")]
    problems = schema_problems(raw)
    existing = file if file is not None and file.exists() else None
    try:
        config = build_config(interpolate(raw), existing)
    except (TypeError, ValueError, KeyError, AttributeError):
        if problems:  # the schema problems already say what is wrong
            return None, problems
        raise
    return config, problems + config_problems(config)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _specs(use: Any) -> tuple[TransformerSpec, ...]:
    out: list[TransformerSpec] = []
    for item in use or ():
        if isinstance(item, str):
            out.append(TransformerSpec(item))
        elif isinstance(item, list) and item:
            out.append(TransformerSpec(str(item[0]), dict(item[1]) if len(item) > 1 else {}))
    return tuple(out)


def provider_url(base: str, kind: ProviderKind) -> str:
    url = base.rstrip("/")
    if kind == "anthropic":
        if url.endswith("/messages"):
            return url
        return url + ("/messages" if url.endswith("/v1") else "/v1/messages")
    if url.endswith("/chat/completions"):
        return url
    return url + "/chat/completions"


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "127.0.0.1", "::1", "0.0.0.0") or host.endswith(".local")


def _provider(raw: dict[str, Any]) -> ProviderConfig:
    name = str(raw["name"])
    base = str(raw["api_base_url"])
    transformer = raw.get("transformer") or {}
    use = _specs(transformer.get("use"))
    model_use = {
        model: _specs(block.get("use"))
        for model, block in transformer.items()
        if model != "use" and isinstance(block, dict)
    }
    names = {spec.name.lower() for spec in use}
    kind: ProviderKind = (
        "anthropic" if "anthropic" in names or base.rstrip("/").endswith("/messages") else "openai"
    )
    is_openrouter = name.lower() == "openrouter" or "openrouter.ai" in base or "openrouter" in names
    key = str(raw.get("api_key") or "")
    missing = None
    if (not key or is_reference(key)) and not _is_local(base):
        var = referenced_vars(key)
        missing = f"set the {var[0]} environment variable" if var else "set its api_key"
    return ProviderConfig(
        name=name,
        api_base_url=base,
        url=provider_url(base, kind),
        api_key=key,
        kind=kind,
        dialect="openrouter" if is_openrouter else "openai",
        models=tuple(_model_id(m) for m in raw.get("models") or ()),
        model_facts=MappingProxyType(
            {
                str(m["id"]): MappingProxyType(dict(m))
                for m in raw.get("models") or ()
                if isinstance(m, dict)
            }
        ),
        use=use,
        model_use=MappingProxyType(model_use),
        max_tokens=raw.get("max_tokens"),
        missing_key=missing,
    )


def _model_id(entry: Any) -> str:
    """A ``models`` entry: a plain id (CCR) or an object ``{"id": …, "context": …}``."""
    return str(entry["id"]) if isinstance(entry, dict) else str(entry)


def _chain(value: Any) -> tuple[Target, ...]:
    items = [value] if isinstance(value, str) else list(value or ())
    return tuple(Target.parse(v) for v in items if isinstance(v, str) and "," in v)


def build_config(raw: dict[str, Any], path: Path | None) -> Config:
    providers = {}
    for item in raw.get("Providers") or raw.get("providers") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue  # a schema problem, reported by load_config
        provider = _provider(item)
        providers[provider.name] = provider
    router = raw.get("Router") or {}
    fallback = raw.get("fallback") or {}
    routes = {}
    for name, value in router.items():
        if isinstance(value, str | list) and name not in ("backgroundModels",):
            chain = _chain(value)
            if chain:
                routes[name] = chain + _chain(fallback.get(name))
    base_dir = path.parent if path else ccrouter_home()
    return Config(
        path=path,
        raw=MappingProxyType(raw),
        providers=MappingProxyType(providers),
        routes=MappingProxyType(routes),
        global_fallback=_chain(fallback.get("global")),
        host=str(raw.get("HOST") or "127.0.0.1"),
        port=_int(raw.get("PORT"), 3456),
        apikey=_apikey(raw.get("APIKEY")),
        proxy_url=raw.get("PROXY_URL") or None,
        log_enabled=raw.get("LOG", True) is not False,
        log_level=str(raw.get("LOG_LEVEL") or "info").lower(),
        api_timeout_ms=_int(raw.get("API_TIMEOUT_MS"), 600_000),
        long_context_threshold=_int(router.get("longContextThreshold"), 60_000),
        background_models=tuple(router.get("backgroundModels") or Config.background_models),
        think_trigger=_think(router.get("thinkTrigger") or {}),
        custom_router_paths=_router_paths(raw, base_dir),
        custom_router_timeout_s=float(router.get("customRouterTimeoutMs", 200)) / 1000,
        user_transformers=tuple(
            (_path(item["path"], base_dir), MappingProxyType(dict(item.get("options") or {})))
            for item in raw.get("transformers") or []
        ),
        strip_billing_header=raw.get("STRIP_BILLING_HEADER", True) is not False,
        resilience=_resilience(raw.get("Resilience") or {}),
        usage=usage_settings(raw.get("Usage"), base_dir),
    )


def _apikey(value: Any) -> str | None:
    """Blank or whitespace is no key (it would let any client in that sends a blank one)."""
    text = str(value) if value is not None else ""
    return text if text.strip() else None


def _path(value: str, base: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _router_paths(raw: dict[str, Any], base: Path) -> tuple[Path, ...]:
    """``CUSTOM_ROUTER_PATH`` (one file) and ``CUSTOM_ROUTER_DIR`` (default <config dir>/custom_routers)."""
    paths: list[Path] = []
    if raw.get("CUSTOM_ROUTER_PATH"):
        paths.append(_path(str(raw["CUSTOM_ROUTER_PATH"]), base))
    paths.append(_path(str(raw.get("CUSTOM_ROUTER_DIR") or "custom_routers"), base))
    return tuple(paths)


def _think(raw: dict[str, Any]) -> ThinkTrigger:
    default = ThinkTrigger()
    return ThinkTrigger(
        efforts=frozenset(raw.get("efforts", default.efforts)),
        min_budget_tokens=int(raw.get("minBudgetTokens", default.min_budget_tokens)),
        keywords=tuple(raw.get("keywords", default.keywords)),
        ignore_default_effort=bool(raw.get("ignoreDefaultEffort", default.ignore_default_effort)),
    )


def _routes_option(value: Any) -> frozenset[str]:
    if value is True:
        return frozenset({"*"})
    if isinstance(value, list):
        return frozenset(str(v) for v in value)
    return frozenset()


def _resilience(raw: dict[str, Any]) -> Resilience:
    d = Resilience()
    return Resilience(
        connect_timeout_s=float(raw.get("connectTimeoutMs", d.connect_timeout_s * 1000)) / 1000,
        first_byte_timeout_s=float(raw.get("firstByteTimeoutMs", d.first_byte_timeout_s * 1000))
        / 1000,
        cooldown_s=float(raw.get("cooldownSeconds", d.cooldown_s)),
        cooldown_after_failures=int(raw.get("cooldownAfterFailures", d.cooldown_after_failures)),
        max_retry_after_wait_s=float(
            raw.get("maxRetryAfterWaitMs", d.max_retry_after_wait_s * 1000)
        )
        / 1000,
        openrouter_fallback_routes=_routes_option(raw.get("openRouterFallbackModels")),
    )
