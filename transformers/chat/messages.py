"""Anthropic ``system`` + ``messages`` -> OpenAI ``messages``.

Placement rules (each prevents a provider 400 or a model that "forgets" its tools):

* every ``tool_result`` becomes a ``tool`` message right after the assistant message holding the
  call, before the rest of that user turn; media from tool results follow in a user message;
* a call left without a result (an interrupted turn) gets a synthetic "interrupted" result;
  a result without a call becomes user text;
* ``role: "system"`` entries become ``<system-reminder>`` user messages, moved after the tool
  messages when they sit between a call and its result;
* earlier thinking is replayed through ``openai_reasoning``, never as text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from ccrouter.errors import InvalidRequestError
from ccrouter.transformers.chat.content import (
    Part,
    cache_mark,
    collapse,
    is_blank,
    strip_billing_header,
    text_part,
    tool_result,
    user_parts,
)
from ccrouter.transformers.chat.reasoning import replay_reasoning
from ccrouter.transformers.chat.tool_names import upstream_tool_id, upstream_tool_name
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON

INTERRUPTED = "[Tool call interrupted: no result was returned]"
_THINKING = frozenset({"thinking", "redacted_thinking"})

ToolContent = str | list[Part]


def system_message(system: Any, ctx: TranslationContext) -> JSON | None:
    """The leading system message, or None when the prompt is empty."""
    blocks = [{"type": "text", "text": system}] if isinstance(system, str) else system
    if not isinstance(blocks, list):
        return None
    parts: list[Part] = []
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("text"), str):
            continue
        text = block["text"]
        if ctx.strip_billing_header:
            text = strip_billing_header(text)
        if not is_blank(text):
            parts.append(text_part(text, cache_mark(block, ctx)))
    if not parts:
        return None
    if ctx.keeps_cache_control:
        return {"role": "system", "content": parts}
    return {"role": "system", "content": "\n\n".join(p["text"] for p in parts)}


def _texts(content: Any) -> tuple[list[str], Any]:
    """Texts of a string or block list, and the last breakpoint among the blocks."""
    if isinstance(content, str):
        return ([] if is_blank(content) else [content]), None
    texts: list[str] = []
    mark = None
    for block in content if isinstance(content, list) else ():
        if isinstance(block, dict) and block.get("type") == "text":
            text = block.get("text")
            if isinstance(text, str) and not is_blank(text):
                texts.append(text)
            mark = block.get("cache_control", mark)
    return texts, mark


def system_reminder(content: Any, ctx: TranslationContext) -> JSON | None:
    """A mid-conversation ``role: "system"`` entry as a user message every provider accepts."""
    texts, mark = _texts(content)
    if not texts:
        return None
    text = "<system-reminder>\n" + "\n\n".join(texts) + "\n</system-reminder>"
    mark = mark if ctx.keeps_cache_control and isinstance(mark, dict) else None
    return {"role": "user", "content": collapse([text_part(text, mark)])}


def _blocks(content: Any) -> list[Any]:
    """Message content as a block list: a lone block or string is a list of one."""
    if isinstance(content, list):
        return content
    return [] if content is None else [content]


def tool_arguments(value: Any) -> str:
    """Compact JSON of a tool input; always a JSON object ("{}" when empty or unusable)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # e.g. integers beyond 64 bits: still valid JSON for the stdlib
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, str):  # not valid Anthropic, but seen from lax clients
        try:
            return value if isinstance(orjson.loads(value), dict) else "{}"
        except orjson.JSONDecodeError:
            return "{}"
    return "{}"


class _Calls:
    """The tool calls of the last assistant message, waiting for their results.

    Parallel lists rather than a dict of queues: a message holds a handful of calls, and this
    is built for every assistant turn of the conversation.
    """

    __slots__ = ("client_ids", "order", "results")

    def __init__(self) -> None:
        self.order: list[str] = []  # upstream ids, in call order
        self.client_ids: list[str | None] = []  # each call's client id; None once answered
        self.results: list[ToolContent] = []  # each call's tool-message content

    def add(self, client_id: str) -> str:
        upstream = upstream_tool_id(client_id)
        unique, n = upstream, 1
        while unique in self.order:  # ids must be unique within one assistant message
            n += 1
            unique = f"{upstream}_{n}"
        self.order.append(unique)
        self.client_ids.append(client_id)
        self.results.append(INTERRUPTED)  # until a result comes
        return unique

    def answer(self, client_id: Any, content: ToolContent) -> bool:
        """Give the first unanswered call with this client id its result; False if none."""
        if not isinstance(client_id, str):
            return False
        try:
            i = self.client_ids.index(client_id)
        except ValueError:
            return False
        self.client_ids[i] = None
        self.results[i] = content
        return True


