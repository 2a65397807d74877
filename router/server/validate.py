"""Check just enough of a Messages request to translate it; name the field when it is wrong.

Unknown fields and block types are always accepted (Claude Code adds new ones often); only the
shapes translation depends on are checked.
"""

from __future__ import annotations

from typing import Any

import orjson

from ccrouter.errors import InvalidRequestError

_ROLES = ("user", "assistant", "system")
# Optional top-level fields: (name, accepted types, what the error message asks for)
_OPTIONAL: tuple[tuple[str, tuple[type, ...], str], ...] = (
    ("system", (str, list), "a string or a list of text blocks"),
    ("tools", (list,), "a list of tools"),
    ("stream", (bool,), "true or false"),
    ("stop_sequences", (list,), "a list of strings"),
    ("thinking", (dict,), 'an object such as {"type": "adaptive"}'),
    ("tool_choice", (dict,), 'an object such as {"type": "auto"}'),
    ("metadata", (dict,), "an object"),
)


def parse_json_body(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise InvalidRequestError("request body is empty; send a JSON Messages request")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequestError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidRequestError("request body must be a JSON object")
    return body


def check_messages_request(body: dict[str, Any], *, need_max_tokens: bool = True) -> None:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequestError("model: required, a non-empty string")
    if need_max_tokens:
        max_tokens = body.get("max_tokens")
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            raise InvalidRequestError("max_tokens: required, a positive integer")
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise InvalidRequestError("messages: required, a list of {role, content} objects")
    if not _messages_ok(messages):
        _raise_for_messages(messages)
    for name, types, expected in _OPTIONAL:
        value = body.get(name)
        if value is not None and not isinstance(value, types):
            raise InvalidRequestError(f"{name}: must be {expected}, got {type(value).__name__}")
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InvalidRequestError(f"{name}: must be a number")
    top_k = body.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)):
        raise InvalidRequestError("top_k: must be an integer")


def _messages_ok(messages: list[Any]) -> bool:
    """The checks of ``_raise_for_messages`` without its bookkeeping: this runs on every request
    over every block (400 KB conversations), the detailed walk only when something is wrong."""
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            return False
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                    return False
        elif not isinstance(content, str):
            return False
    return True


def _raise_for_messages(messages: list[Any]) -> None:
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise InvalidRequestError(f"messages[{i}]: must be an object with role and content")
        if message.get("role") not in _ROLES:
            raise InvalidRequestError(
                f"messages[{i}].role: must be 'user', 'assistant' or 'system', got {message.get('role')!r}"
            )
        content = message.get("content")
        if not isinstance(content, str | list):
            raise InvalidRequestError(
                f"messages[{i}].content: must be a string or a list of blocks"
            )
        if isinstance(content, list):
            for j, block in enumerate(content):
                if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                    raise InvalidRequestError(
                        f"messages[{i}].content[{j}]: must be an object with a string 'type'"
                    )
