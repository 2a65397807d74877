"""``tooluse``: "tool mode" for models that answer in prose when they should call a tool.

Request (only when the request offers tools and does not say ``tool_choice: "none"``): a system
reminder appended after the conversation, ``tool_choice: "required"`` (a choice naming one
function is kept), and a synthetic ``ExitTool({"response": string})`` function prepended to the
tools: the model calls it when it just wants to answer.

Response: an ``ExitTool`` call becomes plain assistant text (its ``response`` argument). In a
stream the call's fragments are held, and its text is released as one text delta when the call
ends (the next call starts, the finish chunk arrives, or the stream ends); the finish reason
becomes ``stop`` when ``ExitTool`` was the only call. Names streamed in pieces are handled: a call
is held while its name could still become ``ExitTool``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from ccrouter.transformers.base import Transformer, UpstreamRequest
from ccrouter.transformers.chat.json_repair import repair_object
from ccrouter.transformers.chunks import (
    OpenCall,
    chunk_with_delta,
    first_choice,
    fragment_arguments,
    fragment_name,
    message_of,
    request_state,
)
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON

EXIT_TOOL = "ExitTool"
REMINDER = (
    "<system-reminder>Tool mode is active: answer by calling the most suitable tool. Check "
    f"each available tool against the task first. When no tool fits, or you only want to reply "
    f"to the user, call `{EXIT_TOOL}` with your complete reply as `response`; that is the only "
    "way to answer without another tool.</system-reminder>"
)
EXIT_TOOL_SPEC: JSON = {
    "type": "function",
    "function": {
        "name": EXIT_TOOL,
        "description": (
            "Leave tool mode and reply to the user. Use it only when none of the other tools "
            "can help with the task; your `response` is shown to the user exactly as written."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "response": {"type": "string", "description": "Your complete reply to the user."}
            },
            "required": ["response"],
        },
    },
}


class ToolUseTransformer(Transformer):
    name = "tooluse"

    def transform_request(self, req: UpstreamRequest, ctx: TranslationContext) -> UpstreamRequest:
        body = req.body
        tools = body.get("tools")
        if not isinstance(tools, list) or not tools or body.get("tool_choice") == "none":
            return req
        if not any(fragment_name(t) == EXIT_TOOL for t in tools if isinstance(t, dict)):
            body["tools"] = [EXIT_TOOL_SPEC, *tools]
            messages = body.get("messages")
            if isinstance(messages, list):
                body["messages"] = [*messages, {"role": "system", "content": REMINDER}]
        if not isinstance(body.get("tool_choice"), dict):
            body["tool_choice"] = "required"
        return req

    def transform_response(self, body: JSON, ctx: TranslationContext) -> JSON:
        choice = first_choice(body)
        message = message_of(body)
        calls = message.get("tool_calls") if message else None
        if choice is None or message is None or not isinstance(calls, list):
            return body
        exits = [c for c in calls if isinstance(c, dict) and fragment_name(c) == EXIT_TOOL]
        if not exits:
            return body
        texts = [t for t in (_response_text("".join(fragment_arguments(c))) for c in exits) if t]
        content = message.get("content")
        message["content"] = "\n\n".join(
            [content, *texts] if isinstance(content, str) and content else texts
        )
        others = [c for c in calls if c not in exits]
        if others:
            message["tool_calls"] = others
        else:
            message.pop("tool_calls")
            if choice.get("finish_reason") == "tool_calls":
                choice["finish_reason"] = "stop"
        return body

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        return request_state(ctx, self, _ExitToolFilter).feed(chunk)

    def finish_stream(self, ctx: TranslationContext) -> list[JSON]:
        return request_state(ctx, self, _ExitToolFilter).finish()


def _response_text(arguments: str) -> str:
    value = repair_object(arguments).get("response")
    if value is None or isinstance(value, str):
        return value or ""
    return orjson.dumps(value).decode()


@dataclass
class _ExitToolFilter:
    """Stream state. The open call is *pending* while its name could still be ``ExitTool``
    (its fragments are held), then either *exit* (hidden, text released at its end) or passed
    through."""

    call: OpenCall | None = None
    held: list[JSON] = field(default_factory=list)  # fragments of a pending call
    exit: bool = False  # the open call is ExitTool
    exits: int = 0
    others: int = 0
    template: JSON = field(default_factory=dict)

    def feed(self, chunk: JSON) -> list[JSON]:
        choice = first_choice(chunk)
        delta = choice.get("delta") if choice else None
        fragments = delta.get("tool_calls") if isinstance(delta, dict) else None
        if choice is None or (not fragments and not choice.get("finish_reason")):
            return [chunk]
        self.template = chunk
        out: list[JSON] = []
        kept: list[JSON] = []
        for fragment in fragments if isinstance(fragments, list) else ():
            if not isinstance(fragment, dict):
                continue
            if self.call is not None and not self.call.continues(fragment):
                self._end(kept, out, chunk)
            if self.call is None:
                self.call, self.exit = OpenCall.starting(fragment), False
            self.call.add(fragment)
            self._route(fragment, kept)
        finish = choice.get("finish_reason")
        if finish and self.call is not None:
            self._end(kept, out, chunk)
        _set_calls(choice, kept)
        if finish == "tool_calls" and self.exits and not self.others:
            choice["finish_reason"] = "stop"
        out.append(chunk)
        return out

    def finish(self) -> list[JSON]:
        if self.call is None:
            return []
        kept: list[JSON] = []
        out: list[JSON] = []
        self._end(kept, out, self.template)
        if kept:
            out.append(chunk_with_delta(self.template, {"tool_calls": kept}))
        return out

    def _route(self, fragment: JSON, kept: list[JSON]) -> None:
        call = self.call
        assert call is not None
        if self.exit:
            return
        if self.held or EXIT_TOOL.startswith(call.name):
            self.held.append(fragment)
            if call.name == EXIT_TOOL and call.args:
                self.exit, self.held = True, []  # named ExitTool and its arguments began
            elif not EXIT_TOOL.startswith(call.name):
                kept.extend(self.held)  # the name went elsewhere: release what was held
                self.held = []
        else:
            kept.append(fragment)

    def _end(self, kept: list[JSON], out: list[JSON], template: JSON) -> None:
        """Close the open call: release a held one, or turn an ExitTool into a text chunk."""
        call = self.call
        assert call is not None
        if self.held and call.name != EXIT_TOOL:
            kept.extend(self.held)  # e.g. a tool named "Exit": not ours after all
            self.others += 1
        elif self.exit or self.held:
            self.exits += 1
            text = _response_text("".join(call.args))
            if text:
                if kept:  # calls before it in this chunk go first
                    out.append(chunk_with_delta(template, {"tool_calls": list(kept)}))
                    kept.clear()
                out.append(chunk_with_delta(template, {"content": text}))
        else:
            self.others += 1
        self.call, self.held, self.exit = None, [], False


def _set_calls(choice: JSON, kept: list[Any]) -> None:
    delta = choice.get("delta")
    if not isinstance(delta, dict):
        if kept:
            choice["delta"] = {"tool_calls": kept}
        return
    if kept:
        delta["tool_calls"] = kept
    else:
        delta.pop("tool_calls", None)
