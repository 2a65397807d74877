"""The checks of one content block, for ``validate``: each returns a ``Problem``.

A problem is the field-relative complaint (``".text: must be a string, got int"``), None when the
block is fine; the caller puts the JSON path in front. Known block types get their documented
shape checked; unknown types are accepted (Claude Code adds new ones often).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

MAX_DEPTH = 128  # levels inside one input_schema, tool input or output schema
_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_TOOL_ID = re.compile(r"[a-zA-Z0-9_-]+")
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

Problem = str | None  # a field-relative complaint (".text: must be a string"), None when fine


def got(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def block_problem(block: Any, role: str, asked: set[str]) -> Problem:
    """One block of a ``role`` message; a valid ``tool_use`` adds its id to ``asked``."""
    if type(block) is not dict:
        return f": must be an object with a string 'type', got {got(block)}"
    kind = block.get("type")
    if type(kind) is not str:
        return ": must be an object with a string 'type'"
    if kind == "text":
        return text_problem(block)
    if kind == "tool_use":
        if role != "assistant":
            return ": tool_use blocks belong in assistant messages"
        problem = _tool_use(block)
        if problem is None:
            asked.add(block["id"])
        return problem
    if kind == "tool_result":
        if role != "user":
            return ": tool_result blocks belong in user messages"
        return _tool_result(block, asked)
    check = _BLOCKS.get(kind)
    return None if check is None else check(block)  # unknown types are accepted


def text_problem(block: dict[str, Any]) -> Problem:
    text = block.get("text")
    return None if type(text) is str else f".text: must be a string, got {got(text)}"


def _tool_use(block: dict[str, Any]) -> Problem:
    tool_id, name, tool_input = block.get("id"), block.get("name"), block.get("input")
    if type(tool_id) is not str or not _TOOL_ID.fullmatch(tool_id):
        return f".id: must be a string of letters, digits, '_' and '-', got {tool_id!r:.80}"
    if type(name) is not str or not name:
        return ".name: required, a non-empty string"
    if type(tool_input) is not dict:
        return f".input: must be an object, got {got(tool_input)}"
    return depth_problem(tool_input, ".input")


def _tool_result(block: dict[str, Any], asked: set[str]) -> Problem:
    tool_use_id = block.get("tool_use_id")
    if type(tool_use_id) is not str:
        return f".tool_use_id: required, a string, got {got(tool_use_id)}"
    if tool_use_id not in asked:
        return (
            f".tool_use_id: {tool_use_id!r:.80} matches no tool_use block of the previous "
            "assistant message; every tool_result must answer a tool_use of the turn before"
        )
    is_error = block.get("is_error")
    if is_error is not None and type(is_error) is not bool:
        return f".is_error: must be true or false, got {got(is_error)}"
    content = block.get("content")
    if content is None or type(content) is str:
        return None
    if type(content) is not list:
        return f".content: must be a string or a list of blocks, got {got(content)}"
    for k, inner in enumerate(content):
        if type(inner) is not dict:
            return f".content[{k}]: must be an object with a string 'type', got {got(inner)}"
        kind = inner.get("type")
        if type(kind) is not str:
            return f".content[{k}]: must be an object with a string 'type'"
        check = text_problem if kind == "text" else _BLOCKS.get(kind)
        problem = None if check is None else check(inner)
        if problem is not None:
            return f".content[{k}]{problem}"
    return None


def _thinking_block(block: dict[str, Any]) -> Problem:
    thinking, signature = block.get("thinking"), block.get("signature")
    if type(thinking) is not str:
        return f".thinking: must be a string, got {got(thinking)}"
    if signature is not None and type(signature) is not str:
        return f".signature: must be a string, got {got(signature)}"
    return None


def _redacted_thinking(block: dict[str, Any]) -> Problem:
    data = block.get("data")
    return None if type(data) is str else f".data: must be a string, got {got(data)}"


def _image(block: dict[str, Any]) -> Problem:
    source = block.get("source")
    if type(source) is not dict:
        return f".source: must be an object, got {got(source)}"
    kind = source.get("type")
    if kind == "base64":
        media_type = source.get("media_type")
        if media_type not in _IMAGE_TYPES:
            return (
                f".source.media_type: must be one of {', '.join(sorted(_IMAGE_TYPES))}, "
                f"got {media_type!r:.80}"
            )
        return _base64(source.get("data"), ".source.data")
    if kind == "url":
        return _field(source, "url", ".source")
    if kind == "file":
        return _field(source, "file_id", ".source")
    return f".source.type: must be 'base64', 'url' or 'file', got {kind!r:.80}"


def _document(block: dict[str, Any]) -> Problem:
    source = block.get("source")
    if type(source) is not dict:
        return f".source: must be an object, got {got(source)}"
    kind = source.get("type")
    if kind == "base64":
        return _base64(source.get("data"), ".source.data")
    if kind == "text":
        return _field(source, "data", ".source")
    if kind == "url":
        return _field(source, "url", ".source")
    if kind == "file":
        return _field(source, "file_id", ".source")
    if kind == "content":
        content = source.get("content")
        if type(content) in (str, list):
            return None
        return f".source.content: must be a string or a list of blocks, got {got(content)}"
    return f".source.type: must be 'base64', 'text', 'url', 'content' or 'file', got {kind!r:.80}"


def _field(source: dict[str, Any], name: str, path: str) -> Problem:
    value = source.get(name)
    return None if type(value) is str else f"{path}.{name}: must be a string, got {got(value)}"


def _base64(data: Any, path: str) -> Problem:
    """The alphabet and padding of standard base64 (~0.35 ms per MB; images only)."""
    if type(data) is not str or not data:
        return f"{path}: required, a base64 string, got {got(data)}"
    if data.startswith("data:"):
        return f"{path}: must be the bare base64 data, without a 'data:…;base64,' prefix"
    body = data.rstrip("=")
    if not body.isascii() or len(data) % 4 or len(data) - len(body) > 2:
        return f"{path}: is not valid base64 (its length or padding is wrong)"
    stray = body.encode().translate(None, _BASE64_ALPHABET)
    if stray:
        return f"{path}: is not valid base64 (it contains {chr(stray[0])!r})"
    return None


def _tool_reference(block: dict[str, Any]) -> Problem:
    name = block.get("tool_name")
    return None if type(name) is str else f".tool_name: must be a string, got {got(name)}"


_BLOCKS: dict[str, Callable[[dict[str, Any]], Problem]] = {
    "image": _image,
    "document": _document,
    "thinking": _thinking_block,
    "redacted_thinking": _redacted_thinking,
    "tool_reference": _tool_reference,
}


def depth_problem(value: dict[str, Any] | list[Any], path: str) -> Problem:
    if _fits(value, MAX_DEPTH):
        return None
    return f"{path}: nested more than {MAX_DEPTH} levels deep; flatten it"


def _fits(value: dict[str, Any] | list[Any], budget: int) -> bool:
    """Whether ``value`` nests at most ``budget`` levels (one call per container inside it)."""
    if budget <= 0:
        return False
    items: Iterable[Any] = value.values() if type(value) is dict else value
    for item in items:
        kind = type(item)
        if (kind is dict or kind is list) and not _fits(item, budget - 1):
            return False
    return True
