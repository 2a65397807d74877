"""Find the secrets in a config and keep them out of everything the CLI prints.

A value is secret when its key names a credential (``api_key``, ``APIKEY``, ``x-api-key``,
``accessToken``, ``client_secret``, ``password``, ``Authorization``…) or when it looks like one
(``sk-…``, ``Bearer …``). A whole ``$VAR`` reference is not a secret and stays visible.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ccrouter.config.vars import is_reference
from ccrouter.log import mask

PathStep = str | int

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SECRET_WORD = re.compile(r"(key|keys|token|tokens|secret|secrets|password|passwd|pwd)$")
_SECRET_NAMES = frozenset({"authorization", "cookie", "credentials", "apikey", "api_key"})
_LOOKS_SECRET = re.compile(r"^(sk-|sk_|bearer\s|basic\s|xai-|gsk_|AIza)", re.I)


def is_secret_key(name: str) -> bool:
    """``api_key``, ``APIKEY``, ``x-api-key``, ``accessToken`` yes; ``keywords``, ``max_tokens`` no.

    ``max_tokens`` does match, but only string values are ever masked, so numbers stay visible.
    """
    lowered = name.lower()
    if lowered in _SECRET_NAMES:
        return True
    words = [w.lower() for w in _WORDS.findall(name)] or [lowered]
    return any(_SECRET_WORD.search(w) for w in words)


def is_var_reference(value: str) -> bool:
    return is_reference(value.strip())


def _mask_url(value: str) -> str | None:
    """A URL with its password and secret-looking query values masked; None if nothing to hide."""
    if "://" not in value:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    changed = False
    netloc = parts.netloc
    if parts.password and not is_var_reference(parts.password):
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{port}" if port else "")
        changed = True
    query = []
    for name, item in parse_qsl(parts.query, keep_blank_values=True):
        if is_secret_key(name) and item and not is_var_reference(item):
            item, changed = "***", True
        query.append(f"{name}={item}")
    if not changed:
        return None
    return urlunsplit((parts.scheme, netloc, parts.path, "&".join(query), parts.fragment))


def secret_leaves(
    value: Any, path: tuple[PathStep, ...] = ()
) -> Iterator[tuple[tuple[PathStep, ...], str, str]]:
    """``(path, value, masked)`` for every string in ``value`` that must not be shown."""
    if isinstance(value, dict):
        for key, item in value.items():
            if is_secret_key(str(key)) and isinstance(item, str | list):
                yield from _all_strings(item, (*path, key))
            else:
                yield from secret_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from secret_leaves(item, (*path, index))
    elif isinstance(value, str):
        if _LOOKS_SECRET.match(value) and not is_var_reference(value):
            yield path, value, mask(value)
        elif (url := _mask_url(value)) is not None:
            yield path, value, url


def _all_strings(
    value: Any, path: tuple[PathStep, ...]
) -> Iterator[tuple[tuple[PathStep, ...], str, str]]:
    if isinstance(value, str):
        if value and not is_var_reference(value):
            yield path, value, mask(value)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _all_strings(item, (*path, index))


def mask_tree(value: Any) -> Any:
    """A copy of ``value`` with every secret string masked."""
    replacements = {path: masked for path, _, masked in secret_leaves(value)}
    return _replace(value, (), replacements)


def _replace(
    value: Any, path: tuple[PathStep, ...], replacements: dict[tuple[PathStep, ...], str]
) -> Any:
    if path in replacements:
        return replacements[path]
    if isinstance(value, dict):
        return {k: _replace(v, (*path, k), replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, (*path, i), replacements) for i, v in enumerate(value)]
    return value


def secret_values(raw: Any) -> list[str]:
    """The secrets of a raw config as written and with ``$VAR``s expanded, longest first."""
    found: set[str] = set()
    for _, value, _ in secret_leaves(raw):
        found.add(value)
    for _, value, _ in secret_leaves(_expand(raw)):
        found.add(value)
    return sorted((v for v in found if len(v) >= 6), key=len, reverse=True)


def _expand(value: Any) -> Any:
    if isinstance(value, str):
        return os.path.expandvars(value)
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


# `"api_key": "sk-…"` inside a message (schema errors quote the offending object, cut at 80
# characters, so the secret may be truncated and not match any known value).
_QUOTED_PAIR = re.compile(r"""(["'])([^"'\n]{0,60})\1(\s*:\s*)(["'])([^"'\n]*)""")


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with known secrets and secret-keyed quoted values masked (errors, status)."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, mask(secret))

    def pair(match: re.Match[str]) -> str:
        key, value = match.group(2), match.group(5)
        if not is_secret_key(key) or not value or is_var_reference(value) or "…(" in value:
            return match.group(0)
        return match.group(0)[: match.start(5) - match.start(0)] + mask(value)

    return _QUOTED_PAIR.sub(pair, text)
