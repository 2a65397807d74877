"""Keep secrets out of every error and log line: the configured values themselves, and patterns.

Upstreams echo keys back ("Incorrect API key provided: gsk_…"); a pattern alone misses plain
keys and new prefixes, so a ``Redactor`` is built from the config snapshot (``Config.redactor``,
once per config load): one compiled regex of the actual secret values (provider ``api_key``s
after ``$VAR`` resolution, ``APIKEY``, any string under a secret-named config key), longest
first, followed by the credential patterns. It only runs where error or log text is made, never
on a successful request's data.

The request handler installs its snapshot's redactor for the request (``use``/``reset``, a
context variable), so the leaves that turn upstream text into messages (``vocab``, the pipes,
the log formatter) reach it without the config threaded through every translator. Outside a
request, ``current()`` is the pattern-only ``PATTERNS``.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 6  # shorter values would mangle ordinary words and protect little
# Anything that looks like a credential, wherever an upstream chose to echo it.
_PATTERNS = (
    r"\bsk-[A-Za-z0-9_\-]{4,}",  # OpenAI, OpenRouter (sk-or-…), Anthropic (sk-ant-…), DeepSeek
    r"\bgsk_[A-Za-z0-9]{8,}",  # Groq
    r"\bAIza[0-9A-Za-z_\-]{20,}",  # Google
    r"\bxai-[A-Za-z0-9]{8,}",  # xAI
    r"(?i:bearer\s+[A-Za-z0-9._~+/=\-]+)",
    r"(?i:(?:api[_-]?key|authorization|x-api-key|x-goog-api-key)[\"']?\s*[:=]\s*[\"']?"
    r"(?:bearer\s+)?[^\s\"',}]+)",
    r"(?i:(?<=[?&])(?:key|api_key|apikey|token|access_token)=[^&\s\"']+)",
)
_SECRET_KEY = re.compile(r"(key|token|secret|password|passwd|authorization)s?$", re.IGNORECASE)
_VAR_REFERENCE = re.compile(r"\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*")


class Redactor:
    """``redactor(text)``: ``text`` with every known secret and credential pattern masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if len(s) >= MIN_SECRET_CHARS and not _is_reference(s)}
        literal = [re.escape(s) for s in sorted(values, key=len, reverse=True)]
        self._regex = re.compile("|".join([*literal, *_PATTERNS]))
        self.secret_count = len(literal)

    @classmethod
    def from_config(cls, api_keys: Iterable[str], apikey: str | None, raw: Any) -> Redactor:
        """Provider keys, the inbound ``APIKEY`` and every secret-named string in the raw config."""
        return cls([*api_keys, *([apikey] if apikey else []), *secret_strings(raw)])

    def __call__(self, text: str) -> str:
        return self._regex.sub(REDACTED, text) if text else text

    def error(self, exc: BaseException) -> BaseException:
        """Redact a ccrouter error's message in place (and a chain's attempts); returns it."""
        message = getattr(exc, "message", None)
        if isinstance(message, str):
            exc.message = self(message)  # type: ignore[attr-defined]
            exc.args = (exc.message,)  # type: ignore[attr-defined]
        for attempt in getattr(exc, "attempts", None) or ():
            attempt.reason = self(attempt.reason)
        return exc


def secret_strings(value: Any, secret: bool = False) -> Iterator[str]:
    """Every string in a config tree that sits under a key named like a secret."""
    if isinstance(value, str):
        if secret:
            yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from secret_strings(item, secret or bool(_SECRET_KEY.search(str(key))))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from secret_strings(item, secret)


def _is_reference(value: str) -> bool:
    return _VAR_REFERENCE.fullmatch(value) is not None  # an unresolved "$VAR" is not a secret


PATTERNS = Redactor()
_current: contextvars.ContextVar[Redactor] = contextvars.ContextVar(
    "ccrouter_redactor", default=PATTERNS
)


def current() -> Redactor:
    """The redactor of the request being handled; ``PATTERNS`` outside a request."""
    return _current.get()


def use(redactor: Redactor) -> contextvars.Token[Redactor]:
    return _current.set(redactor)


def reset(token: contextvars.Token[Redactor]) -> None:
    _current.reset(token)
