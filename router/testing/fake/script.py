"""What the fake OpenRouter answers: response specs, their JSON form, and the script engine.

A spec says *what* to answer (text, tool calls, an HTTP error, a stream that breaks); ``fake_render``
turns it into bytes. ``Script`` picks the spec for a request, first match wins:

    queue for the request's model  →  queue for any model  →  ``on`` rules  →  default

Queues are consumed FIFO, rules and the default stay. Any of them may be a callable
``(RecordedRequest) -> spec`` instead of a spec. Every spec has a JSON form
(``{"type": "text", "text": "hi"}``) so a fake running in another process can be scripted over HTTP.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Literal, TypeAlias, get_args

import orjson

ToolCallVariant = Literal["openai", "id_every_chunk", "whole", "same_index", "name_fragments"]
TOOL_CALL_VARIANTS: frozenset[str] = frozenset(get_args(ToolCallVariant))


def _check_stream_fields(chunk_chars: int, keepalives: int) -> None:
    if chunk_chars < 1:
        raise ValueError("chunk_chars must be at least 1")
    if keepalives < 0:
        raise ValueError("keepalives must not be negative")


def _check_after(after_chunks: int) -> None:
    if after_chunks < 0:
        raise ValueError("after_chunks must not be negative")


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as OpenRouter reports them: ``prompt_tokens`` includes cache reads and writes."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class Text:
    """A plain answer. ``reasoning_details`` are extra raw detail dicts (e.g. ``reasoning.encrypted``)
    sent after the reasoning text; ``usage=None`` derives plausible counts from the sizes."""

    text: str
    chunk_chars: int = 8
    reasoning: str | None = None
    reasoning_details: Sequence[Mapping[str, Any]] | None = None
    reasoning_signature: str | None = None
    reasoning_format: str = "anthropic-claude-v1"
    finish_reason: str = "stop"
    native_finish_reason: str | None = None
    usage: Usage | None = None
    usage_chunk: bool = True  # False: no final usage chunk (some providers)
    keepalives: int = 1
    first_byte_delay: float = 0.0
    chunk_delay: float = 0.0
    content_with_finish: bool = False

    def __post_init__(self) -> None:
        _check_stream_fields(self.chunk_chars, self.keepalives)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """``arguments`` as a dict is JSON-encoded; as a str it is sent verbatim (may be invalid JSON).
    ``id=None`` gets ``call_<random>``; numeric and Kimi-style ids are sent as given."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | int | None = None

    @property
    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return orjson.dumps(self.arguments).decode()


@dataclass(frozen=True, slots=True)
class ToolCalls:
    calls: Sequence[ToolCall]
    text: str | None = None
    variant: ToolCallVariant = "openai"
    chunk_chars: int = 8
    reasoning: str | None = None
    reasoning_details: Sequence[Mapping[str, Any]] | None = None
    reasoning_signature: str | None = None
    reasoning_format: str = "anthropic-claude-v1"
    finish_reason: str = "tool_calls"
    native_finish_reason: str | None = None
    usage: Usage | None = None
    usage_chunk: bool = True
    keepalives: int = 1
    first_byte_delay: float = 0.0
    chunk_delay: float = 0.0
    content_with_finish: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "calls", tuple(self.calls))  # frozen: keep it immutable
        if self.variant not in TOOL_CALL_VARIANTS:
            raise ValueError(f"unknown tool-call variant {self.variant!r}")
        _check_stream_fields(self.chunk_chars, self.keepalives)


@dataclass(frozen=True, slots=True)
class HttpError:
    """An error before the first byte: OpenRouter's ``{"error": {...}}`` body with ``status``."""

    status: int
    message: str = "Upstream error"
    error_type: str | None = None
    metadata: Mapping[str, Any] | None = None
    retry_after: float | None = None
    availability: Mapping[str, Any] | None = None
    headers: Mapping[str, str] | None = None
    first_byte_delay: float = 0.0

    def __post_init__(self) -> None:
        if not 400 <= self.status <= 599:
            raise ValueError(f"HttpError status must be 4xx or 5xx, got {self.status}")


Stream: TypeAlias = Text | ToolCalls

_FAILING_TEXT = "This answer is going to break somewhere in the middle."


