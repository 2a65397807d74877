"""Turn the tool arguments a model *meant* into a JSON object.

``repair_object(text)`` tries strict JSON first, then a tolerant parser that accepts what
Qwen3-Coder, GLM and small local models commonly emit: code fences, single-quoted strings,
unquoted keys, Python literals (``True``/``False``/``None``), trailing commas, raw newlines inside
strings, unescaped quotes inside strings, double-encoded JSON, and text cut off before the
closing quotes and brackets. Anything that still is not an object becomes ``{}``.

Pure and I/O-free; the tolerant parser is a small recursive-descent reader over one string.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

_FENCE = re.compile(r"^```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$\-]*")
_LITERALS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\"}
# After a closing quote, only these may follow; anything else means the quote was literal text.
_AFTER_STRING = frozenset(",:}]")


class _Fail(Exception):
    """The text is not salvageable at this point."""


def repair_object(text: str) -> dict[str, Any]:
    """The JSON object ``text`` stands for, repaired if need be; ``{}`` when there is none."""
    text = text.strip()
    if not text:
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _tolerant(text)
    if isinstance(value, str) and value.strip():  # double-encoded: "{\"a\": 1}"
        return repair_object(value)
    return value if isinstance(value, dict) else {}


def repair_arguments(text: str) -> str:
    """``repair_object`` as the compact JSON string a tool call's ``arguments`` holds."""
    return orjson.dumps(repair_object(text)).decode()


def _tolerant(text: str) -> dict[str, Any]:
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    start = text.find("{")
    if start < 0:
        return {}
    try:
        value = _Reader(text, start).value()
    except _Fail:
        return {}
    return value if isinstance(value, dict) else {}


class _Reader:
    __slots__ = ("_text", "_pos")

    def __init__(self, text: str, pos: int) -> None:
        self._text = text
        self._pos = pos

    def _skip(self) -> str:
        """Skip blanks; the next character, or "" at the end."""
        text, pos = self._text, self._pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        self._pos = pos
        return text[pos] if pos < len(text) else ""

    def value(self) -> Any:
        char = self._skip()
        if char == "{":
            return self._object()
        if char == "[":
            return self._array()
        if char in "\"'":
            return self._string(char)
        if not char:
            raise _Fail("value expected")
        number = _NUMBER.match(self._text, self._pos)
        if number:
            self._pos = number.end()
            return orjson.loads(_plain_number(number.group()))
        return self._bare()

    def _object(self) -> dict[str, Any]:
        self._pos += 1  # "{"
        out: dict[str, Any] = {}
        while True:
            char = self._skip()
            if not char or char == "}":  # the end (possibly cut off): close it
                self._pos += 1
                return out
            if char == ",":
                self._pos += 1
                continue
            key = self._key()
            after = self._skip()
            if not after:
                return out  # cut off after a key: drop the half pair
            if after != ":":
                raise _Fail(f"':' expected at {self._pos}")
            self._pos += 1
            if not self._skip():
                return out
            out[key] = self.value()

    def _key(self) -> str:
        char = self._skip()
        if char in "\"'":
            return self._string(char)
        word = _WORD.match(self._text, self._pos) or _NUMBER.match(self._text, self._pos)
        if word is None:
            raise _Fail(f"key expected at {self._pos}")
        self._pos = word.end()
        return word.group()

    def _array(self) -> list[Any]:
        self._pos += 1  # "["
        out: list[Any] = []
        while True:
            char = self._skip()
            if not char or char == "]":
                self._pos += 1
                return out
            if char == ",":
                self._pos += 1
                continue
            if char == "}":
                raise _Fail("mismatched bracket")
            out.append(self.value())

    def _string(self, quote: str) -> str:
        text, pos = self._text, self._pos + 1
        parts: list[str] = []
        while pos < len(text):
            char = text[pos]
            if char == "\\" and pos + 1 < len(text):
                pos = self._escape(pos + 1, parts)
                continue
            if char == quote and self._closes(pos + 1):
                self._pos = pos + 1
                return "".join(parts)
            parts.append(char)
            pos += 1
        self._pos = pos  # cut off inside the string: close it
        return "".join(parts)

    def _closes(self, pos: int) -> bool:
        text = self._text
        while pos < len(text) and text[pos].isspace():
            pos += 1
        return pos >= len(text) or text[pos] in _AFTER_STRING

    def _escape(self, pos: int, parts: list[str]) -> int:
        char = self._text[pos]
        if char == "u":
            digits = self._text[pos + 1 : pos + 5]
            try:
                parts.append(chr(int(digits, 16)))
                return pos + 5
            except ValueError:
                parts.append("\\u")
                return pos + 1
        parts.append(_ESCAPES.get(char, char))  # \" \' and unknown escapes: the character
        return pos + 1

    def _bare(self) -> Any:
        word = _WORD.match(self._text, self._pos)
        if word is None:
            raise _Fail(f"unexpected {self._text[self._pos]!r} at {self._pos}")
        self._pos = word.end()
        token = word.group()
        return _LITERALS[token] if token in _LITERALS else token


def _plain_number(token: str) -> str:
    """``1.`` / ``.5`` are not JSON numbers; make them so."""
    if token.startswith("."):
        token = "0" + token
    elif token.startswith("-."):
        token = "-0" + token[1:]
    return token.replace(".e", ".0e").replace(".E", ".0E").rstrip(".") or "0"
