"""Tool loops in one ``claude -p`` run: the CLI executes the fake model's tool call, and the
next upstream request carries the call, its result and (when there was some) the reasoning."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    MODEL_A,
    MODEL_CLAUDE,
    MODEL_VISION,
    Claude,
    FakeOpenRouter,
    Router,
)

pytestmark = pytest.mark.e2e

FINAL_TEXT = "Done: the file is written."


def tool_calls(*calls: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "tool_calls", "calls": list(calls), **extra}


def text(answer: str) -> dict[str, Any]:
    return {"type": "text", "text": answer}


def tool_exchange(body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The last assistant message with ``tool_calls`` and every message after it."""
    messages = body["messages"]
    for index in range(len(messages) - 1, -1, -1):
        if messages[index]["role"] == "assistant" and messages[index].get("tool_calls"):
            return messages[index], messages[index + 1 :]
    raise AssertionError(f"no assistant tool_calls message in {json.dumps(messages)[:2000]}")


def test_write_tool_round_trip(
    claude: Claude, router: Router, fake_openrouter: FakeOpenRouter
) -> None:
    target = claude.workdir / "hello.txt"
    arguments = {"file_path": str(target), "content": "hi from the fake model\n"}
    fake_openrouter.script(
        None, tool_calls({"name": "Write", "arguments": arguments, "id": "call_e2e_write_1"})
    )
    fake_openrouter.rule("tool_result", text(FINAL_TEXT))

    result = claude.run(router.url, "-p", "create hello.txt", "--dangerously-skip-permissions")

    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == FINAL_TEXT, result.describe()
    assert target.read_text() == "hi from the fake model\n"

    first, second = fake_openrouter.chat_requests()
    assert not any(m["role"] == "tool" for m in first["body"]["messages"])
    assistant, after = tool_exchange(second["body"])
    [call] = assistant["tool_calls"]
    assert call["type"] == "function"
    assert call["function"]["name"] == "Write"
    assert json.loads(call["function"]["arguments"]) == arguments
    assert after[0]["role"] == "tool", json.dumps(after)[:2000]
    assert after[0]["tool_call_id"] == call["id"] == "call_e2e_write_1"
    assert "hello.txt" in json.dumps(after[0]["content"])


REASONING = "The user wants a file, so I call Write first."


@pytest.mark.parametrize(
    ("model", "signature"),
    [
        pytest.param(MODEL_A, None, id="unsigned-reasoning"),
        # Claude via OpenRouter signs its reasoning; a replay without the signature is a 400.
        pytest.param(MODEL_CLAUDE, "EqQBCkYIBhgCKkDe2e-signature", id="claude-signed-reasoning"),
    ],
)
def test_reasoning_is_replayed_on_the_next_request(
    claude: Claude,
    start_router: Any,
    fake_openrouter: FakeOpenRouter,
    model: str,
    signature: str | None,
) -> None:
    router: Router = start_router({"default": f"openrouter,{model}"})
    target = claude.workdir / "notes.txt"
    reasoning: dict[str, Any] = {"reasoning": REASONING}
    if signature is not None:
        reasoning["reasoning_signature"] = signature
    call = {"name": "Write", "arguments": {"file_path": str(target), "content": "notes\n"}}
    fake_openrouter.script(model, tool_calls(call, **reasoning))
    fake_openrouter.rule("tool_result", text(FINAL_TEXT))

    result = claude.run(router.url, "-p", "write notes.txt", "--dangerously-skip-permissions")

    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == FINAL_TEXT, result.describe()
    assert "400" not in result.stdout + result.stderr, result.describe()

    assert fake_openrouter.models() == [model, model]
    assistant, _ = tool_exchange(fake_openrouter.chat_requests()[1]["body"])
    details = assistant.get("reasoning_details")
    assert details, f"the reasoning was not replayed: {json.dumps(assistant)}"
    replayed = "".join(d.get("text", "") for d in details if d.get("type") == "reasoning.text")
    assert replayed == REASONING
    if signature is not None:
        assert [d.get("signature") for d in details if d.get("signature")] == [signature]


def tiny_png() -> bytes:
    """A valid 1x1 red RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8 bits, truecolour
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter 0, then R G B
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_image_read_goes_to_the_image_route(
    claude: Claude, router: Router, fake_openrouter: FakeOpenRouter
) -> None:
    image: Path = claude.workdir / "pixel.png"
    image.write_bytes(tiny_png())
    fake_openrouter.script(
        MODEL_A, tool_calls({"name": "Read", "arguments": {"file_path": str(image)}})
    )
    fake_openrouter.rule("tool_result", text("It is a single red pixel."))

    # --allowedTools is variadic: the prompt must come before it.
    result = claude.run(router.url, "-p", "describe pixel.png", "--allowedTools", "Read")

    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == "It is a single red pixel.", result.describe()

    assert fake_openrouter.models() == [MODEL_A, MODEL_VISION]
    _, after = tool_exchange(fake_openrouter.chat_requests()[1]["body"])
    assert after[0]["role"] == "tool"
    images = [
        part["image_url"]["url"]
        for message in after[1:]
        if message["role"] == "user" and isinstance(message["content"], list)
        for part in message["content"]
        if part.get("type") == "image_url"
    ]
    assert len(images) == 1, json.dumps(after)[:2000]
    prefix = "data:image/png;base64,"
    assert images[0].startswith(prefix)
    assert base64.b64decode(images[0][len(prefix) :]).startswith(b"\x89PNG")

    routes = [(d["route"], d["target"]) for d in router.decisions()]
    assert routes == [("default", f"openrouter,{MODEL_A}"), ("image", f"openrouter,{MODEL_VISION}")]
