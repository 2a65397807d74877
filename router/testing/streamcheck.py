"""The one validator every Anthropic stream ccrouter emits must pass.

Checks event order, block discipline (one open block at a time, indices from 0 with no gaps, each
delta inside its own block and of the block's kind), tool input that parses to a JSON object,
exactly one ``message_delta`` followed by ``message_stop`` at the end, or an ``error`` event
that ends the stream. Raises ``StreamViolation`` naming the event number and the rule.
"""

from __future__ import annotations

from typing import Any

import orjson

from ccrouter.sse import SSEDecoder
from ccrouter.types import Event

_DELTAS_BY_BLOCK: dict[str, frozenset[str]] = {
    "text": frozenset({"text_delta", "citations_delta"}),
    "thinking": frozenset({"thinking_delta", "signature_delta"}),
    "redacted_thinking": frozenset(),
    "tool_use": frozenset({"input_json_delta"}),
    "server_tool_use": frozenset({"input_json_delta"}),
    "web_search_tool_result": frozenset(),
}
_STOP_REASONS = frozenset(
    {
        "end_turn",
        "max_tokens",
        "stop_sequence",
        "tool_use",
        "pause_turn",
        "refusal",
        "model_context_window_exceeded",
    }
)


class StreamViolation(AssertionError):
    pass


def parse_sse_bytes(raw: bytes) -> list[Event]:
    """Anthropic SSE bytes -> events; each must have an ``event:`` name and JSON data."""
    decoder = SSEDecoder()
    out: list[Event] = []
    for sse in decoder.feed(raw) + decoder.flush():
        if sse.comment is not None:
            continue
        if sse.event is None:
            raise StreamViolation(f"event without an 'event:' line: {sse.data[:80]!r}")
        if sse.data == "[DONE]":
            raise StreamViolation("[DONE] must never reach an Anthropic client")
        out.append((sse.event, orjson.loads(sse.data)))
    return out


def assert_valid_anthropic_stream(events: list[Event] | bytes) -> list[Event]:
    """Validate and return the events (parsed first when given bytes)."""
    if isinstance(events, bytes | bytearray):
        events = parse_sse_bytes(bytes(events))
    _Checker().run(events)
    return events


