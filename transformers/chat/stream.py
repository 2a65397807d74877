"""OpenAI/OpenRouter chat-completion chunks in, Anthropic Messages stream events out.

An I/O-free state machine: ``feed(chunk)``, ``keepalive()``, ``finish()`` and ``fail(exc)`` each
return the events to send. ``_phase`` is the one state field; the data that a pending phase
holds lives in ``_held`` (whitespace not yet shown), ``_segment`` (reasoning details) and
``_call`` (the current tool call)::

    NEW ─▶ IDLE ─▶ TEXT_PENDING ─▶ TEXT ────────┐
             │ ─▶ REASONING ────▶ THINKING ─────┤ close ─▶ IDLE ─▶ …
             │ ─▶ TOOL_PENDING ─▶ TOOL ─────────┘
             └─ finish_reason ─▶ FINISHED ─ finish() ─▶ ENDED  (fail() ─▶ ENDED from anywhere)

*_PENDING/REASONING are "seen, but no block yet": text and thinking wait for a non-whitespace
character (Anthropic rejects blank blocks next turn), a tool call waits until its name is
complete. One block is open at a time; a chunk carrying several kinds is split in the order
reasoning -> text -> tool calls -> finish, and the delta that changes the kind opens the new block.
``message_delta`` waits for ``finish()`` because OpenRouter sends usage in a chunk after the
finish reason. Content first passes through ``_think`` (``think_tags``), which turns a leading
``<think>…</think>`` into reasoning; once that is decided (or a reasoning field, tool call or
finish arrives: those fields win) ``_think`` is None and text takes the hot path.
"""

from __future__ import annotations

import enum
from typing import Any

from ccrouter.errors import UpstreamError, error_event_data
from ccrouter.transformers.chat import reasoning_codec
from ccrouter.transformers.chat.blocks import (
    ANTHROPIC_FORMAT,
    ClosedCalls,
    ReasoningSegment,
    ToolCall,
    message_start,
    read_fragment,
)
from ccrouter.transformers.chat.think_tags import Segment, ThinkTagSplitter
from ccrouter.transformers.chat.tool_names import client_tool_id
from ccrouter.transformers.chat.vocab import (
    anthropic_usage,
    stop_reason,
    upstream_error_from_object,
)
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import Event


class StreamStateError(RuntimeError):
    """The translator was driven out of order (a bug in the caller or here), not an upstream fault."""


class _Phase(enum.Enum):
    NEW = "new"
    IDLE = "idle"
    TEXT_PENDING = "text_pending"
    TEXT = "text"
    REASONING = "reasoning"
    THINKING = "thinking"
    TOOL_PENDING = "tool_pending"
    TOOL = "tool"
    FINISHED = "finished"
    ENDED = "ended"


# Module-level aliases: the hot path compares phases per chunk.
_NEW = _Phase.NEW
_IDLE = _Phase.IDLE
_TEXT_PENDING = _Phase.TEXT_PENDING
_TEXT = _Phase.TEXT
_REASONING = _Phase.REASONING
_THINKING = _Phase.THINKING
_TOOL_PENDING = _Phase.TOOL_PENDING
_TOOL = _Phase.TOOL
_FINISHED = _Phase.FINISHED
_ENDED = _Phase.ENDED
# A block may open only from the phase that was waiting for it.
_OPENS_FROM = {_TEXT: _TEXT_PENDING, _THINKING: _REASONING, _TOOL: _TOOL_PENDING, _IDLE: _IDLE}
_DELTA = "content_block_delta"


