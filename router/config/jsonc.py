"""Read users' JSON5-style config.json, and edit one value without touching anything else.

claude-code-router users hand-edit their config: comments, trailing commas, `$VAR` references.
`loads` reads such files; `set_value`/`delete_value` rewrite only the bytes of one member, so
`ccrouter model set …` never loses a comment (CCR itself rewrites the file with JSON.stringify).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import orjson

from ccrouter.config.jsonc_spans import Entry, JSONCError, Node, parse

__all__ = ["JSONCError", "PathStep", "delete_value", "loads", "set_value"]

PathStep = str | int

# Spaces and comments that end a member's line (a /* */ comment may run over several lines).
_SAME_LINE_COMMENTS = re.compile(r"(?:[ \t]*(?://[^\n\r]*|/\*.*?\*/))*", re.S)
_BLANKS = re.compile(r"[ \t]*")


def loads(text: str) -> Any:
    """Parse JSON, or JSON with comments/trailing commas/single quotes/unquoted keys."""
    # Most configs are plain JSON; orjson reads those far faster than the pure-Python parser.
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return parse(text).value


def set_value(text: str, path: Sequence[PathStep], value: Any) -> str:
    """Return `text` with the value at `path` set to `value`; every other byte is kept.

    Missing object keys (including intermediate objects) are created as last members.
    Raises JSONCError for invalid text, TypeError when `path` walks into a scalar or uses the
    wrong kind of step, IndexError for an array index out of range.
    """
    _check_path(path)
    encoded = json.dumps(value, ensure_ascii=False)
    root = node = parse(text)
    for depth, step in enumerate(path):
        index = _find(node, step)
        if index is None:
            return _insert(text, root, node, path[depth:], encoded)
        node = node.entries[index].node
    return text[: node.start] + encoded + text[node.end :]


def delete_value(text: str, path: Sequence[PathStep]) -> str:
    """Return `text` without the member (or array element) at `path` and its comma.

    Raises KeyError if the key is missing, IndexError if the index is out of range.
    """
    _check_path(path)
    if not path:
        raise ValueError("cannot delete the whole document")
    parent = _walk(parse(text), path[:-1])
    index = _find(parent, path[-1])
    if index is None:
        raise KeyError(path[-1])
    text = _remove(text, parent.entries, index)
    # With duplicate keys an earlier copy would now win: delete until the key is really gone.
    last = path[-1]
    if isinstance(last, str) and last in _walk(parse(text), path[:-1]).value:
        return delete_value(text, path)
    return text


def _check_path(path: Sequence[PathStep]) -> None:
    # A bare string is a Sequence[str] too, and would silently be walked letter by letter.
    if isinstance(path, str | bytes):
        raise TypeError("path must be a sequence of steps, e.g. ['Router', 'default']")


def _find(node: Node, step: PathStep) -> int | None:
    """Index into `node.entries` for `step`, or None when an object lacks the key."""
    if isinstance(step, str):
        if node.kind != "object":
            raise TypeError(f"cannot look up key {step!r}: the value there is not an object")
        for index in range(len(node.entries) - 1, -1, -1):  # the last duplicate wins
            if node.entries[index].key == step:
                return index
        return None
    if node.kind != "array":
        raise TypeError(f"cannot use index {step!r}: the value there is not an array")
    size = len(node.entries)
    if not -size <= step < size:
        raise IndexError(f"array index {step} out of range (the array has {size} elements)")
    return step % size


def _walk(node: Node, path: Sequence[PathStep]) -> Node:
    for step in path:
        index = _find(node, step)
        if index is None:
            raise KeyError(step)
        node = node.entries[index].node
    return node


def _insert(text: str, root: Node, obj: Node, keys: Sequence[PathStep], encoded: str) -> str:
    """Add `keys[0]` (with objects for the rest of `keys`) as the last member of `obj`."""
    names = [k for k in keys if isinstance(k, str)]
    if len(names) != len(keys):
        raise KeyError(f"{keys[0]!r} is missing, and set_value never creates arrays")
    newline = "\r\n" if "\r\n" in text else "\n"
    unit = _indent_unit(text, root)
    if not obj.entries:
        # An empty object is opened onto several lines unless it sits in a one-line document.
        spread = obj is root or "\n" in text.strip()
        return _insert_into_empty(text, obj, names, encoded, spread, newline, unit)
    last = obj.entries[-1]
    indent = _own_line_indent(text, last.start)
    if indent is None:  # members share a line: continue on that line
        member = _member(names, encoded, None, newline, unit)
        if last.comma is None:
            return _splice(text, last.node.end, ", " + member)
        return _splice(text, last.comma + 1, " " + member + ",")
    member = newline + indent + _member(names, encoded, indent, newline, unit)
    # Go past comments on the last member's line so they stay with that member.
    after = last.node.end if last.comma is None else last.comma + 1
    at = _comments_end(text, after)
    if last.comma is None:
        return text[: last.node.end] + "," + text[last.node.end : at] + member + text[at:]
    return _splice(text, at, member + ",")  # keep the file's trailing-comma style


def _insert_into_empty(
    text: str, obj: Node, names: list[str], encoded: str, spread: bool, newline: str, unit: str
) -> str:
    inner_start, inner_end = obj.start + 1, obj.end - 1
    blank_inside = text[inner_start:inner_end].strip() == ""
    if not spread:
        member = _member(names, encoded, None, newline, unit)
        if blank_inside:
            return text[:inner_start] + member + text[inner_end:]
        return _splice(text, inner_end, " " + member + " ")
    base = _line_indent(text, obj.start)
    indent = base + unit
    member = indent + _member(names, encoded, indent, newline, unit)
    if blank_inside:
        return text[:inner_start] + newline + member + newline + base + text[inner_end:]
    close_line = _line_start(text, inner_end)
    if close_line > inner_start and text[close_line:inner_end].strip() == "":
        return _splice(text, close_line, member + newline)  # after the comments inside
    return _splice(text, inner_end, newline + member + newline + base)


def _member(names: list[str], encoded: str, indent: str | None, newline: str, unit: str) -> str:
    """`"a": {"b": value}` for names [a, b]; nested objects go on their own lines unless inline."""
    key = json.dumps(names[0], ensure_ascii=False)
    if len(names) == 1:
        return f"{key}: {encoded}"
    if indent is None:
        return f"{key}: {{{_member(names[1:], encoded, None, newline, unit)}}}"
    inner = indent + unit
    body = _member(names[1:], encoded, inner, newline, unit)
    return f"{key}: {{{newline}{inner}{body}{newline}{indent}}}"


def _remove(text: str, entries: tuple[Entry, ...], index: int) -> str:
    entry = entries[index]
    end = entry.node.end if entry.comma is None else entry.comma + 1
    # A last element without a trailing comma takes its predecessor's comma with it.
    prev_comma = entries[index - 1].comma if entry.comma is None and index > 0 else None
    line_start = _line_start(text, entry.start)
    if _own_line_indent(text, entry.start) is not None:
        stop = _line_end(text, _comments_end(text, end))
        if stop is not None:  # the member owns its lines: drop them whole, comments included
            text = text[:line_start] + text[stop:]
            return text if prev_comma is None else text[:prev_comma] + text[prev_comma + 1 :]
    if entry.comma is not None:
        return text[: entry.start] + text[_skip(_BLANKS, text, end) :]
    if prev_comma is not None:
        return text[:prev_comma] + text[entry.node.end :]
    return text[: entry.start] + text[entry.node.end :]


def _indent_unit(text: str, root: Node) -> str:
    """One indentation step, taken from the first member that sits on its own line."""
    stack = [root]
    while stack:
        node = stack.pop()
        outer = _line_indent(text, node.start)
        for entry in node.entries:
            inner = _own_line_indent(text, entry.start)
            if inner is not None and inner.startswith(outer) and len(inner) > len(outer):
                return inner[len(outer) :]
            stack.append(entry.node)
    return "  "


def _own_line_indent(text: str, pos: int) -> str | None:
    """The whitespace before `pos` if nothing else precedes it on its line, else None."""
    prefix = text[_line_start(text, pos) : pos]
    return prefix if prefix.strip(" \t") == "" else None


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_end(text: str, pos: int) -> int | None:
    """Offset just past the newline ending the line at `pos`, if only blanks remain on it."""
    pos = _skip(_BLANKS, text, pos)
    for ending in ("\r\n", "\n"):
        if text.startswith(ending, pos):
            return pos + len(ending)
    return pos if pos == len(text) else None


def _line_indent(text: str, pos: int) -> str:
    start = _line_start(text, pos)
    return text[start : _skip(_BLANKS, text, start)]


def _comments_end(text: str, pos: int) -> int:
    return _skip(_SAME_LINE_COMMENTS, text, pos)


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    match = pattern.match(text, pos)
    assert match is not None  # both patterns can match the empty string
    return match.end()


def _splice(text: str, at: int, insert: str) -> str:
    return text[:at] + insert + text[at:]
