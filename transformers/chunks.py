"""Small readers and editors shared by the built-in transformers.

Upstream chunks and non-stream bodies are parsed fresh for each request, so transformers may edit
them in place. Request bodies are not: the core reuses the client's nested objects (schemas,
content parts), so ``without_key`` and friends rebuild what they change instead of mutating.

Per-request state lives in ``ctx.extras[<transformer name>][id(transformer)]``: transformer
instances are shared by every request, and one chain may hold the same transformer twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from ccrouter.transformers.base import Transformer
from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON

T = TypeVar("T")


def request_state(ctx: TranslationContext, owner: Transformer, factory: Callable[[], T]) -> T:
    """This transformer's state for this request, made by ``factory`` on first use."""
    mine: dict[int, Any] = ctx.extras.setdefault(owner.name or type(owner).__name__, {})
    key = id(owner)
    if key not in mine:
        mine[key] = factory()
    state: T = mine[key]
    return state


def first_choice(payload: JSON) -> JSON | None:
    choices = payload.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return None


def delta_of(chunk: JSON) -> JSON | None:
    choice = first_choice(chunk)
    delta = choice.get("delta") if choice is not None else None
    return delta if isinstance(delta, dict) else None


def message_of(body: JSON) -> JSON | None:
    choice = first_choice(body)
    message = choice.get("message") if choice is not None else None
    return message if isinstance(message, dict) else None


def reasoning_content_to_reasoning(part: JSON | None) -> None:
    """DeepSeek/Qwen ``reasoning_content`` -> ``reasoning``, the field the core reads first."""
    if part is None or "reasoning_content" not in part:
        return
    text = part.pop("reasoning_content")
    if isinstance(text, str) and text and not part.get("reasoning"):
        part["reasoning"] = text


def cap_output(body: JSON, cap: int) -> None:
    """Lower ``max_tokens``/``max_completion_tokens`` to ``cap``; never adds one."""
    for key in ("max_tokens", "max_completion_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > cap:
            body[key] = cap


def without_key(obj: JSON, key: str) -> JSON:
    """``obj`` without ``key``: the same object when it has none, else a shallow copy."""
    if key not in obj:
        return obj
    return {k: v for k, v in obj.items() if k != key}


def strip_cache_control(body: JSON) -> JSON:
    """``cache_control`` removed from the body, its messages and their parts, and its tools.

    Only where breakpoints live: a tool schema property that happens to be called
    ``cache_control`` is left alone.
    """
    out = without_key(body, "cache_control")
    if out is body:
        out = dict(body)
    messages = out.get("messages")
    if isinstance(messages, list):
        out["messages"] = [_message_without_cache(m) for m in messages]
    tools = out.get("tools")
    if isinstance(tools, list):
        out["tools"] = [_tool_without_cache(t) for t in tools]
    return out


def _message_without_cache(message: Any) -> Any:
    if not isinstance(message, dict):
        return message
    out = without_key(message, "cache_control")
    content = out.get("content")
    if isinstance(content, list) and any(
        isinstance(p, dict) and "cache_control" in p for p in content
    ):
        parts = [without_key(p, "cache_control") if isinstance(p, dict) else p for p in content]
        out = {**out, "content": parts}
    return out


def _tool_without_cache(tool: Any) -> Any:
    if not isinstance(tool, dict):
        return tool
    out = without_key(tool, "cache_control")
    function = out.get("function")
    if isinstance(function, dict) and "cache_control" in function:
        out = {**out, "function": without_key(function, "cache_control")}
    return out


def map_tool_parameters(body: JSON, clean: Callable[[JSON], JSON]) -> None:
    """Replace each function tool's ``parameters`` by ``clean(parameters)`` (new tool objects)."""
    tools = body.get("tools")
    if not isinstance(tools, list):
        return
    out = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        params = function.get("parameters") if isinstance(function, dict) else None
        if isinstance(params, dict):
            assert isinstance(function, dict) and isinstance(tool, dict)
            tool = {**tool, "function": {**function, "parameters": clean(params)}}
        out.append(tool)
    body["tools"] = out


def is_complete_json(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


@dataclass
class OpenCall:
    """One streamed tool call, told apart from the next as the core's translator does."""

    index: Any
    id: Any
    name: str = ""
    args: list[str] = field(default_factory=list)

    @classmethod
    def starting(cls, fragment: JSON) -> OpenCall:
        return cls(fragment.get("index"), fragment.get("id") or None)

    def continues(self, fragment: JSON) -> bool:
        """Does ``fragment`` belong to this call rather than start the next one?"""
        index, call_id = fragment.get("index"), fragment.get("id") or None
        if index is not None and self.index is not None and index != self.index:
            return False
        if call_id is not None and self.id is not None:
            return bool(call_id == self.id)
        name = fragment_name(fragment)
        if name and self.args:  # id-less: a name after the arguments began is the next call
            return name == self.name and not is_complete_json("".join(self.args))
        return True

    def add(self, fragment: JSON) -> None:
        if self.id is None:
            self.id = fragment.get("id") or None
        name = fragment_name(fragment)
        if name and name != self.name:  # some providers repeat the whole name on every chunk
            self.name += name
        args = fragment_arguments(fragment)
        if args:
            self.args.append(args)

    def fragment(self, arguments: str) -> JSON:
        """A fragment the core files under this call, carrying ``arguments``."""
        out: JSON = {} if self.index is None else {"index": self.index}
        if self.id is not None:
            out["id"] = self.id
        out["function"] = {"arguments": arguments}
        return out


def fragment_name(fragment: JSON) -> str:
    function = fragment.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else ""


def fragment_arguments(fragment: JSON) -> str:
    function = fragment.get("function")
    args = function.get("arguments") if isinstance(function, dict) else None
    if args is None:
        return ""
    return args if isinstance(args, str) else orjson.dumps(args).decode()


def chunk_with_delta(template: JSON, delta: JSON) -> JSON:
    """A one-choice chunk carrying ``delta``, with the id/model of ``template``."""
    out: JSON = {k: template[k] for k in ("id", "object", "created", "model") if k in template}
    out["choices"] = [{"index": 0, "delta": delta, "finish_reason": None}]
    return out
