"""Deterministic, synthetic Claude-Code-shaped request bodies for the benchmarks.

Shaped after a captured Claude Code 2.x ``POST /v1/messages`` (billing/identity/main system blocks,
a dozen client tools with JSON schemas, the ``<system-reminder>`` user turn, an environment
``system`` message, a thinking + text + ``tool_use`` assistant turn and its ``tool_result``), but
generated here from a seeded RNG, so the benchmarks never depend on a capture being present.

- ``small_body()``: about 17 KB, one tool_use/tool_result exchange.
- ``large_body()``: about 400 KB, the same head plus a long conversation of tool turns (reads of
  numbered source lines, edits, bash runs), as Claude Code resends it on every turn.

Every body carries a fixed-width marker (``MARKER``) in its last user text. The load generator
patches a request number into it (``Variants``), so each request is a *new* turn of the same
conversation: the router's token cache is warm for everything but that turn, as in real use.
"""

from __future__ import annotations

import random
from typing import Any

import orjson

MARKER = b"REQ#00000000"  # patched in place: 8 digits, same length, so Content-Length holds
SESSION_ID = "5ae9278c-8506-4caa-ab4c-22fcc1207e39"

_WORDS = (
    "the file function returns value error test config model request stream token cache router "
    "provider message tool result user assistant system prompt schema input output python async "
    "await class import self none true false update fix refactor check build run path line read "
    "write edit bash grep search agent when before after always never must should may use avoid "
    "prefer instead command directory project repository commit branch change diff review code "
    "task todo plan step output format markdown concise answer question explain describe list"
).split()
_IDENTS = (
    "config", "request", "stream", "chunk", "token", "cache", "route", "model", "client",
    "handler", "parser", "buffer", "state", "result", "decision", "provider", "upstream",
)  # fmt: skip


def _prose(rng: random.Random, words: int) -> str:
    out: list[str] = []
    sentence: list[str] = []
    for _ in range(words):
        sentence.append(rng.choice(_WORDS))
        if len(sentence) > 6 and rng.random() < 0.12:
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    if sentence:
        out.append(" ".join(sentence).capitalize() + ".")
    return " ".join(out)


def _code(rng: random.Random, first_line: int, lines: int) -> str:
    """``cat -n``-style numbered Python-ish lines, as Claude Code's Read tool returns them."""
    out = []
    for n in range(first_line, first_line + lines):
        a, b = rng.choice(_IDENTS), rng.choice(_IDENTS)
        indent = "    " * rng.randint(0, 3)
        kind = rng.random()
        if kind < 0.15:
            text = f"def {a}_{b}(self, {b}: dict[str, Any]) -> {a.capitalize()}:"
        elif kind < 0.3:
            text = f"if {a}.{b} is None or len({b}) > {rng.randint(1, 4096)}:"
        elif kind < 0.4:
            text = f"# {_prose(rng, 8)}"
        else:
            text = f"{a}_{b} = self._{b}.get({a!r}, {rng.randint(0, 999)})"
        out.append(f"{n:>6}\t{indent}{text}")
    return "\n".join(out)


def _schema(rng: random.Random, fields: list[tuple[str, str]], required: int) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for name, kind in fields:
        prop: dict[str, Any] = {"type": kind, "description": _prose(rng, rng.randint(5, 14))}
        if kind == "array":
            prop["items"] = {"type": "string"}
        props[name] = prop
    return {
        "type": "object",
        "properties": props,
        "required": [name for name, _ in fields[:required]],
        "additionalProperties": False,
        "$schema": "http://json-schema.org/draft-07/schema#",
    }


