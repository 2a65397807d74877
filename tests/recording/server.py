"""A tiny Anthropic-compatible HTTP server on 127.0.0.1 that records every request it gets.

Claude Code talks to it as it would to ``api.anthropic.com``: ``POST /v1/messages`` gets a short
valid answer (an SSE stream when ``stream`` is true, JSON otherwise), ``count_tokens`` a count,
``GET /v1/models`` a model list. A case may script one ``tool_use`` turn: the first request of the
conversation gets the tool call, the request carrying its ``tool_result`` gets the closing text.

Every request is kept as ``{method, path, query, headers, body}`` (``headers`` as ``[name, value]``
pairs in arrival order; ``body`` only when there is one), the shape the tests parametrize over.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Recording = dict[str, Any]
MODELS_PAGE = {
    "data": [
        {
            "type": "model",
            "id": "claude-via-gateway",
            "display_name": "Claude via gateway",
            "created_at": "2026-01-01T00:00:00Z",
        },
        {
            "type": "model",
            "id": "anthropic/gw-model-b",
            "display_name": "Gateway model B",
            "created_at": "2026-01-01T00:00:00Z",
        },
    ],
    "has_more": False,
    "first_id": "claude-via-gateway",
    "last_id": "anthropic/gw-model-b",
}


@dataclass(frozen=True)
class ToolTurn:
    """The tool call answered to the first request of a conversation."""

    name: str
    input: dict[str, Any]


@dataclass
class Script:
    """What one case's server answers."""

    tool: ToolTurn | None = None
    text: str = "hi"


def _has_tool_result(body: dict[str, Any]) -> bool:
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    content = last.get("content") if isinstance(last, dict) else None
    return isinstance(content, list) and any(
        isinstance(block, dict) and block.get("type") == "tool_result" for block in content
    )


def answer_blocks(script: Script, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """(content blocks, stop_reason) for one Messages request."""
    tool = script.tool
    if tool is not None and body.get("tools") and not _has_tool_result(body):
        thinking = {"type": "thinking", "thinking": "Use the tool.", "signature": "c2lnbmF0dXJl"}
        call = {
            "type": "tool_use",
            "id": f"toolu_{uuid.uuid4().hex[:24]}",
            "name": tool.name,
            "input": tool.input,
        }
        return [thinking, {"type": "text", "text": "On it."}, call], "tool_use"
    output = body.get("output_config")
    if isinstance(output, dict) and isinstance(output.get("format"), dict):  # e.g. /rename
        return [{"type": "text", "text": json.dumps({"name": "say-hi"})}], "end_turn"
    return [{"type": "text", "text": script.text}], "end_turn"


def message(body: dict[str, Any], blocks: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "unknown"),
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


def _delta(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    match block["type"]:
        case "text":
            yield {"type": "text_delta", "text": block["text"]}
        case "thinking":
            yield {"type": "thinking_delta", "thinking": block["thinking"]}
            yield {"type": "signature_delta", "signature": block["signature"]}
        case "tool_use":
            yield {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}


def _opening(block: dict[str, Any]) -> dict[str, Any]:
    match block["type"]:
        case "text":
            return {"type": "text", "text": ""}
        case "thinking":
            return {"type": "thinking", "thinking": "", "signature": ""}
        case _:
            return {**block, "input": {}}


def sse_events(full: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The Anthropic stream that delivers ``full`` (a complete message)."""
    start = {**full, "content": [], "stop_reason": None, "usage": {**full["usage"]}}
    start["usage"]["output_tokens"] = 1
    yield "message_start", {"type": "message_start", "message": start}
    for index, block in enumerate(full["content"]):
        opening = {"type": "content_block_start", "index": index, "content_block": _opening(block)}
        yield "content_block_start", opening
        for delta in _delta(block):
            yield (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    delta = {"stop_reason": full["stop_reason"], "stop_sequence": None}
    usage = {"output_tokens": full["usage"]["output_tokens"]}
    yield "message_delta", {"type": "message_delta", "delta": delta, "usage": usage}
    yield "message_stop", {"type": "message_stop"}


def encode_sse(events: Iterator[tuple[str, dict[str, Any]]]) -> bytes:
    return b"".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events
    )


@dataclass
class RecordingServer:
    """A ``ThreadingHTTPServer`` on a free 127.0.0.1 port; ``close()`` stops it."""

    script: Script = field(default_factory=Script)
    requests: list[Recording] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def record(self, recording: Recording) -> None:
        with self._lock:
            self.requests.append(recording)

    def respond(self, method: str, path: str, body: Any) -> tuple[int, str, bytes]:
        """(status, content type, payload) for one request."""
        if method == "GET" and path == "/v1/models":
            return 200, "application/json", json.dumps(MODELS_PAGE).encode()
        if method == "POST" and path == "/v1/messages/count_tokens":
            size = len(json.dumps(body)) if body is not None else 0
            return 200, "application/json", json.dumps({"input_tokens": 1 + size // 4}).encode()
        if method == "POST" and path == "/v1/messages" and isinstance(body, dict):
            full = message(body, *answer_blocks(self.script, body))
            if body.get("stream"):
                return 200, "text/event-stream", encode_sse(sse_events(full))
            return 200, "application/json", json.dumps(full).encode()
        if method == "HEAD":
            return 200, "text/plain", b""
        error = {"type": "error", "error": {"type": "not_found_error", "message": path}}
        return 404, "application/json", json.dumps(error).encode()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _handler_for(server: RecordingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            recording: Recording = {
                "method": self.command,
                "path": parts.path,
                "query": dict(parse_qsl(parts.query)),
                "headers": [[name, value] for name, value in self.headers.items()],
            }
            if raw:
                recording["body"] = body
            server.record(recording)
            status, kind, payload = server.respond(self.command, parts.path, body)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("request-id", f"req_{uuid.uuid4().hex[:24]}")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_HEAD = _handle

    return Handler
