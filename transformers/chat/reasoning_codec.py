"""Pack reasoning state into a thinking block's ``signature`` and back.

Claude Code echoes thinking blocks verbatim, and its ``clear_thinking`` edit keeps only
``{type, thinking, signature}``; so whatever must be replayed next turn lives in the signature.

* Anthropic's own signatures (``format: anthropic-claude-v1``) from a model whose name is
  Claude's are passed through untouched: Claude and the Anthropic pass-through verify them.
* Everything else becomes ``ccr1.<family>.<base64url(json(details + [producer]))>``: the family
  and the producer (``provider,model`` that wrote it, a detail of type ``ccrouter.producer``)
  say who may get it back, so the same model under any name (a gateway alias, a self-hosted
  proxy) has its reasoning replayed, and a route change drops what the new target cannot verify.
  Claude's signed details inside an envelope still go to a real Claude model
  (``reasoning.replay_reasoning``) and, unwrapped, to the pass-through (``native_thinking``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

PREFIX = "ccr1."
PRODUCER = "ccrouter.producer"  # the detail naming the model that produced the others
ANTHROPIC_FORMAT = "anthropic-claude-v1"


@dataclass(frozen=True, slots=True)
class Sealed:
    family: str
    details: list[dict[str, Any]]
    producer: str | None = None  # "provider,model"; None in envelopes older than the field


def producer_of(provider: str, model: str) -> str:
    return f"{provider},{model}"


def pack(details: list[dict[str, Any]], family: str, producer: str | None = None) -> str:
    items = [*details, {"type": PRODUCER, "model": producer}] if producer else details
    payload = base64.urlsafe_b64encode(orjson.dumps(items)).rstrip(b"=").decode()
    return f"{PREFIX}{family}.{payload}"


def seal(
    details: list[dict[str, Any]],
    anthropic_signature: str | None,
    family: str,
    producer: str | None,
) -> str:
    """A block's signature: Claude's own from a Claude-named model, else an envelope."""
    if anthropic_signature and family == "anthropic":
        return anthropic_signature
    return pack(details, family, producer)


def unseal(signature: str) -> Sealed | None:
    """The envelope's contents; None for a foreign/Anthropic signature."""
    if not signature.startswith(PREFIX):
        return None
    try:
        family, _, payload = signature[len(PREFIX) :].partition(".")
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        items = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(items, list):
        return None
    details, producer = [], None
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("type") == PRODUCER:
            producer = item.get("model") if isinstance(item.get("model"), str) else None
        else:
            details.append(item)
    return Sealed(family, details, producer)


def unpack(signature: str) -> tuple[str, list[dict[str, Any]]] | None:
    """``(family, details)`` for a packed signature; None for a foreign/Anthropic one."""
    sealed = unseal(signature)
    return (sealed.family, sealed.details) if sealed else None


def anthropic_details(details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The details Claude signed (``format: anthropic-claude-v1``)."""
    return [d for d in details if d.get("format") == ANTHROPIC_FORMAT]


def native_thinking(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` for an Anthropic-native upstream: enveloped Claude reasoning unwrapped to the
    bare signature Anthropic verifies, other envelopes dropped (nobody there can verify them).
    The same object when there is nothing to change (the usual case)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not any(_enveloped(m) for m in messages):
        return body
    out = []
    for message in messages:
        if _enveloped(message):
            content = [b for block in message["content"] for b in _native_blocks(block)]
            message = {**message, "content": content}
        out.append(message)
    return {**body, "messages": out}


def _sealed_text(block: Any) -> str | None:
    if not isinstance(block, Mapping):
        return None
    kind = block.get("type")
    value = block.get("signature") if kind == "thinking" else None
    value = block.get("data") if kind == "redacted_thinking" else value
    return value if isinstance(value, str) and value.startswith(PREFIX) else None


def _enveloped(message: Any) -> bool:
    if not isinstance(message, Mapping) or message.get("role") != "assistant":
        return False
    content = message.get("content")
    return isinstance(content, list) and any(_sealed_text(b) for b in content)


def _native_blocks(block: Any) -> list[Any]:
    text = _sealed_text(block)
    if text is None:
        return [block]
    sealed = unseal(text)
    out: list[Any] = []
    for detail in anthropic_details(sealed.details) if sealed else []:
        if detail.get("type") == "reasoning.text" and detail.get("signature"):
            thinking = detail.get("text") or block.get("thinking") or ""
            signature = detail["signature"]
            out.append({"type": "thinking", "thinking": thinking, "signature": signature})
        elif detail.get("type") == "reasoning.encrypted" and detail.get("data"):
            out.append({"type": "redacted_thinking", "data": detail["data"]})
    return out