def _tool_call(block: JSON, position: int, calls: _Calls) -> JSON:
    client_id = block.get("id")
    if not isinstance(client_id, str) or not client_id:
        client_id = f"toolu_missing_{position}"
    name = block.get("name")
    return {
        "id": calls.add(client_id),
        "type": "function",
        "function": {
            "name": upstream_tool_name(name if isinstance(name, str) else ""),
            "arguments": tool_arguments(block.get("input")),
        },
    }


class _Conversation:
    """Builds the OpenAI message list in one pass over the Anthropic messages."""

    def __init__(self, ctx: TranslationContext) -> None:
        self.ctx = ctx
        # Per-request facts, read once: both derive from the model id on every access.
        self.family = ctx.family
        self.keeps_marks = ctx.keeps_cache_control
        self.out: list[JSON] = []
        self.calls: _Calls | None = None  # calls of the last assistant message, if unanswered
        self.deferred: list[JSON] = []  # system reminders waiting for those calls' results

    def add(self, message: Any, index: int) -> None:
        if not isinstance(message, dict):
            raise InvalidRequestError(
                f"messages[{index}]: expected an object, got {type(message).__name__}"
            )
        role, content = message.get("role"), message.get("content")
        if role == "assistant":
            self.close_calls()
            self.add_assistant(content)
        elif role in ("system", "developer"):
            reminder = system_reminder(content, self.ctx)
            if reminder is not None:
                (self.deferred if self.calls else self.out).append(reminder)
        else:  # "user", and anything unknown: keep the content rather than lose it
            self.add_user(content)

    def add_assistant(self, content: Any) -> None:
        calls = _Calls()
        translated = self.assistant_message(content, calls)
        if translated is not None:
            self.out.append(translated)
            self.calls = calls if calls.order else None

    def assistant_message(self, content: Any, calls: _Calls) -> JSON | None:
        if isinstance(content, str):  # fast path: a plain text turn is its own content
            return None if is_blank(content) else {"role": "assistant", "content": content}
        texts: list[str] = []
        tool_calls: list[JSON] = []
        thinking: list[JSON] = []
        mark = None
        for n, block in enumerate(_blocks(content)):
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "text":
                text = block.get("text")
                if isinstance(text, str) and not is_blank(text):
                    texts.append(text)
            elif kind == "tool_use":
                tool_calls.append(_tool_call(block, n, calls))
            elif kind in _THINKING:
                thinking.append(block)
            else:  # server_tool_use, web_search_tool_result, …: results already in the text
                continue
            if self.keeps_marks:  # `cache_mark(block, ctx) or mark`, without the call per block
                found = block.get("cache_control")
                if found and isinstance(found, dict):
                    mark = found
        reasoning = replay_reasoning(thinking, self.ctx, self.family) if thinking else {}
        if not texts and not tool_calls and not reasoning:
            return None
        message: JSON = {"role": "assistant"}
        if texts:
            # What `collapse` makes of all-text parts: the joined text, or one marked part.
            joined = texts[0] if len(texts) == 1 else "\n".join(texts)
            message["content"] = joined if mark is None else [text_part(joined, mark)]
        else:
            # Thinking-only turns: OpenRouter takes null (no empty text block reaches Claude);
            # plain OpenAI-compatible servers require a string when there are no tool calls.
            message["content"] = None if tool_calls or self.ctx.dialect == "openrouter" else ""
        if tool_calls:
            message["tool_calls"] = tool_calls
        if reasoning:
            message.update(reasoning)
        return message

    def add_user(self, content: Any) -> None:
        if isinstance(content, str):  # fast path: a plain text turn is its own content
            self.close_calls()
            if not is_blank(content):
                self.out.append({"role": "user", "content": content})
            return
        media: list[Part] = []
        parts: list[Part] = []
        for block in _blocks(content):
            if not isinstance(block, dict) or block.get("type") != "tool_result":
                parts.extend(user_parts(block, self.ctx))
                continue
            result = tool_result(block, self.ctx)
            client_id = block.get("tool_use_id")
            answer = _tool_content(result.text, result.mark)
            if self.calls is not None and self.calls.answer(client_id, answer):
                media.extend(result.media)
            else:  # no matching call: keep the result as user text
                orphan = f"[Result of tool call {client_id}]: {result.text}"
                parts.append(text_part(orphan, result.mark))
                parts.extend(result.media)
        self.answer_calls()
        if media and self.deferred:  # media stay next to their tool messages
            self.out.append({"role": "user", "content": media})
            media = []
        self.flush_deferred()
        if media:
            parts = media + parts
        if parts:
            self.out.append({"role": "user", "content": collapse(parts)})

    def answer_calls(self) -> None:
        """One tool message per pending call, in call order; missing results are synthesised."""
        if self.calls is None:
            return
        results = self.calls.results
        for i, upstream_id in enumerate(self.calls.order):  # zip(strict=True) costs more
            self.out.append({"role": "tool", "tool_call_id": upstream_id, "content": results[i]})
        self.calls = None

    def flush_deferred(self) -> None:
        if self.deferred:
            self.out.extend(self.deferred)
            self.deferred.clear()

    def close_calls(self) -> None:
        """Before a non-user message or the end: unanswered calls were interrupted."""
        if self.calls is not None:  # checked here too: usually nothing is pending
            self.answer_calls()
        if self.deferred:
            self.flush_deferred()


