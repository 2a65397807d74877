"""The transformer contract, shared by built-in and user transformers.

A provider speaks either OpenAI chat completions (``kind = "openai"``, translated by ccrouter's
core) or Anthropic Messages (``kind = "anthropic"``, passed through). Transformers adjust what
crosses the wire *around* the core translation, in this order (see README, "Transformer chains"):

    request:  Anthropic body -> core translation -> provider `use` in order -> model `use` in order
              -> upstream
    response: upstream chunk/JSON -> model `use` in reverse -> provider `use` in reverse
              -> core translation -> Anthropic events/body

Every hook is optional: the base class is the identity. Hooks receive the per-request
``TranslationContext`` and may keep state in ``ctx.extras`` (namespaced by their own name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON as JSON  # re-exported: user transformers import it from here


@dataclass
class UpstreamRequest:
    """What will be sent: transformers may change the URL, headers and body."""

    url: str
    headers: dict[str, str]
    body: JSON


@dataclass
class TransformerSpec:
    """One entry of a `use` list: a name or ``[name, {options}]``."""

    name: str
    options: JSON = field(default_factory=dict)


class Transformer:
    """Base class: every hook is the identity. Subclass and override what you need."""

    name: ClassVar[str] = ""

    def __init__(self, options: JSON | None = None) -> None:
        self.options: JSON = dict(options or {})

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        """Adjust the outgoing request (OpenAI-shaped body for ``openai`` providers)."""
        return req

    def transform_response(self, body: JSON, ctx: TranslationContext) -> JSON:
        """Adjust a non-streaming upstream JSON response before the core translates it back."""
        return body

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        """Adjust one parsed upstream stream chunk; return zero or more chunks."""
        return [chunk]

    def finish_stream(self, ctx: TranslationContext) -> list[JSON]:
        """Called once at the end of an upstream stream; may release buffered chunks."""
        return []
