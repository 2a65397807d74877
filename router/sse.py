"""Server-sent events: an I/O-free decoder fed bytes split anywhere, and its exact inverse.

The decoder follows the WHATWG rules that matter here: a blank line ends an event, a line starting
with ``:`` is a comment (kept, so OpenRouter's keep-alives can become ``ping``), ``data`` lines of
one event are joined with ``\\n``, and CR, LF and CRLF all end a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(slots=True)
class ServerSentEvent:
    event: str | None = None
    data: str = ""
    comment: str | None = None  # set for a comment line, which is reported on its own

    def json(self) -> Any:
        return orjson.loads(self.data)


class SSEDecoder:
    """``feed(bytes) -> events`` as complete events arrive; ``flush()`` at end of stream."""

    __slots__ = ("_buffer", "_event", "_data", "_has_data", "_pending_cr")

    def __init__(self) -> None:
        self._buffer = b""
        self._event: str | None = None
        self._data: list[str] = []
        self._has_data = False
        self._pending_cr = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across two chunks
        self._pending_cr = False
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            if buffer.endswith(b"\r"):
                self._pending_cr = True
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop()
        events: list[ServerSentEvent] = []
        for raw in lines:
            event = self._line(raw.decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: a last event without its blank line still counts."""
        events: list[ServerSentEvent] = []
        if self._buffer:
            event = self._line(self._buffer.decode("utf-8", "replace"))
            self._buffer = b""
            if event is not None:
                events.append(event)
        event = self._line("")
        if event is not None:
            events.append(event)
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            if not self._has_data and self._event is None:
                return None
            event = ServerSentEvent(self._event, "\n".join(self._data))
            self._event, self._data, self._has_data = None, [], False
            return event
        if line[0] == ":":
            return ServerSentEvent(comment=line[1:].lstrip(" "))
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
            self._has_data = True
        elif name == "event":
            self._event = value
        # id and retry are not used by either protocol here
        return None


class DataDecoder:
    """The hot-path decoder for OpenAI-style streams: ``feed(bytes) -> [payload | None]``.

    Yields each event's data as bytes (ready for ``orjson.loads``) and ``None`` for a comment
    (a keep-alive); events without data are dropped. OpenRouter's events are single
    ``data: {…}`` lines, split here without decoding to ``str``; anything else — CR line
    endings, several lines in one event, ``event:`` fields — goes through ``SSEDecoder``'s
    spec logic, so the result is the same for every input.
    """

    __slots__ = ("_buffer", "_slow")

    def __init__(self) -> None:
        self._buffer = b""
        self._slow: SSEDecoder | None = None

    def feed(self, chunk: bytes) -> list[bytes | None]:
        if self._slow is None and b"\r" in chunk:
            self._slow = SSEDecoder()  # CR line endings: the general decoder from here on
            chunk, self._buffer = self._buffer + chunk, b""
        if self._slow is not None:
            return [_payload(e) for e in self._slow.feed(chunk) if e.comment is not None or e.data]
        buffer = self._buffer + chunk if self._buffer else chunk
        blocks = buffer.split(b"\n\n")
        self._buffer = blocks.pop()
        out: list[bytes | None] = []
        for block in blocks:
            if block.startswith(b"data: ") and b"\n" not in block:
                if len(block) > 6:  # an empty data line carries nothing (as in SSEDecoder)
                    out.append(block[6:])
            elif block.startswith(b":") and b"\n" not in block:
                out.append(None)
            elif block:
                out += self._block(block)
        return out

    def flush(self) -> list[bytes | None]:
        if self._slow is not None:
            return [_payload(e) for e in self._slow.flush() if e.comment is not None or e.data]
        rest, self._buffer = self._buffer, b""
        return self._block(rest) if rest.strip() else []

    @staticmethod
    def _block(block: bytes) -> list[bytes | None]:
        decoder = SSEDecoder()
        events = decoder.feed(block + b"\n\n") + decoder.flush()
        return [_payload(e) for e in events if e.comment is not None or e.data]


def _payload(event: ServerSentEvent) -> bytes | None:
    return None if event.comment is not None else event.data.encode()


_PREFIXES: dict[str, bytes] = {}


def encode_event(event: str, data: dict[str, Any]) -> bytes:
    """One Anthropic SSE event: ``event:`` line, ``data:`` line, blank line."""
    prefix = _PREFIXES.get(event)
    if prefix is None:
        prefix = _PREFIXES[event] = b"event: " + event.encode() + b"\ndata: "
    return prefix + orjson.dumps(data) + b"\n\n"


def encode_events(events: list[tuple[str, dict[str, Any]]]) -> bytes:
    return b"".join([encode_event(name, data) for name, data in events])


def encode_data(data: dict[str, Any] | str) -> bytes:
    """An OpenAI-style ``data:`` only event (used by the fake upstream)."""
    payload = data.encode() if isinstance(data, str) else orjson.dumps(data)
    return b"data: " + payload + b"\n\n"
