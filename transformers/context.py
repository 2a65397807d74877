"""What one request's translation needs to know, in both directions.

A ``TranslationContext`` is made per upstream attempt. The request translator fills the parts the
response side needs (the tool-name map, the input-token estimate); the response translators read
them. ``family_of()`` tells which model family a target belongs to, which decides what the target
accepts (cache_control, reasoning replay formats, thinking signatures).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Literal

from ccrouter.ids import new_message_id

Family = Literal["anthropic", "google", "openai", "deepseek", "xai", "other"]
# "openrouter": OpenRouter's chat-completions dialect (reasoning object, reasoning_details replay,
# server tools). "openai": a plain OpenAI-compatible server (reasoning_effort, reasoning_content).
Dialect = Literal["openrouter", "openai"]


@functools.lru_cache(maxsize=256)  # read per replayed block and breakpoint; few distinct models
def family_of(model: str) -> Family:
    m = model.lower()
    if "claude" in m or m.startswith("anthropic/"):
        return "anthropic"
    if "gemini" in m or m.startswith("google/"):
        return "google"
    if m.startswith(("openai/", "gpt-", "o1", "o3", "o4")) or "/gpt-" in m:
        return "openai"
    if "deepseek" in m:
        return "deepseek"
    if m.startswith("x-ai/") or "grok" in m:
        return "xai"
    return "other"


@dataclass(slots=True)
class Recall:
    """What the previous turn of the same conversation left for this one.

    Claude Code resends the whole conversation every turn. ``prefix`` is how many leading
    messages are equal (``==``) to the previous turn's; ``previous`` and ``current`` are that
    turn's and this turn's memos — results worth keeping, under keys owned by the module that
    computes them (token counts, translated messages per target). Made by
    ``ccrouter.routing.conversation.Conversations``; a memo is only ever read for an equal prefix.
    """

    prefix: int = 0
    previous: dict[Any, Any] | None = None
    current: dict[Any, Any] = field(default_factory=dict)
    same_system: bool = False  # ``system`` equal to the previous turn's
    same_tools: bool = False  # ``tools`` equal to the previous turn's


@dataclass(slots=True)
class TranslationContext:
    requested_model: str  # the model string the client sent; echoed back in responses
    upstream_model: str  # the provider's model id this attempt targets
    provider: str = ""  # provider name from the config
    stream: bool = True
    dialect: Dialect = "openrouter"
    message_id: str = field(default_factory=new_message_id)
    input_estimate: int = 0  # tiktoken estimate of the prompt, for message_start
    session_id: str | None = None  # from X-Claude-Code-Session-Id / metadata.user_id
    user_hash: str | None = None  # stable hashed end-user id for OpenRouter's `user`
    strip_billing_header: bool = True  # drop Claude Code's x-anthropic-billing-header line
    # Filled by the request translator: upstream tool name -> name the client knows.
    tool_names: dict[str, str] = field(default_factory=dict)
    # Free space for transformers that keep per-request state (e.g. enhancetool buffers).
    extras: dict[str, Any] = field(default_factory=dict)
    # The previous turn's results, when the server recognised the conversation.
    recall: Recall | None = None

    @property
    def family(self) -> Family:
        return family_of(self.upstream_model)

    @property
    def keeps_cache_control(self) -> bool:
        # Only Claude honours explicit breakpoints; Gemini uses the last one (handled in translation).
        return family_of(self.upstream_model) in ("anthropic", "google")

    def client_tool_name(self, upstream_name: str) -> str:
        return self.tool_names.get(upstream_name, upstream_name)
