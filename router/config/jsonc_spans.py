"""A tolerant JSON/JSON5-subset parser that remembers where every value sits in the source.

`parse(text)` returns a `Node` tree whose offsets let `ccrouter.config.jsonc` rewrite one value while
leaving every other byte (comments, spacing, `$VAR` strings) untouched. Accepted on top of JSON:
`//` and `/* */` comments, trailing commas, single-quoted strings (with `\\'`), unquoted identifier
keys, a leading BOM, and JSON5 numbers (hex, `.5`, `5.`, `+1`, `Infinity`, `NaN`).
Duplicate keys are allowed; the last one wins, as in `json.loads` and JSON5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

NodeKind = Literal["object", "array", "scalar"]


class JSONCError(ValueError):
    """The config text is not valid; `line`/`column` are 1-based and point at the problem."""

    def __init__(self, text: str, pos: int, message: str) -> None:
        self.pos = pos
        self.line = text.count("\n", 0, pos) + 1
        self.column = pos - text.rfind("\n", 0, pos)
        self.message = message
        super().__init__(f"line {self.line}, column {self.column}: {message}")


@dataclass(frozen=True, slots=True)
class Entry:
    """One object member or array element, with the offsets an editor needs."""

    key: str | None  # None for array elements
    start: int  # offset of the key (objects) or of the value (arrays)
    node: Node
    comma: int | None  # offset of the ',' that follows, if any


@dataclass(frozen=True, slots=True)
class Node:
    kind: NodeKind
    start: int  # first character of the value
    end: int  # one past its last character
    value: Any  # the plain Python value
    entries: tuple[Entry, ...] = ()


# Whitespace per JSON5 (includes the BOM, so a leading BOM needs no special case) and comments.
_TRIVIA = re.compile(
    r"(?:[ \t\n\r\v\f\u00a0\u2028\u2029\ufeff]+|//[^\n\r\u2028\u2029]*|/\*.*?\*/)*", re.S
)
_PLAIN = {'"': re.compile(r'[^"\\\n\r]*'), "'": re.compile(r"[^'\\\n\r]*")}
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_WORD = re.compile(r"[A-Za-z0-9_$]+")
_NUMBER = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F]+|Infinity|NaN|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
)
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_ESCAPES = {
    '"': '"',
    "'": "'",
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_CLOSER = {"{": "}", "[": "]"}


def parse(text: str) -> Node:
    """Parse `text` into a span-annotated tree; raise `JSONCError` with a fix-it message."""
    parser = _Parser(text)
    try:
        return parser.document()
    except RecursionError:
        raise JSONCError(text, parser.pos, "objects and arrays are nested too deeply") from None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str, pos: int | None = None) -> JSONCError:
        return JSONCError(self.text, self.pos if pos is None else pos, message)

    def skip(self) -> str:
        """Skip whitespace and comments; return the next character ('' at the end)."""
        trivia = _TRIVIA.match(self.text, self.pos)
        assert trivia is not None  # a `*` pattern always matches
        self.pos = trivia.end()
        if self.text.startswith("/*", self.pos):
            raise self.fail("unterminated /* comment (add the closing */)")
        return self.text[self.pos : self.pos + 1]

    def document(self) -> Node:
        if self.skip() == "":
            raise self.fail("the file is empty; expected a JSON object")
        node = self.value()
        if self.skip() != "":
            raise self.fail("unexpected text after the end of the document (an extra '}' or ']'?)")
        return node

    def value(self) -> Node:
        c = self.text[self.pos : self.pos + 1]
        if c == "{":
            return self.container("object")
        if c == "[":
            return self.container("array")
        start = self.pos
        if c in ('"', "'"):
            string = self.string()
            return Node("scalar", start, self.pos, string)
        if c == "":
            raise self.fail("unexpected end of file; expected a value")
        number = _NUMBER.match(self.text, start)
        if number is not None and not _WORD.match(self.text, number.end()):
            self.pos = number.end()
            return Node("scalar", start, self.pos, _number(number.group()))
        word = _WORD.match(self.text, start)
        if word is not None and word.group() in _LITERALS:
            self.pos = word.end()
            return Node("scalar", start, self.pos, _LITERALS[word.group()])
        if word is not None:
            raise self.fail(f"unexpected {word.group()!r}; strings must be in quotes")
        if c in ",}]":
            raise self.fail(f"expected a value before {c!r}")
        raise self.fail(f"unexpected character {c!r}; expected a value")

    def container(self, kind: NodeKind) -> Node:
        text, start = self.text, self.pos
        opener = text[start]
        closer = _CLOSER[opener]
        what = "an object member" if kind == "object" else "an array element"
        entries: list[Entry] = []
        self.pos += 1
        while True:
            c = self.skip()
            if c == closer:
                break
            if c == "":
                raise self.unclosed(start)
            entry_start = self.pos
            key = self.key() if kind == "object" else None
            node = self.value()
            c = self.skip()
            comma = self.pos if c == "," else None
            entries.append(Entry(key, entry_start, node, comma))
            if comma is None and c != closer:
                if c == "":
                    raise self.unclosed(start)
                raise self.fail(
                    f"expected ',' or '{closer}' after {what} (did you forget a comma?)"
                )
            if comma is not None:
                self.pos += 1
        self.pos += 1
        if kind == "object":
            value: Any = {e.key: e.node.value for e in entries}
        else:
            value = [e.node.value for e in entries]
        return Node(kind, start, self.pos, value, tuple(entries))

    def key(self) -> str:
        c = self.text[self.pos]
        if c in ('"', "'"):
            key = self.string()
        elif (ident := _IDENT.match(self.text, self.pos)) is not None:
            key = ident.group()
            self.pos = ident.end()
        elif c == ",":
            raise self.fail("unexpected ','; expected a key (two commas in a row?)")
        else:
            raise self.fail(f"expected a quoted key or '}}' but found {c!r}")
        if self.skip() != ":":
            raise self.fail(f"expected ':' after the key {key!r}")
        self.pos += 1
        self.skip()
        return key

    def unclosed(self, start: int) -> JSONCError:
        opener = self.text[start]
        where = JSONCError(self.text, start, "")
        return self.fail(
            f"unexpected end of file: the {opener!r} at line {where.line}, column "
            f"{where.column} is never closed (missing {_CLOSER[opener]!r})"
        )

    def string(self) -> str:
        text, start = self.text, self.pos
        quote = text[start]
        plain = _PLAIN[quote]
        chunks: list[str] = []
        self.pos += 1
        while True:
            run = plain.match(text, self.pos)
            assert run is not None  # a `*` pattern always matches
            chunks.append(run.group())
            self.pos = run.end()
            c = text[self.pos : self.pos + 1]
            if c == quote:
                self.pos += 1
                return "".join(chunks)
            if c != "\\":
                raise self.fail(
                    f"unterminated string (add the closing {quote}; use \\n for a line break)",
                    start,
                )
            chunks.append(self.escape())

    def escape(self) -> str:
        text = self.text
        c = text[self.pos + 1 : self.pos + 2]
        if c in _ESCAPES:
            self.pos += 2
            return _ESCAPES[c]
        if c != "u":
            raise self.fail(f"invalid escape '\\{c}' in a string (write '\\\\' for a backslash)")
        code = self._hex4(self.pos + 2)
        self.pos += 6
        # Join a UTF-16 surrogate pair written as two escapes, as json.loads does.
        if 0xD800 <= code < 0xDC00 and text.startswith("\\u", self.pos):
            low = self._hex4(self.pos + 2)
            if 0xDC00 <= low < 0xE000:
                self.pos += 6
                return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
        return chr(code)

    def _hex4(self, at: int) -> int:
        digits = _HEX4.match(self.text, at)
        if digits is None:
            raise self.fail("invalid \\u escape (expected four hex digits)", at - 2)
        return int(digits.group(), 16)


def _number(raw: str) -> int | float:
    body = raw.lstrip("+-")
    sign = -1 if raw.startswith("-") else 1
    if body[:2] in ("0x", "0X"):
        return sign * int(body, 16)
    if body in ("Infinity", "NaN"):
        return float(raw.lstrip("+"))
    if any(c in body for c in ".eE"):
        return sign * float(body)
    return sign * int(body)