_TOOLS: tuple[tuple[str, list[tuple[str, str]], int], ...] = (
    ("Agent", [("description", "string"), ("prompt", "string"), ("subagent_type", "string")], 3),
    ("Bash", [("command", "string"), ("timeout", "number"), ("description", "string"),
              ("run_in_background", "boolean")], 1),
    ("Glob", [("pattern", "string"), ("path", "string")], 1),
    ("Grep", [("pattern", "string"), ("path", "string"), ("glob", "string"),
              ("output_mode", "string"), ("-n", "boolean"), ("head_limit", "number")], 1),
    ("Read", [("file_path", "string"), ("offset", "number"), ("limit", "number")], 1),
    ("Edit", [("file_path", "string"), ("old_string", "string"), ("new_string", "string"),
              ("replace_all", "boolean")], 3),
    ("Write", [("file_path", "string"), ("content", "string")], 2),
    ("NotebookEdit", [("notebook_path", "string"), ("cell_id", "string"),
                      ("new_source", "string"), ("edit_mode", "string")], 3),
    ("WebFetch", [("url", "string"), ("prompt", "string")], 2),
    ("TodoWrite", [("todos", "array")], 1),
    ("BashOutput", [("bash_id", "string"), ("filter", "string")], 1),
    ("KillShell", [("shell_id", "string")], 1),
)  # fmt: skip


def _tools(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "description": _prose(rng, 45),
            "input_schema": _schema(rng, fields, required),
        }
        for name, fields, required in _TOOLS
    ]


def _head(rng: random.Random, stream: bool) -> dict[str, Any]:
    ephemeral = {"type": "ephemeral"}
    return {
        "model": "claude-sonnet-4-5-20250929",
        "max_tokens": 32000,
        "metadata": {
            "user_id": orjson.dumps(
                {"device_id": "41748aca" * 8, "account_uuid": "", "session_id": SESSION_ID}
            ).decode()
        },
        "system": [
            {
                "type": "text",
                "text": "x-anthropic-billing-header: cc_version=2.1.329.0a8; cc_entrypoint=cli;",
            },
            {
                "type": "text",
                "text": "You are Claude Code, Anthropic's official CLI for Claude.",
                "cache_control": ephemeral,
            },
            {"type": "text", "text": _prose(rng, 700), "cache_control": ephemeral},
        ],  # fmt: skip
        "tools": _tools(rng),
        "thinking": {"type": "adaptive", "display": "omitted"},
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        "output_config": {"effort": "medium"},
        "stream": stream,
    }


def _opening(rng: random.Random) -> list[dict[str, Any]]:
    reminder = (
        "<system-reminder>\nAs you answer the user's questions, you can use the following "
        "context:\n# gitStatus\n" + _prose(rng, 120) + "\n</system-reminder>"
    )
    env = (
        "# Environment\n - Primary working directory: /home/dev/project\n - Is a git "
        "repository: true\n - Platform: linux\n - Shell: bash\n" + _prose(rng, 60)
    )
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": reminder},
                {
                    "type": "text",
                    "text": "Fix the failing test in router/stream.py. " + _prose(rng, 20),
                },
            ],
        },
        {"role": "system", "content": env},
    ]


def _tool_turn(rng: random.Random, number: int, big: bool) -> list[dict[str, Any]]:
    tool_id = f"toolu_{number:04d}{rng.getrandbits(64):016x}"
    which = rng.choice(("Read", "Bash", "Edit")) if big else "Write"
    if which == "Read":
        start = rng.randint(1, 2000)
        call = {
            "file_path": f"/home/dev/project/router/{rng.choice(_IDENTS)}.py",
            "offset": start,
            "limit": 80,
        }
        result = _code(rng, start, 80)
    elif which == "Bash":
        call = {"command": "python -m pytest -x -q tests/", "description": "Run the tests"}
        result = "\n".join(
            f"tests/test_{rng.choice(_IDENTS)}.py::{_prose(rng, 3).replace(' ', '_')} PASSED"
            for _ in range(40)
        )
    elif which == "Edit":
        call = {
            "file_path": f"/home/dev/project/router/{rng.choice(_IDENTS)}.py",
            "old_string": _code(rng, 1, 6),
            "new_string": _code(rng, 1, 7),
        }
        result = "The file has been updated. Here's the result of running `cat -n`:\n" + _code(
            rng, 40, 30
        )
    else:
        call = {"file_path": "/home/dev/project/notes.txt", "content": _prose(rng, 30)}
        result = "File created successfully at: /home/dev/project/notes.txt"
    assistant = {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": _prose(rng, 40 if big else 25), "signature": "c2ln" * 40},
            {"type": "text", "text": _prose(rng, 15)},
            {"type": "tool_use", "id": tool_id, "name": which, "input": call},
        ],
    }  # fmt: skip
    user = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": result}],
    }
    return [assistant, user]