class OpenAIStreamTranslator:
    __slots__ = (
        "_ctx",
        "_phase",
        "_index",
        "_held",
        "_segment",
        "_call",
        "_think",
        "_closed_calls",
        "_tool_ids",
        "_finish_reason",
        "_upstream_usage",
        "_chars",
        "generation_id",
    )

    def __init__(self, ctx: TranslationContext) -> None:
        self._ctx = ctx
        self._phase = _NEW
        self._index = -1  # index of the open (or last) block
        self._held = ""
        self._segment = ReasoningSegment()
        self._call: ToolCall | None = None
        # Reads a leading `<think>` section of the content; None once that section is decided.
        self._think: ThinkTagSplitter | None = ThinkTagSplitter()
        self._closed_calls = ClosedCalls()
        self._tool_ids: set[str] = set()
        self._finish_reason: str | None = None
        self._upstream_usage: dict[str, Any] | None = None
        self._chars = 0  # characters sent, for an output estimate when usage never comes
        self.generation_id: str | None = None

    # --- the contract -------------------------------------------------------------------

    @property
    def started_content(self) -> bool:
        return self._index >= 0

    @property
    def stop_reason(self) -> str | None:
        if self._finish_reason is None:
            return None
        return stop_reason(self._finish_reason, tool_used=bool(self._tool_ids))

    @property
    def usage(self) -> dict[str, Any]:
        return anthropic_usage(
            self._upstream_usage, self._ctx.input_estimate, max(1, (self._chars + 2) // 4)
        )

    @property
    def cost(self) -> float | None:
        cost = (self._upstream_usage or {}).get("cost")
        return float(cost) if isinstance(cost, int | float) else None

    def feed(self, chunk: dict[str, Any]) -> list[Event]:
        out: list[Event] = []
        phase = self._phase
        if phase is _NEW:
            out.append(self._message_start())
        elif phase is _ENDED:
            raise StreamStateError("feed() after the stream ended")
        if self.generation_id is None:
            self.generation_id = chunk.get("id")
        if phase is not _FINISHED:
            if chunk.get("error"):
                raise self._upstream_error(chunk["error"])
            choices = chunk.get("choices")
            if choices:
                choice = choices[0]
                delta = choice.get("delta")
                if delta:
                    self._delta(delta, out)
                if choice.get("finish_reason"):
                    self._finish(choice, out)
        usage = chunk.get("usage")
        if usage:
            self._upstream_usage = usage
        return out

    def keepalive(self) -> list[Event]:
        if self._phase is _ENDED:
            return []
        ping: Event = ("ping", {"type": "ping"})
        return [self._message_start(), ping] if self._phase is _NEW else [ping]

    def finish(self) -> list[Event]:
        if self._phase is _ENDED:
            raise StreamStateError("finish() after the stream ended")
        if self._phase is not _FINISHED:
            raise UpstreamError(
                "upstream stream ended before it finished", status=500, retryable=True
            )
        self._phase = _ENDED
        delta = {"stop_reason": self.stop_reason, "stop_sequence": None}
        return [
            ("message_delta", {"type": "message_delta", "delta": delta, "usage": self.usage}),
            ("message_stop", {"type": "message_stop"}),
        ]

    def fail(self, exc: BaseException) -> list[Event]:
        if self._phase is _ENDED:
            raise StreamStateError("fail() after the stream ended")
        self._phase = _ENDED
        return [("error", error_event_data(exc))]

    # --- deltas -------------------------------------------------------------------------

    def _delta(self, delta: dict[str, Any], out: list[Event]) -> None:
        content = delta.get("content")
        if (
            delta.get("reasoning_details")
            or delta.get("reasoning")
            or delta.get("reasoning_content")
            or delta.get("tool_calls")
        ):
            self._mixed(delta, content, out)
        elif content:
            if self._phase is _TEXT and content.__class__ is str:  # the hot path
                self._chars += len(content)
                body = {"type": "text_delta", "text": content}
                out.append((_DELTA, {"type": _DELTA, "index": self._index, "delta": body}))
            else:
                self._text(content, out)

    def _mixed(self, delta: dict[str, Any], content: Any, out: list[Event]) -> None:
        # OpenRouter sends the same text in `reasoning` and `reasoning_details`: use one of them.
        plain = delta.get("reasoning") or delta.get("reasoning_content")
        details = delta.get("reasoning_details")
        if plain or details:
            self._end_think(out)  # separate reasoning fields win: the content stays text
        if details and isinstance(details, list):
            if not self._reasoning_details(details, out) and isinstance(plain, str):
                self._reasoning(None, out)
                self._thinking(plain, out)
        elif isinstance(plain, str) and plain:
            self._reasoning(None, out)
            self._thinking(plain, out)
        if content:
            self._text(content, out)
        calls = delta.get("tool_calls")
        if calls:
            self._end_think(out)  # a tool call ends the content the section could lead
        for fragment in calls or ():
            if isinstance(fragment, dict):
                self._tool_fragment(fragment, out)

    def _text(self, content: Any, out: list[Event]) -> None:
        if not isinstance(content, str):  # a list of content parts (rare)
            content = "".join(p.get("text") or "" for p in content if isinstance(p, dict))
            if not content:
                return
        if self._think is not None:
            self._split(self._think.feed(content), out)
        else:
            self._plain(content, out)

    def _plain(self, content: str, out: list[Event]) -> None:
        self._chars += len(content)
        if self._phase is _TEXT:
            self._emit(out, {"type": "text_delta", "text": content})
            return
        if self._phase is not _TEXT_PENDING:
            self._close(out)
            self._phase = _TEXT_PENDING
        held = self._held + content
        if held.isspace():
            self._held = held
            return
        self._held = ""
        self._open(out, {"type": "text", "text": ""}, _TEXT)
        self._emit(out, {"type": "text_delta", "text": held})

    def _split(self, segments: list[Segment], out: list[Event]) -> None:
        for kind, piece in segments:
            if kind == "text":
                self._plain(piece, out)
            else:
                self._reasoning(None, out)
                self._thinking(piece, out)
        if self._think is not None and self._think.done:
            self._think = None  # decided: later content is plain text, on the hot path

    def _end_think(self, out: list[Event]) -> None:
        if self._think is not None:
            self._split(self._think.finish(), out)

    def _reasoning_details(self, items: list[Any], out: list[Event]) -> bool:
        """Handle ``reasoning_details``; False when none of them carried reasoning text."""
        had_text = False
        for item in items:
            if not isinstance(item, dict):
                continue
            kind = item.get("type")
            if kind == "reasoning.encrypted" and item.get("format") == ANTHROPIC_FORMAT:
                self._close(out)
                if item.get("data"):
                    self._open(out, {"type": "redacted_thinking", "data": item["data"]}, _IDLE)
                    self._stop(out)
                continue
            segment = self._reasoning(item, out)
            segment.add(item)
            if kind == "reasoning.text" or kind == "reasoning.summary":
                had_text = True
                piece = item.get("text" if kind == "reasoning.text" else "summary")
                if isinstance(piece, str) and piece:
                    self._thinking(piece, out)
        return had_text

    def _reasoning(self, item: dict[str, Any] | None, out: list[Event]) -> ReasoningSegment:
        """The reasoning segment this item belongs to, closing other blocks first."""
        phase = self._phase
        if phase is _THINKING or phase is _REASONING:
            if item is None or not self._segment.starts_new_block(item):
                return self._segment
        self._close(out)
        self._segment = ReasoningSegment()
        self._phase = _REASONING
        return self._segment

    def _thinking(self, piece: str, out: list[Event]) -> None:
        self._chars += len(piece)
        if self._phase is _THINKING:
            self._emit(out, {"type": "thinking_delta", "thinking": piece})
            return
        held = self._held + piece
        if held.isspace():
            self._held = held
            return
        self._held = ""
        self._open(out, {"type": "thinking", "thinking": "", "signature": ""}, _THINKING)
        self._emit(out, {"type": "thinking_delta", "thinking": held})

    def _tool_fragment(self, fragment: dict[str, Any], out: list[Event]) -> None:
        index, upstream_id, name, args = read_fragment(fragment)
        call = self._call if self._phase in (_TOOL, _TOOL_PENDING) else None
        if call is None or not call.continues(index, upstream_id, name):
            if self._closed_calls.has(index, upstream_id, name):
                if args.strip():
                    raise UpstreamError(
                        "upstream interleaved the arguments of parallel tool calls",
                        status=500,
                        retryable=True,
                    )
                return
            self._close(out)
            call = self._call = ToolCall(index, upstream_id)
            self._phase = _TOOL_PENDING
        elif upstream_id is not None and not call.started:
            call.upstream_id = upstream_id  # the id came after the first fragment
        if self._phase is _TOOL_PENDING:
            if name:
                call.add_name(name)
            if args:
                call.held.append(args)
            if call.name and call.held:
                self._start_tool(call, out)
        elif args:
            self._send_args(call.args.feed(args), out)

    def _start_tool(self, call: ToolCall, out: list[Event]) -> None:
        if not call.name:
            raise UpstreamError(
                "upstream sent a tool call without a name", status=500, retryable=True
            )
        tool_id = client_tool_id(call.upstream_id)
        if tool_id in self._tool_ids:  # ids must be unique within a message
            tool_id = client_tool_id(None)
        self._tool_ids.add(tool_id)
        name = self._ctx.client_tool_name(call.name)
        self._open(out, {"type": "tool_use", "id": tool_id, "name": name, "input": {}}, _TOOL)
        call.started = True
        held, call.held = "".join(call.held), []
        if held:
            self._send_args(call.args.feed(held), out)

    def _send_args(self, text: str, out: list[Event]) -> None:
        if text:
            self._chars += len(text)
            self._emit(out, {"type": "input_json_delta", "partial_json": text})

    def _finish(self, choice: dict[str, Any], out: list[Event]) -> None:
        reason = choice["finish_reason"]
        if reason == "error":
            error = choice.get("error")
            raise self._upstream_error(error if isinstance(error, dict) else {})
        self._end_think(out)
        self._close(out)
        self._finish_reason = str(reason)
        self._phase = _FINISHED

    # --- blocks -------------------------------------------------------------------------

    def _open(self, out: list[Event], block: dict[str, Any], phase: _Phase) -> None:
        if self._phase is not _OPENS_FROM[phase]:
            raise StreamStateError(f"cannot open a {block['type']} block from {self._phase}")
        self._index += 1
        self._phase = phase
        start = {"type": "content_block_start", "index": self._index, "content_block": block}
        out.append(("content_block_start", start))

    def _emit(self, out: list[Event], delta: dict[str, Any]) -> None:
        out.append((_DELTA, {"type": _DELTA, "index": self._index, "delta": delta}))

    def _stop(self, out: list[Event]) -> None:
        out.append(("content_block_stop", {"type": "content_block_stop", "index": self._index}))
        self._phase = _IDLE

    def _close(self, out: list[Event]) -> None:
        """Finish whatever is open or pending; afterwards the phase is IDLE."""
        phase = self._phase
        self._held = ""
        if phase is _TEXT:
            self._stop(out)
        elif phase is _THINKING:
            segment = self._segment
            signature = reasoning_codec.seal(
                segment.details(), segment.anthropic_signature(), *self._producer()
            )
            self._emit(out, {"type": "signature_delta", "signature": signature})
            self._stop(out)
        elif phase is _TOOL or phase is _TOOL_PENDING:
            call = self._call
            assert call is not None
            if phase is _TOOL_PENDING:
                if not call.name and not call.held:
                    self._phase = _IDLE  # a stray empty fragment, not a call
                    return
                self._start_tool(call, out)
            self._send_args(call.args.finish(), out)
            self._closed_calls.add(call)
            self._stop(out)
        elif phase is _REASONING:
            self._phase = _IDLE
            if self._segment:  # kept details but no text to show: keep them for the replay
                data = reasoning_codec.pack(self._segment.details(), *self._producer())
                self._open(out, {"type": "redacted_thinking", "data": data}, _IDLE)
                self._stop(out)
        elif phase is _TEXT_PENDING:
            self._phase = _IDLE
        elif phase is not _IDLE:
            raise StreamStateError(f"cannot close a block in phase {phase}")

    # --- helpers ------------------------------------------------------------------------

    def _producer(self) -> tuple[str, str]:
        """(family, producer) for a reasoning envelope: who may get the block back."""
        ctx = self._ctx
        return ctx.family, reasoning_codec.producer_of(ctx.provider, ctx.upstream_model)

    def _message_start(self) -> Event:
        self._phase = _IDLE
        return message_start(self._ctx)

    def _upstream_error(self, error: Any) -> UpstreamError:
        if not isinstance(error, dict):
            error = {"message": str(error)}
        if not error.get("message"):
            error = {**error, "message": "the provider failed mid-stream"}
        return upstream_error_from_object(error, None, provider=self._ctx.provider or "openrouter")
