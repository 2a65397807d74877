"""Find, read, interpolate and schema-check a config file; every problem gets a path and a fix.

Location: ``--config`` > ``$CCROUTER_CONFIG`` > ``~/.ccrouter/config.json``; when none exists,
the embedded default (OpenRouter with ``$OPENROUTER_API_KEY``) is used.
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from ccrouter.config.jsonc import JSONCError, loads
from ccrouter.config.vars import interpolate as interpolate  # re-exported: the public name
from ccrouter.config.vars import referenced_vars
from ccrouter.errors import ConfigError, ConfigProblem
from ccrouter.home import default_config_path

DEFAULT_CONFIG: dict[str, Any] = {
    "Providers": [
        {
            "name": "openrouter",
            "api_base_url": "https://openrouter.ai/api/v1/chat/completions",
            "api_key": "$OPENROUTER_API_KEY",
            "models": [
                "deepseek/deepseek-chat",
                "deepseek/deepseek-r1",
                "moonshotai/kimi-k2",
                "google/gemini-2.5-flash",
                "google/gemini-2.5-pro",
                "anthropic/claude-sonnet-4.5",
            ],
            "transformer": {"use": ["openrouter"]},
        }
    ],
    "Router": {
        "default": ["openrouter,deepseek/deepseek-chat", "openrouter,moonshotai/kimi-k2"],
        "background": ["openrouter,google/gemini-2.5-flash", "openrouter,deepseek/deepseek-chat"],
        "think": ["openrouter,deepseek/deepseek-r1", "openrouter,deepseek/deepseek-chat"],
        "longContext": ["openrouter,google/gemini-2.5-pro", "openrouter,google/gemini-2.5-flash"],
        "longContextThreshold": 60000,
        "webSearch": "openrouter,google/gemini-2.5-flash",
        "image": "openrouter,google/gemini-2.5-flash",
    },
}


def resolve_config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("CCROUTER_CONFIG")
    if env:
        return Path(env).expanduser()
    return default_config_path()


def unresolved_vars(value: str) -> list[str]:
    return referenced_vars(value)


@cache
def schema() -> dict[str, Any]:
    text = resources.files("ccrouter.config").joinpath("schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def json_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_SECRET_WORDS = ("key", "token", "secret", "password")


def _shown(path: Any, value: Any) -> str:
    """A value for an error message; never a secret's."""
    names = [str(p).lower() for p in path if isinstance(p, str)]
    if names and any(word in names[-1] for word in _SECRET_WORDS):
        return f"a {type(value).__name__}"
    return json.dumps(value)[:80]


def schema_problems(raw: Any) -> list[ConfigProblem]:
    validator = jsonschema.Draft202012Validator(schema())
    problems: list[ConfigProblem] = []
    for error in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.path))):
        expected = error.schema.get("description") if isinstance(error.schema, dict) else None
        if error.validator in ("oneOf", "anyOf") and expected:
            message = f"got {_shown(error.absolute_path, error.instance)}; expected {expected}"
        elif error.validator == "required":
            message = f"{error.message}; add it"
        elif error.validator == "additionalProperties":
            message = f"{error.message}; remove it or check its spelling"
        else:
            text = error.message
            if error.validator not in ("required", "additionalProperties"):
                # jsonschema quotes the offending value; for a secret, say only what it was.
                text = text.replace(
                    repr(error.instance), _shown(error.absolute_path, error.instance)
                )
            message = text + (f" (expected {expected})" if expected else "")
        problems.append(ConfigProblem(json_path(error.absolute_path), message))
    return problems


def read_raw(path: Path | None) -> tuple[Any, str | None]:
    """``(parsed JSON5, text)``; the embedded default when ``path`` is None or missing."""
    if path is None or not path.exists():
        return json.loads(json.dumps(DEFAULT_CONFIG)), None
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        why = f"cannot read the file ({exc.strerror or exc}); make it a readable file"
        raise ConfigError(f"cannot read {path}", [ConfigProblem("", why)]) from exc
    try:
        return loads(text), text
    except JSONCError as exc:
        raise ConfigError(f"{path} is not valid JSON", [ConfigProblem("", str(exc))]) from exc