def _close(messages: list[dict[str, Any]]) -> None:
    """Cache breakpoint on the last tool result and the per-request marker, as a new turn."""
    last = messages[-1]["content"]
    last[-1]["cache_control"] = {"type": "ephemeral"}
    last.append({"type": "text", "text": "Continue. " + MARKER.decode()})


def small_body(stream: bool = False) -> dict[str, Any]:
    """About 17 KB: system prompt, 12 tools, one tool_use/tool_result exchange."""
    rng = random.Random(17)
    body = _head(rng, stream)
    messages = _opening(rng) + _tool_turn(rng, 0, big=False)
    _close(messages)
    body["messages"] = messages
    return body


def large_body(stream: bool = False, target_kb: int = 400) -> dict[str, Any]:
    """About ``target_kb`` KB: the same head and a long conversation of tool turns."""
    rng = random.Random(400)
    body = _head(rng, stream)
    messages = _opening(rng)
    size = len(orjson.dumps(body)) + len(orjson.dumps(messages))
    number = 0
    while size < target_kb * 1024 - 2048:
        turn = _tool_turn(rng, number, big=True)
        size += len(orjson.dumps(turn))
        messages += turn
        number += 1
    _close(messages)
    body["messages"] = messages
    return body


def encode(body: dict[str, Any]) -> bytes:
    """The body as sent: ``messages`` last, so the patched marker sits near the end."""
    ordered = {k: v for k, v in body.items() if k != "messages"}
    ordered["messages"] = body["messages"]
    raw = orjson.dumps(ordered)
    assert raw.count(MARKER) == 1, "the marker must appear exactly once"
    return raw


CLAUDE_CODE_HEADERS: tuple[tuple[str, str], ...] = (
    ("accept", "application/json"),
    ("content-type", "application/json"),
    ("user-agent", "claude-cli/2.1.329 (external, sdk-cli)"),
    ("x-claude-code-session-id", SESSION_ID),
    ("x-stainless-lang", "js"),
    ("x-stainless-retry-count", "0"),
    ("x-stainless-timeout", "600"),
    ("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,"
                       "context-management-2025-06-27,effort-2025-11-24"),
    ("anthropic-dangerous-direct-browser-access", "true"),
    ("anthropic-version", "2023-06-01"),
    ("x-api-key", "bench-key"),
    ("x-app", "cli"),
)  # fmt: skip


def http_request(
    path: str, body: bytes, headers: tuple[tuple[str, str], ...], host: str = "127.0.0.1"
) -> bytes:
    """A complete HTTP/1.1 keep-alive POST, ready to write to a socket."""
    lines = [f"POST {path} HTTP/1.1", f"host: {host}", "connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in ("host", "content-length")]
    lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Variants:
    """A pre-encoded request whose marker gets a request number patched in: one new turn each."""

    def __init__(self, raw: bytes) -> None:
        self.template = bytearray(raw)
        self.offset = raw.rindex(MARKER) + 4  # the 8 digits after "REQ#"
        self.size = len(raw)

    def make(self, number: int) -> bytes:
        self.template[self.offset : self.offset + 8] = b"%08d" % (number % 100_000_000)
        return bytes(self.template)


if __name__ == "__main__":
    for name, body in (("small", small_body()), ("large", large_body())):
        raw = encode(body)
        print(f"{name}: {len(raw) / 1024:.1f} KB, {len(body['messages'])} messages, "
              f"{len(body['tools'])} tools")  # fmt: skip
