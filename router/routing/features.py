"""``RouteRequest``: the frozen, precomputed view of one request that every rule reads.

Built once per request by ``build_route_request``; rules (built-in and custom) are pure
functions of it. Nothing here mutates the body; rewrites (the subagent tag) are a separate step.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import orjson

# Claude Code prepends context (git status, attribution) as <system-reminder> text blocks to the
# user's message; they are not what the user typed.
_REMINDER = "<system-reminder>"
SUBAGENT_TAG = re.compile(r"<CCR-SUBAGENT-MODEL>(.*?)</CCR-SUBAGENT-MODEL>\s*", re.S)
# Claude Code's first system block: "x-anthropic-billing-header: cc_version=…; cc_entrypoint=cli;"
# plus " cc_is_subagent=true;" in a subagent's requests (since 2.1.233).
BILLING_PREFIX = "x-anthropic-billing-header:"
SUBAGENT_MARK = "cc_is_subagent=true"
# Claude Code's compaction prompt (/compact and auto-compact), the last user message of the
# request: "Your task is to create a detailed summary of the conversation so far" (or "of this
# conversation", "of the RECENT portion …"), asking for <analysis> then <summary> tags.
COMPACT_MARKER = "Your task is to create a detailed summary of"
COMPACT_TAG = "<analysis>"


@dataclass(frozen=True)
class RouteRequest:
    """Everything a routing rule may look at. Treat ``body`` and ``headers`` as read-only."""

    model: str  # the model string the client sent
    body: Mapping[str, Any]
    headers: Mapping[str, str]  # lower-cased names
    token_count: int
    session_id: str | None = None
    session_last_tokens: int | None = None  # this session's previous request, if known
    thinking_type: str | None = None  # "enabled" | "adaptive" | "disabled" | None
    thinking_budget: int | None = None
    effort: str | None = None  # output_config.effort
    max_tokens: int = 0
    stream: bool = False
    tool_names: frozenset[str] = frozenset()
    tool_types: frozenset[str] = frozenset()
    has_image: bool = False  # image blocks in the latest user turn
    last_user_text: str = ""
    system_text: str = ""
    subagent_model: str | None = None  # from <CCR-SUBAGENT-MODEL>
    is_subagent: bool = False  # x-claude-code-agent-id, or cc_is_subagent=true in the billing line
    agent_id: str | None = None  # x-claude-code-agent-id: which subagent of the session
    is_compaction: bool = False  # Claude Code's summary request (/compact, auto-compact)
    betas: frozenset[str] = frozenset()
    client_version: tuple[int, ...] | None = None  # from "claude-cli/2.1.329 (…)"
    extras: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_probe(self) -> bool:
        """Claude Code's `/model` validation probe: non-streaming, max_tokens 1."""
        return self.max_tokens == 1 and not self.stream

    @property
    def has_web_search(self) -> bool:
        return any(t.startswith("web_search") for t in self.tool_types)


