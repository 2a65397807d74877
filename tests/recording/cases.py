"""The Claude Code runs the suite records, each named like the scenario it reproduces.

Every case is a print-mode (``-p``) run; what used to need the interactive UI goes through
``--input-format stream-json`` (several turns in one run: ``/model X`` then a prompt, a prompt then
``/rename``). ``sends`` lists, in order, the requests the case must produce, so tests can
parametrize over ``"case/NNN"`` names at collection time, before anything is recorded.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tests.recording.server import Script, ToolTurn

Kind = Literal["messages", "count_tokens", "models"]
ENDPOINTS: dict[Kind, tuple[str, str]] = {
    "messages": ("POST", "/v1/messages"),
    "count_tokens": ("POST", "/v1/messages/count_tokens"),
    "models": ("GET", "/v1/models"),
}
CONTEXT_SECTIONS = 25  # count_tokens calls `/context` makes in 2.1.329 with a fresh HOME
COUNT_TOKENS: Kind = "count_tokens"
CONTEXT_SENDS: tuple[Kind, ...] = (COUNT_TOKENS,) * CONTEXT_SECTIONS
SAY_HI = ("-p", "say hi")
STREAM_JSON = ("-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose")


def user_turn(text: str) -> str:
    """One ``--input-format stream-json`` line."""
    return json.dumps({"type": "user", "message": {"role": "user", "content": text}}) + "\n"


def tiny_png() -> bytes:
    """A valid 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _no_tool(_workdir: Path) -> Script:
    return Script()


def _write(workdir: Path) -> Script:
    return Script(ToolTurn("Write", {"file_path": str(workdir / "hello.txt"), "content": "hi\n"}))


def _bash(_workdir: Path) -> Script:
    return Script(ToolTurn("Bash", {"command": "echo hi > hello.txt", "description": "Write it"}))


def _read_image(workdir: Path) -> Script:
    (workdir / "pixel.png").write_bytes(tiny_png())
    return Script(ToolTurn("Read", {"file_path": str(workdir / "pixel.png")}))


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    sends: tuple[Kind, ...] = ("messages",)
    env: dict[str, str] = field(default_factory=dict)
    stdin: str = ""  # stream-json turns
    script: Callable[[Path], Script] = _no_tool  # sets up the workdir, says what to answer


CASES: tuple[Case, ...] = (
    Case("a_print", SAY_HI),
    Case("a_print_no_attribution_header", SAY_HI, env={"CLAUDE_CODE_ATTRIBUTION_HEADER": "0"}),
    Case("b_print_json", ("-p", "--output-format", "json", "say hi")),
    Case(
        "c_tool_bash",
        ("-p", "create a file hello.txt containing hi using the shell", "--allowedTools", "Bash"),
        ("messages", "messages"),
        script=_bash,
    ),
    Case(
        "c_tool_write",
        ("-p", "create a file hello.txt containing hi"),
        ("messages", "messages"),
        script=_write,
    ),
    Case(
        "c_tool_read_image",
        ("-p", "describe pixel.png", "--allowedTools", "Read"),
        ("messages", "messages"),
        script=_read_image,
    ),
    Case("d_model_haiku", ("--model", "haiku", *SAY_HI)),
    Case("d_model_sonnet", ("--model", "sonnet", *SAY_HI)),
    Case("d_model_openrouter_comma", ("--model", "openrouter,deepseek/deepseek-chat", *SAY_HI)),
    Case("d_model_slash_name", ("--model", "deepseek/deepseek-chat", *SAY_HI)),
    Case("e_think_disabled", SAY_HI, env={"CLAUDE_CODE_DISABLE_THINKING": "1"}),
    Case("e_think_effort_max", ("--effort", "max", *SAY_HI)),
    Case(
        "e_think_haiku_budget",
        ("--model", "claude-haiku-4-5-20251001", "-p", "think hard, then say hi"),
        env={"MAX_THINKING_TOKENS": "8000"},
    ),
    Case("f_context_count_tokens", ("-p", "/context"), CONTEXT_SENDS),
    Case(
        "f_gateway_model_discovery",
        SAY_HI,
        ("models", "messages"),
        env={"CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY": "1"},
    ),
    # A background job (/rename) on the haiku override: the second request names gw-haiku.
    Case(
        "f_rename_haiku_env",
        STREAM_JSON,
        ("messages", "messages"),
        env={"ANTHROPIC_DEFAULT_HAIKU_MODEL": "gw-haiku"},
        stdin=user_turn("say hi") + user_turn("/rename"),
    ),
    # `/model provider,model`: the non-streaming validation probe, then the turn on that model.
    Case(
        "g_model_slash",
        STREAM_JSON,
        ("messages", "messages"),
        stdin=user_turn("/model openrouter,deepseek/deepseek-chat") + user_turn("say hi"),
    ),
)
CASE_NAMES: tuple[str, ...] = tuple(case.name for case in CASES)


def request_names(kind: Kind | None = None) -> list[str]:
    """``"case/NNN"`` for every request the cases send (of ``kind``), in recording order."""
    return [
        f"{case.name}/{number:03d}"
        for case in CASES
        for number, sent in enumerate(case.sends, start=1)
        if kind is None or sent == kind
    ]


MESSAGE_NAMES: tuple[str, ...] = tuple(request_names("messages"))