def _tool_content(text: str, mark: Any) -> ToolContent:
    # A breakpoint needs a text part, and an empty text part is rejected: drop the mark then.
    return [text_part(text, mark)] if mark is not None and not is_blank(text) else text


def translate_messages(messages: list[Any], ctx: TranslationContext) -> list[JSON]:
    """The OpenAI message list for ``messages``; with ``ctx.recall``, the previous turn's
    translation of the equal leading messages is reused (``_Translated``)."""
    recall = ctx.recall
    conversation = _Conversation(ctx)
    if recall is None or len(messages) < REUSE_FROM:
        for index, message in enumerate(messages):
            conversation.add(message, index)
        conversation.close_calls()
        return conversation.out
    key = (_MEMO, ctx.upstream_model, ctx.dialect)
    previous = recall.previous.get(key) if recall.previous else None
    start, boundaries = 0, []
    if previous is not None:
        start, boundaries = previous.resume(conversation, recall.prefix)
    for index in range(start, len(messages)):
        conversation.add(messages[index], index)
        if conversation.calls is None and not conversation.deferred:
            boundaries.append((index + 1, len(conversation.out)))
    private = conversation.out
    conversation.out = [fresh_message(m) for m in private]  # the request may change these
    conversation.close_calls()
    recall.current[key] = _Translated(private, boundaries)
    return conversation.out


_MEMO = "openai-messages"
# Below this many messages translating afresh costs less than copying a kept translation.
REUSE_FROM = 12


@dataclass(slots=True)
class _Translated:
    """One turn's translated messages, kept for the next turn and never handed out.

    ``boundaries`` are the points (Anthropic messages done, OpenAI messages so far) where no
    tool call was waiting for its result and no reminder was deferred: the translator's whole
    state there is the output so far, so a turn whose first N messages are equal to this turn's
    resumes from the last boundary at or before N. The translator only ever appends to its
    output, so the objects before a boundary are final.
    """

    out: list[JSON]
    boundaries: list[tuple[int, int]]

    def resume(self, conversation: _Conversation, prefix: int) -> tuple[int, list[tuple[int, int]]]:
        """Load the output up to the last boundary within ``prefix``; (messages done, boundaries)."""
        boundaries = self.boundaries
        i = len(boundaries)
        while i and boundaries[i - 1][0] > prefix:
            i -= 1
        if not i:
            return 0, []
        done, length = boundaries[i - 1]
        conversation.out = self.out[:length]  # shared with the memo until copied for the request
        return done, boundaries[:i]


def fresh_message(message: JSON) -> JSON:
    """A copy of a translated message with every container translation made copied, so later
    steps (breakpoint limits, transformers) can change it; strings and the client's own
    objects (``cache_control`` values) stay shared, as they are in a fresh translation."""
    copy = message.copy()
    content = copy.get("content")
    if type(content) is list:
        copy["content"] = [_fresh_part(part) for part in content]
    calls = copy.get("tool_calls")
    if calls:
        copy["tool_calls"] = [{**call, "function": dict(call["function"])} for call in calls]
    details = copy.get("reasoning_details")
    if type(details) is list:
        copy["reasoning_details"] = [dict(d) if type(d) is dict else d for d in details]
    return copy


_NESTED_PARTS = ("image_url", "file", "input_audio")


def _fresh_part(part: Any) -> Any:
    if type(part) is not dict:
        return part
    copy = part.copy()
    for key in _NESTED_PARTS:
        if key in copy and type(copy[key]) is dict:
            copy[key] = dict(copy[key])
    return copy