@dataclass(frozen=True, slots=True)
class MidStreamError:
    """HTTP 200, ``after_chunks`` data chunks of ``base``, then OpenRouter's error chunk."""

    base: Stream = Text(_FAILING_TEXT)
    after_chunks: int = 2
    code: int = 502
    message: str = "Provider returned error"
    error_type: str = "provider_unavailable"
    provider_code: str | None = None

    def __post_init__(self) -> None:
        _check_after(self.after_chunks)


@dataclass(frozen=True, slots=True)
class Cut:
    """The connection dies after ``after_chunks`` data chunks of ``base``."""

    base: Stream = Text(_FAILING_TEXT)
    after_chunks: int = 2

    def __post_init__(self) -> None:
        _check_after(self.after_chunks)


@dataclass(frozen=True, slots=True)
class BadJSON:
    """``after_chunks`` data chunks of ``base``, then ``data: {this is not json``, then the end."""

    base: Stream = Text(_FAILING_TEXT)
    after_chunks: int = 2

    def __post_init__(self) -> None:
        _check_after(self.after_chunks)


@dataclass(frozen=True, slots=True)
class Refuse:
    """No answer at all: a connect error in-process, a dropped connection over TCP."""

    first_byte_delay: float = 0.0


Spec: TypeAlias = Text | ToolCalls | HttpError | MidStreamError | Cut | BadJSON | Refuse
SPEC_TYPES = (Text, ToolCalls, HttpError, MidStreamError, Cut, BadJSON, Refuse)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the fake received (control endpoints excepted)."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw: bytes
    body: dict[str, Any] | None  # parsed JSON object, None when absent or not an object

    @classmethod
    def from_http(
        cls, method: str, path: str, headers: Mapping[str, str], raw: bytes
    ) -> RecordedRequest:
        body: Any = None
        if raw:
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                body = None
        lowered = {name.lower(): value for name, value in headers.items()}
        return cls(method, path, lowered, raw, body if isinstance(body, dict) else None)

    @property
    def model(self) -> str | None:
        model = self.body.get("model") if self.body else None
        return model if isinstance(model, str) else None

    @property
    def stream(self) -> bool:
        return bool(self.body and self.body.get("stream") is True)

    @property
    def has_tool_result(self) -> bool:
        """A ``role: tool`` message (chat) or a ``tool_result`` block (Anthropic skin)."""
        messages = self.body.get("messages") if self.body else None
        if not isinstance(messages, list):
            return False
        return any(_is_tool_result(message) for message in messages)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": self.body,
        }


def _is_tool_result(message: Any) -> bool:
    if not isinstance(message, dict):
        return False
    if message.get("role") == "tool":
        return True
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(block, dict) and block.get("type") == "tool_result" for block in content
    )


Responder: TypeAlias = Spec | Callable[[RecordedRequest], Spec]
Predicate: TypeAlias = Callable[[RecordedRequest], bool]


def greeting(request: RecordedRequest) -> Spec:
    """The built-in default answer."""
    return Text(f"Hello from {request.model or 'unknown'}")


def _has_tool_result(request: RecordedRequest) -> bool:
    return request.has_tool_result


def _always(request: RecordedRequest) -> bool:
    return True


# The rule conditions a JSON script can name (a Python caller passes any predicate).
WHEN: dict[str, Predicate] = {"tool_result": _has_tool_result, "always": _always}


class Script:
    """Picks the spec answering each request; see the module docstring for the order."""

    def __init__(self) -> None:
        self.default: Responder = greeting
        self._queues: dict[str | None, deque[Responder]] = {}
        self._rules: list[tuple[Predicate, Responder]] = []

    def add(self, model: str | None, responses: Iterable[Responder]) -> None:
        checked = [_checked(response) for response in responses]
        self._queues.setdefault(model, deque()).extend(checked)

    def on(self, when: Predicate, response: Responder) -> None:
        self._rules.append((when, _checked(response)))

    def pending(self, model: str | None) -> int:
        """How many queued answers are left for ``model`` (``None``: the any-model queue)."""
        return len(self._queues.get(model, ()))

    def choose(self, request: RecordedRequest) -> Spec:
        for key in (request.model, None):
            queue = self._queues.get(key)
            if queue:
                return _resolve(queue.popleft(), request)
        for when, response in self._rules:
            if when(request):
                return _resolve(response, request)
        return _resolve(self.default, request)

    def reset(self) -> None:
        self.default = greeting
        self._queues.clear()
        self._rules.clear()

    def load(self, data: Mapping[str, Any]) -> None:
        """Apply a JSON script: ``{"scripts": [{"model", "responses"}], "rules": [{"when",
        "response"}], "default": spec}``, every key optional. Raises ``ValueError`` when invalid,
        before changing anything."""
        unknown = set(data) - {"scripts", "rules", "default"}
        if unknown:
            raise ValueError(f"unknown script keys: {sorted(unknown)}")
        queued = [_queue_from_json(entry) for entry in _list(data, "scripts")]
        rules = [_rule_from_json(entry) for entry in _list(data, "rules")]
        default = spec_from_json(data["default"]) if "default" in data else None
        for model, responses in queued:
            self.add(model, responses)
        for when, response in rules:
            self.on(when, response)
        if default is not None:
            self.default = default


