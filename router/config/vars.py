"""``$VAR`` / ``${VAR}`` references in config strings: the one pattern, found and expanded.

Standard library only: ``ccrouter statusline`` and the secret masking import it on hot paths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

VAR_REFERENCE = re.compile(r"\$\{([^}]+)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def referenced_vars(value: str) -> list[str]:
    """The variable names ``value`` refers to, in order."""
    return [m.group(1) or m.group(2) for m in VAR_REFERENCE.finditer(value)]


def is_reference(value: str) -> bool:
    """True when the whole string is one reference, e.g. ``"$OPENROUTER_API_KEY"``."""
    return VAR_REFERENCE.fullmatch(value) is not None


def unset_vars(value: str, env: Mapping[str, str] = os.environ) -> list[str]:
    """The referenced variables that ``env`` does not define."""
    return [name for name in referenced_vars(value) if name not in env]


def interpolate(value: Any, env: Mapping[str, str] = os.environ) -> Any:
    """``$VAR`` / ``${VAR}`` in every string, recursively; unknown variables stay as written."""
    if isinstance(value, str):
        if "$" not in value:
            return value
        return VAR_REFERENCE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), value)
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    return value
