"""The pieces of one content block that the stream translator accumulates.

* ``ToolCall``: one upstream tool call, identified by (index, id), whatever pattern the provider
  uses (id once or on every chunk, whole call in one chunk, name in fragments, parallel calls that
  all say ``index: 0``); ``read_fragment()`` reads one fragment of it, ``ClosedCalls`` remembers
  the calls whose blocks are closed.
* ``ArgumentStream``: decides how a call's argument fragments reach the client. A well-formed JSON
  object streams fragment by fragment while a small scanner tracks strings and nesting, so text
  after the object closes is cut and a truncated object can be closed at the end. Anything else
  (single quotes, double-encoded JSON, prose) is held and repaired once, at the end.
* ``ReasoningSegment``: the ``reasoning_details`` of one thinking block, fragments merged by index.
* ``parse_tool_arguments()``: lenient arguments -> JSON object, for held and non-streamed calls.
* ``message_start()``: the event before the first block, with no content yet.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from ccrouter.transformers.chat.json_repair import repair_object
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import Event

ANTHROPIC_FORMAT = "anthropic-claude-v1"

# --- tool calls -----------------------------------------------------------------------------


class ToolCall:
    __slots__ = ("index", "upstream_id", "name", "held", "args", "started")

    def __init__(self, index: int | None, upstream_id: str | int | None) -> None:
        self.index = index
        self.upstream_id = upstream_id
        self.name = ""
        self.held: list[str] = []  # argument fragments that came before the name was known
        self.args = ArgumentStream()
        self.started = False  # content_block_start went out

    def continues(self, index: int | None, upstream_id: str | int | None, name: str) -> bool:
        """Does this fragment belong to this call (rather than start the next one)?"""
        if index is not None and self.index is not None and index != self.index:
            return False
        if upstream_id is not None and self.upstream_id is not None:
            return upstream_id == self.upstream_id
        if name and self.started and (name != self.name or self.args.complete):
            return False  # id-less parallel calls: a new name after the arguments began
        return True

    def add_name(self, fragment: str) -> None:
        if fragment != self.name:  # some providers repeat the whole name on every chunk
            self.name += fragment


def read_fragment(fragment: dict[str, Any]) -> tuple[int | None, str | int | None, str, str]:
    """``(index, id, name fragment, arguments fragment)`` of one ``tool_calls`` delta entry."""
    upstream_id = fragment.get("id")
    if upstream_id == "":
        upstream_id = None
    function = fragment.get("function") or {}
    args = function.get("arguments") or ""
    if not isinstance(args, str):  # a few providers send the arguments as an object
        args = orjson.dumps(args).decode()
    return fragment.get("index"), upstream_id, function.get("name") or "", args


class ClosedCalls:
    """The (index, id) of every tool call whose block is closed."""

    __slots__ = ("_keys",)

    def __init__(self) -> None:
        self._keys: set[tuple[int | None, str | int | None]] = set()

    def add(self, call: ToolCall) -> None:
        self._keys.add((call.index, call.upstream_id))

    def has(self, index: int | None, upstream_id: str | int | None, name: str) -> bool:
        """Is this fragment late, for a call already closed?"""
        if upstream_id is not None:
            return (index, upstream_id) in self._keys
        return not name and any(i == index for i, _ in self._keys)


_UNDECIDED, _STREAMING, _HELD, _COMPLETE = range(4)
_OPENING = re.compile(r"\s*\{\s*[\"}]")
_IN_STRING = re.compile(r"[\"\\]")
_OUTSIDE = re.compile(r"[\[\]{}\"]")


class ArgumentStream:
    __slots__ = ("_mode", "_held", "_sent", "_closers", "_in_string", "_escape")

    def __init__(self) -> None:
        self._mode = _UNDECIDED
        self._held: list[str] = []
        self._sent: list[str] = []
        self._closers: list[str] = []
        self._in_string = False
        self._escape = False

    @property
    def complete(self) -> bool:
        return self._mode == _COMPLETE

    def feed(self, fragment: str) -> str:
        """The text to send now for this fragment (possibly empty)."""
        if self._mode == _STREAMING:
            return self._scan(fragment)
        if self._mode == _UNDECIDED:
            self._held.append(fragment)
            head = "".join(self._held)
            if _OPENING.match(head):
                self._mode, self._held = _STREAMING, []
                return self._scan(head)
            rest = head.lstrip()
            if rest and (rest[0] != "{" or rest[1:].strip()):
                self._mode = _HELD  # not `{"…` or `{}`: hold it all and repair at the end
        elif self._mode == _HELD:
            self._held.append(fragment)
        return ""  # _COMPLETE: whatever follows the object is dropped

    def finish(self) -> str:
        """The text that completes the arguments when the call ends."""
        if self._mode in (_UNDECIDED, _HELD):
            value = parse_tool_arguments("".join(self._held))
            return orjson.dumps(value).decode() if value else ""
        return self._closing_suffix() if self._mode == _STREAMING else ""

    @classmethod
    def close_truncated(cls, text: str) -> dict[str, Any] | None:
        """``text`` (starting with ``{``) as an object, closing what a cut left open."""
        stream = cls()
        stream._mode = _STREAMING
        sent = stream._scan(text)
        return _object_or_none(sent + stream._closing_suffix())

    def _closing_suffix(self) -> str:
        sent = "".join(self._sent)
        for suffix in self._completions():
            if _object_or_none(sent + suffix) is not None:
                return suffix
        return ""

    def _scan(self, text: str) -> str:
        closers, in_string, pos, end = self._closers, self._in_string, 0, len(text)
        if self._escape and text:
            self._escape, pos = False, 1
        while pos < end:
            if in_string:
                match = _IN_STRING.search(text, pos)
                if match is None:
                    break
                pos = match.end()
                if match.group() == '"':
                    in_string = False
                elif pos >= end:
                    self._escape = True  # the escaped character is in the next fragment
                else:
                    pos += 1
                continue
            match = _OUTSIDE.search(text, pos)
            if match is None:
                break
            char, pos = match.group(), match.end()
            if char == '"':
                in_string = True
            elif char == "{" or char == "[":
                closers.append("}" if char == "{" else "]")
            elif closers:
                closers.pop()
                if not closers:
                    self._mode, text = _COMPLETE, text[:pos]
                    break
        self._in_string = in_string
        if text:
            self._sent.append(text)
        return text

    def _completions(self) -> list[str]:
        closers = "".join(reversed(self._closers))
        quote = '\\"' if self._escape else '"' if self._in_string else ""
        # cut after a value, a colon, a key, or a comma
        return [quote + middle + closers for middle in ("", "null", ":null", '"":null')]


def _object_or_none(text: str) -> dict[str, Any] | None:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def parse_tool_arguments(text: str) -> dict[str, Any]:
    """Arguments as a JSON object, repaired (``json_repair``); a call cut short is closed."""
    value = repair_object(text)
    if value or not text.strip():
        return value
    start = text.find("{")
    return (ArgumentStream.close_truncated(text[start:]) or {}) if start >= 0 else {}


# --- reasoning ------------------------------------------------------------------------------

_TEXT_FIELD = {"reasoning.text": "text", "reasoning.summary": "summary"}


class ReasoningSegment:
    """``reasoning_details`` of one thinking block; text fragments kept as lists until packed."""

    __slots__ = ("_items", "_parts")

    def __init__(self) -> None:
        self._items: list[dict[str, Any]] = []
        self._parts: list[list[str] | None] = []

    def __bool__(self) -> bool:
        return bool(self._items)

    def add(self, item: dict[str, Any]) -> None:
        field = _TEXT_FIELD.get(item.get("type", ""))
        if field is not None and self._items and self._continues(item):
            last, parts = self._items[-1], self._parts[-1]
            if item.get(field) and parts is not None:
                parts.append(item[field])
            for key, value in item.items():
                if key != field and (value is not None or key not in last):
                    last[key] = value  # latest non-null signature / id / format wins
            return
        copy = dict(item)
        self._items.append(copy)
        self._parts.append(None if field is None else [copy.pop(field, None) or ""])

    def _continues(self, item: dict[str, Any]) -> bool:
        last = self._items[-1]
        item_id = item.get("id")
        return (
            last.get("type") == item.get("type")
            and last.get("index") == item.get("index")
            and (item_id is None or last.get("id") in (None, item_id))
        )

    def starts_new_block(self, item: dict[str, Any]) -> bool:
        """Anthropic emits one signed thinking block per index; a new index is a new block."""
        if not self._items or item.get("format") != ANTHROPIC_FORMAT:
            return False
        last = self._items[-1]
        return bool(last.get("signature")) and last.get("index") != item.get("index")

    def details(self) -> list[dict[str, Any]]:
        out = []
        for item, parts in zip(self._items, self._parts, strict=True):
            field = _TEXT_FIELD.get(item.get("type", ""))
            if parts is None or field is None:
                out.append(item)
            else:
                out.append({**item, field: "".join(parts)})
        return out

    def anthropic_signature(self) -> str | None:
        """Anthropic's own signature, when this block came from Claude."""
        for item in reversed(self._items):
            if item.get("format") == ANTHROPIC_FORMAT and item.get("signature"):
                return str(item["signature"])
        return None


# --- the message ----------------------------------------------------------------------------


def message_start(ctx: TranslationContext) -> Event:
    usage = {
        "input_tokens": ctx.input_estimate,
        "output_tokens": 1,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    message: dict[str, Any] = {
        "id": ctx.message_id,
        "type": "message",
        "role": "assistant",
        "model": ctx.requested_model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    return ("message_start", {"type": "message_start", "message": message})
