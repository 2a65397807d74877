"""``enhancetool``: tolerant tool arguments for models that emit broken JSON (Qwen3-Coder, GLM).

Stream: each tool call's id and name pass through at once; its argument fragments are held and
released when the call ends (the next call starts, text follows it, the finish chunk arrives, or
the stream ends) as ONE argument string, repaired by ``json_repair``: strict JSON, else the
tolerant reading (single quotes, unquoted keys, Python literals, trailing commas, cut-off text,
code fences), else ``{}``. Claude Code therefore never sees a partial argument stream from such a
model, and always gets a JSON object. Non-stream: every call's arguments repaired the same way.

Request: nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccrouter.transformers.base import Transformer
from ccrouter.transformers.chat.json_repair import repair_arguments
from ccrouter.transformers.chunks import (
    OpenCall,
    chunk_with_delta,
    first_choice,
    fragment_arguments,
    message_of,
    request_state,
)
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON

# Delta fields the core turns into blocks before tool calls: their arrival ends an open call.
_BEFORE_TOOLS = ("content", "reasoning", "reasoning_content", "reasoning_details")


class EnhanceToolTransformer(Transformer):
    name = "enhancetool"

    def transform_response(self, body: JSON, ctx: TranslationContext) -> JSON:
        message = message_of(body)
        calls = message.get("tool_calls") if message else None
        for call in calls if isinstance(calls, list) else ():
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                function["arguments"] = repair_arguments(fragment_arguments(call))
        return body

    def transform_chunk(self, chunk: JSON, ctx: TranslationContext) -> list[JSON]:
        return request_state(ctx, self, _ArgumentHolder).feed(chunk)

    def finish_stream(self, ctx: TranslationContext) -> list[JSON]:
        return request_state(ctx, self, _ArgumentHolder).finish()


@dataclass
class _ArgumentHolder:
    """Stream state: the call whose arguments are being held, and a chunk to copy ids from."""

    call: OpenCall | None = None
    template: JSON | None = None

    def feed(self, chunk: JSON) -> list[JSON]:
        choice = first_choice(chunk)
        if choice is None:
            return [chunk]  # usage-only chunk
        delta = choice.get("delta")
        delta = delta if isinstance(delta, dict) else {}
        fragments = delta.get("tool_calls")
        fragments = (
            [f for f in fragments if isinstance(f, dict)] if isinstance(fragments, list) else []
        )
        out: list[JSON] = []
        if self.call is not None and any(delta.get(k) for k in _BEFORE_TOOLS):
            out.append(chunk_with_delta(chunk, {"tool_calls": [self._release()]}))
        if not fragments and not choice.get("finish_reason"):
            out.append(chunk)
            return out
        self.template = chunk
        kept: list[JSON] = []
        for fragment in fragments:
            if self.call is None or not self.call.continues(fragment):
                if self.call is not None:
                    kept.append(self._release())
                self.call = OpenCall.starting(fragment)
                kept.append(_without_arguments(fragment))  # the core opens the call from this
            elif fragment.get("id") or _has_name(fragment):
                kept.append(_without_arguments(fragment))
            self.call.add(fragment)
        if choice.get("finish_reason") and self.call is not None:
            kept.append(self._release())
        if kept:
            delta["tool_calls"] = kept
            choice["delta"] = delta
        else:
            delta.pop("tool_calls", None)
        out.append(chunk)
        return out

    def finish(self) -> list[JSON]:
        if self.call is None:
            return []
        return [chunk_with_delta(self.template or {}, {"tool_calls": [self._release()]})]

    def _release(self) -> JSON:
        call, self.call = self.call, None
        assert call is not None
        return call.fragment(repair_arguments("".join(call.args)))


def _has_name(fragment: JSON) -> bool:
    function = fragment.get("function")
    return isinstance(function, dict) and bool(function.get("name"))


def _without_arguments(fragment: JSON) -> JSON:
    function = fragment.get("function")
    if not isinstance(function, dict) or "arguments" not in function:
        return fragment
    return {**fragment, "function": {k: v for k, v in function.items() if k != "arguments"}}