def session_id_of(body: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    """Header ``X-Claude-Code-Session-Id``, else ``metadata.user_id`` (JSON or legacy form)."""
    sid = headers.get("x-claude-code-session-id")
    if sid:
        return sid[:256]
    metadata = body.get("metadata")
    user_id = metadata.get("user_id") if isinstance(metadata, dict) else None
    if not isinstance(user_id, str) or not user_id:
        return None
    if user_id.startswith("{"):
        try:
            parsed = orjson.loads(user_id)
        except orjson.JSONDecodeError:
            return None
        value = parsed.get("session_id") if isinstance(parsed, dict) else None
        return str(value)[:256] if value else None
    _, sep, tail = user_id.partition("_session_")
    return tail[:256] if sep and tail else None


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    out: list[str] = []
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text":
                text = block.get("text")
                if isinstance(text, str):
                    out.append(text)
    return out


def _has_image(content: Any) -> bool:
    if not isinstance(content, list):
        return False
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "image":
            return True
        if kind == "tool_result" and _has_image(block.get("content")):
            return True
    return False


def _last_user(messages: list[Any]) -> Any:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return message.get("content")
    return None


def system_texts(body: Mapping[str, Any]) -> list[str]:
    system = body.get("system")
    return _texts(system) if system is not None else []


def billing_line(texts: list[str]) -> str:
    """The billing header line (the first system text, when it is one), else ``""``."""
    first = texts[0] if texts else ""
    if not first.startswith(BILLING_PREFIX):
        return ""
    return first.partition("\n")[0]


def is_compaction_prompt(text: str) -> bool:
    """Whether the latest user turn is Claude Code's compaction prompt."""
    return COMPACT_MARKER in text and COMPACT_TAG in text


def build_route_request(
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    token_count: int,
    session_last_tokens: int | None = None,
    session_id: str | None = None,
) -> RouteRequest:
    messages = body.get("messages")
    thinking = body.get("thinking")
    thinking = thinking if isinstance(thinking, dict) else {}
    output_config = body.get("output_config")
    names: list[str] = []
    types: list[str] = []
    for tool in body.get("tools") or ():
        if isinstance(tool, dict):
            if tool.get("name"):
                names.append(str(tool["name"]))
            if tool.get("type"):
                types.append(str(tool["type"]))
    texts = system_texts(body)
    system_text = "\n".join(texts)
    # The tag is rare: a substring test spares the regex on every request's ~10 KB prompt.
    match = SUBAGENT_TAG.search(system_text) if "<CCR-SUBAGENT-MODEL>" in system_text else None
    last_user = _last_user(messages) if isinstance(messages, list) else None
    budget = thinking.get("budget_tokens")
    user_text = "\n".join(t for t in _texts(last_user) if not t.startswith(_REMINDER))
    agent_id = headers.get("x-claude-code-agent-id") or None
    return RouteRequest(
        model=str(body.get("model") or ""),
        body=body,
        headers=headers,
        token_count=token_count,
        session_id=session_id if session_id is not None else session_id_of(body, headers),
        session_last_tokens=session_last_tokens,
        thinking_type=thinking.get("type") if thinking else None,
        thinking_budget=budget if isinstance(budget, int) else None,
        effort=output_config.get("effort") if isinstance(output_config, dict) else None,
        max_tokens=max_tokens if isinstance(max_tokens := body.get("max_tokens"), int) else 0,
        stream=body.get("stream") is True,
        tool_names=frozenset(names),
        tool_types=frozenset(types),
        has_image=_has_image(last_user),
        last_user_text=user_text,
        system_text=system_text,
        subagent_model=match.group(1).strip() if match else None,
        is_subagent=agent_id is not None or SUBAGENT_MARK in billing_line(texts),
        agent_id=agent_id[:64] if agent_id else None,
        is_compaction=is_compaction_prompt(user_text),
        betas=betas_of(headers.get("anthropic-beta", "")),
        client_version=client_version_of(headers.get("user-agent", "")),
    )


_CLIENT = re.compile(r"claude-cli/(\d+)\.(\d+)\.(\d+)")


@functools.lru_cache(maxsize=64)  # one client sends the same header on every request
def client_version_of(user_agent: str) -> tuple[int, ...] | None:
    match = _CLIENT.search(user_agent)
    return tuple(int(part) for part in match.groups()) if match else None


@functools.lru_cache(maxsize=64)
def betas_of(header: str) -> frozenset[str]:
    return frozenset(b.strip() for b in header.split(",") if b.strip())


def strip_subagent_tag(body: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``body`` with the subagent tag removed from the system prompt."""
    system = body.get("system")
    if isinstance(system, str):
        return {**body, "system": SUBAGENT_TAG.sub("", system)}
    if isinstance(system, list):
        blocks = [
            {**b, "text": SUBAGENT_TAG.sub("", b["text"])}
            if isinstance(b, dict)
            and isinstance(b.get("text"), str)
            and "<CCR-SUBAGENT" in b["text"]
            else b
            for b in system
        ]
        return {**body, "system": blocks}
    return body