class _Checker:
    def __init__(self) -> None:
        self.started = False
        self.next_index = 0
        self.open: tuple[int, str] | None = None
        self.block_text: list[str] = []
        self.signatures = 0
        self.tool_blocks = 0
        self.delta_seen = False
        self.stopped = False

    def fail(self, n: int, rule: str) -> None:
        raise StreamViolation(f"event #{n}: {rule}")

    def run(self, events: list[Event]) -> None:
        if not events:
            raise StreamViolation("empty stream")
        for n, (name, data) in enumerate(events):
            if self.stopped:
                self.fail(n, f"{name!r} after the stream ended")
            if data.get("type") != name:
                self.fail(n, f"event name {name!r} differs from data.type {data.get('type')!r}")
            handler = getattr(self, "on_" + name, None)
            if handler is None:
                self.fail(n, f"unknown event type {name!r}")
            elif name != "message_start" and name != "error" and not self.started:
                self.fail(n, f"{name!r} before message_start")
            else:
                handler(n, data)
        if not self.stopped:
            raise StreamViolation("stream ended without message_stop or error")

    def on_message_start(self, n: int, data: dict[str, Any]) -> None:
        if self.started:
            self.fail(n, "second message_start")
        self.started = True
        message = data.get("message") or {}
        if message.get("type") != "message" or message.get("role") != "assistant":
            self.fail(n, "message_start.message must be an assistant message")
        if message.get("content") != []:
            self.fail(n, "message_start.message.content must be []")
        usage = message.get("usage") or {}
        if not isinstance(usage.get("input_tokens"), int):
            self.fail(n, "message_start usage.input_tokens missing")

    def on_ping(self, n: int, data: dict[str, Any]) -> None:
        pass

    def on_content_block_start(self, n: int, data: dict[str, Any]) -> None:
        if self.delta_seen:
            self.fail(n, "content block after message_delta")
        if self.open is not None:
            self.fail(n, f"block {self.next_index} started while block {self.open[0]} is open")
        if data.get("index") != self.next_index:
            self.fail(n, f"block index {data.get('index')} where {self.next_index} was due")
        block = data.get("content_block") or {}
        kind = block.get("type")
        if kind not in _DELTAS_BY_BLOCK:
            self.fail(n, f"unknown content block type {kind!r}")
        if kind in ("tool_use", "server_tool_use"):
            if not block.get("id") or not block.get("name"):
                self.fail(n, "tool_use block without id or name")
            if block.get("input") != {}:
                self.fail(n, "tool_use block must start with input {}")
            self.tool_blocks += 1
        if kind == "text" and block.get("text") != "":
            self.fail(n, "text block must start empty")
        self.open = (self.next_index, str(kind))
        self.block_text = []
        self.signatures = 0

    def on_content_block_delta(self, n: int, data: dict[str, Any]) -> None:
        if self.open is None or data.get("index") != self.open[0]:
            self.fail(n, f"delta for block {data.get('index')} which is not open")
            return
        delta = data.get("delta") or {}
        dtype = delta.get("type")
        if dtype not in _DELTAS_BY_BLOCK[self.open[1]]:
            self.fail(n, f"{dtype!r} inside a {self.open[1]!r} block")
        if dtype == "text_delta":
            self.block_text.append(delta.get("text", ""))
        elif dtype == "thinking_delta":
            if self.signatures:
                self.fail(n, "thinking_delta after signature_delta")
            self.block_text.append(delta.get("thinking", ""))
        elif dtype == "signature_delta":
            self.signatures += 1
            if not delta.get("signature"):
                self.fail(n, "empty signature")
        elif dtype == "input_json_delta":
            if not isinstance(delta.get("partial_json"), str):
                self.fail(n, "input_json_delta without partial_json")
            self.block_text.append(delta["partial_json"])

    def on_content_block_stop(self, n: int, data: dict[str, Any]) -> None:
        if self.open is None or data.get("index") != self.open[0]:
            self.fail(n, f"stop for block {data.get('index')} which is not open")
            return
        kind, text = self.open[1], "".join(self.block_text)
        if kind == "text" and not text:
            self.fail(n, "empty text block")
        if kind == "thinking":
            if not text.strip():
                self.fail(n, "whitespace-only thinking block")
            if self.signatures != 1:
                self.fail(n, f"thinking block with {self.signatures} signature_delta (needs 1)")
        if kind in ("tool_use", "server_tool_use") and text:
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError:
                self.fail(n, f"tool input is not JSON: {text[:80]!r}")
            else:
                if not isinstance(value, dict):
                    self.fail(n, "tool input is not a JSON object")
        self.open = None
        self.next_index += 1

    def on_message_delta(self, n: int, data: dict[str, Any]) -> None:
        if self.delta_seen:
            self.fail(n, "second message_delta")
        if self.open is not None:
            self.fail(n, f"message_delta while block {self.open[0]} is open")
        self.delta_seen = True
        stop = (data.get("delta") or {}).get("stop_reason")
        if stop not in _STOP_REASONS:
            self.fail(n, f"invalid stop_reason {stop!r}")
        if self.tool_blocks and stop not in ("tool_use", "max_tokens"):
            self.fail(n, f"tool_use blocks emitted but stop_reason is {stop!r}")
        if not isinstance((data.get("usage") or {}).get("output_tokens"), int):
            self.fail(n, "message_delta usage.output_tokens missing")

    def on_message_stop(self, n: int, data: dict[str, Any]) -> None:
        if not self.delta_seen:
            self.fail(n, "message_stop without message_delta")
        self.stopped = True

    def on_error(self, n: int, data: dict[str, Any]) -> None:
        error = data.get("error") or {}
        if not error.get("type") or not isinstance(error.get("message"), str):
            self.fail(n, "error event without error.type and error.message")
        self.stopped = True