def _checked(response: Responder) -> Responder:
    if not (isinstance(response, SPEC_TYPES) or callable(response)):
        raise TypeError(f"not a response spec or callable: {response!r}")
    return response


def _resolve(response: Responder, request: RecordedRequest) -> Spec:
    spec = response(request) if callable(response) else response
    if not isinstance(spec, SPEC_TYPES):
        raise TypeError(f"a script callable returned {spec!r}, not a response spec")
    return spec


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{key!r} must be a list")
    return value


def _queue_from_json(entry: Any) -> tuple[str | None, list[Spec]]:
    if not isinstance(entry, dict) or not isinstance(entry.get("responses"), list):
        raise ValueError('a script entry is {"model": str|null, "responses": [spec...]}')
    model = entry.get("model")
    if model is not None and not isinstance(model, str):
        raise ValueError("script 'model' must be a string or null")
    return model, [spec_from_json(item) for item in entry["responses"]]


def _rule_from_json(entry: Any) -> tuple[Predicate, Spec]:
    if not isinstance(entry, dict) or entry.get("when") not in WHEN or "response" not in entry:
        raise ValueError(f'a rule is {{"when": one of {sorted(WHEN)}, "response": spec}}')
    return WHEN[entry["when"]], spec_from_json(entry["response"])


_TYPE_NAMES: dict[type[Any], str] = {
    Text: "text",
    ToolCalls: "tool_calls",
    HttpError: "http_error",
    MidStreamError: "mid_stream_error",
    Cut: "cut",
    BadJSON: "bad_json",
    Refuse: "refuse",
}
_TYPES_BY_NAME: dict[str, type[Any]] = {name: cls for cls, name in _TYPE_NAMES.items()}


def spec_from_json(data: Any) -> Spec:
    """``{"type": "text", "text": "hi", ...}`` → ``Text("hi", ...)``; ``ValueError`` when invalid."""
    if not isinstance(data, dict) or data.get("type") not in _TYPES_BY_NAME:
        raise ValueError(f"a spec is an object with 'type' one of {sorted(_TYPES_BY_NAME)}")
    cls = _TYPES_BY_NAME[data["type"]]
    allowed = {f.name for f in fields(cls)}
    kwargs = {key: value for key, value in data.items() if key != "type"}
    if unknown := set(kwargs) - allowed:
        raise ValueError(f"unknown fields for {data['type']!r}: {sorted(unknown)}")
    if isinstance(kwargs.get("usage"), dict):
        kwargs["usage"] = Usage(**kwargs["usage"])
    if "calls" in kwargs:
        kwargs["calls"] = [_call_from_json(call) for call in kwargs["calls"]]
    if "base" in kwargs:
        base = spec_from_json(kwargs["base"])
        if not isinstance(base, Text | ToolCalls):
            raise ValueError("'base' must be a text or tool_calls spec")
        kwargs["base"] = base
    try:
        spec: Spec = cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"invalid {data['type']!r} spec: {exc}") from exc
    return spec


def _call_from_json(data: Any) -> ToolCall:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ValueError('a tool call is {"name": str, "arguments": object|str, "id"?}')
    return ToolCall(**data)


def spec_to_json(spec: Spec) -> dict[str, Any]:
    """The inverse of ``spec_from_json``; fields left at their default are omitted."""
    out: dict[str, Any] = {"type": _TYPE_NAMES[type(spec)]}
    for f in fields(spec):
        value = getattr(spec, f.name)
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        if value != default:
            out[f.name] = _to_json_value(value)
    return out


def _to_json_value(value: Any) -> Any:
    if isinstance(value, SPEC_TYPES):
        return spec_to_json(value)
    if isinstance(value, Usage | ToolCall):
        return {f.name: _to_json_value(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_to_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _to_json_value(item) for key, item in value.items()}
    return value
