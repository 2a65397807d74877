"""Anthropic content blocks -> OpenAI content parts (text, images, PDFs, tool-result content).

Everything here builds new dicts and reuses the inbound strings (no copies of big payloads such as
base64 images). ``cache_control`` is attached to a part only when the target keeps breakpoints;
``limit_cache_breakpoints`` then trims them to what the family accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ccrouter.transformers.context import TranslationContext
from ccrouter.types import JSON

Part = dict[str, Any]

BILLING_PREFIX = "x-anthropic-billing-header:"
IMAGE_PLACEHOLDER = "(image attached below)"
DOCUMENT_PLACEHOLDER = "(document attached below)"
_UNMARKED = object()  # `collapse`: no part has a cache_control key (None is a value)


def is_blank(text: str) -> bool:
    # isspace() walks the string without building a stripped copy (texts can be 100 KB+).
    return not text or text.isspace()


def strip_billing_header(text: str) -> str:
    """Remove Claude Code's per-conversation billing line(s); the rest is kept byte for byte."""
    if BILLING_PREFIX not in text:
        return text
    lines = text.split("\n")
    kept = [line for line in lines if not line.lstrip().startswith(BILLING_PREFIX)]
    return text if len(kept) == len(lines) else "\n".join(kept)


def cache_mark(block: JSON, ctx: TranslationContext) -> Any:
    """The block's ``cache_control`` when the target keeps breakpoints, else None."""
    mark = block.get("cache_control")
    # Look at the block first: `keeps_cache_control` derives the family from the model id.
    return mark if isinstance(mark, dict) and ctx.keeps_cache_control else None


def _marked(part: Part, mark: Any) -> Part:
    if mark is not None:
        part["cache_control"] = mark
    return part


def text_part(text: str, mark: Any = None) -> Part:
    return _marked({"type": "text", "text": text}, mark)


def _source(block: JSON) -> JSON:
    source = block.get("source")
    return source if isinstance(source, dict) else {}


def _data_url(media_type: str, data: str) -> str:
    # Some clients already send a data URL in `data`; never prefix twice.
    return data if data.startswith("data:") else f"data:{media_type};base64,{data}"


def image_part(block: JSON, mark: Any = None) -> Part | None:
    source = _source(block)
    kind = source.get("type")
    if kind == "base64" and isinstance(source.get("data"), str):
        media_type = source.get("media_type")
        url = _data_url(media_type if isinstance(media_type, str) else "image/png", source["data"])
    elif kind == "url" and isinstance(source.get("url"), str):
        url = source["url"]
    else:  # `file` ids live in Anthropic's Files API; nothing upstream can resolve them
        return None
    return _marked({"type": "image_url", "image_url": {"url": url}}, mark)


def _title(block: JSON) -> str | None:
    title = block.get("title")
    return title if isinstance(title, str) and title else None


def document_parts(block: JSON, mark: Any = None) -> list[Part]:
    """A PDF becomes a ``file`` part; text documents become text parts."""
    source = _source(block)
    kind = source.get("type")
    title = _title(block)
    if kind in ("base64", "url"):
        if kind == "base64" and isinstance(source.get("data"), str):
            media_type = source.get("media_type")
            data = _data_url(
                media_type if isinstance(media_type, str) else "application/pdf", source["data"]
            )
        elif kind == "url" and isinstance(source.get("url"), str):
            data = source["url"]
        else:
            return []
        file = {"filename": title or "document.pdf", "file_data": data}
        return [_marked({"type": "file", "file": file}, mark)]
    if kind == "text" and isinstance(source.get("data"), str):
        text = source["data"]
        text = f"{title}\n{text}" if title else text
        return [] if is_blank(text) else [text_part(text, mark)]
    if kind == "content":
        texts = _texts_of(source.get("content"))
        if title and texts:
            texts.insert(0, title)
        return [text_part("\n".join(texts), mark)] if texts else []
    return []


def _texts_of(content: Any) -> list[str]:
    """Non-blank texts of a string or of a block list (other blocks ignored)."""
    if isinstance(content, str):
        return [] if is_blank(content) else [content]
    if not isinstance(content, list):
        return []
    texts = []
    for item in content:
        if isinstance(item, str):
            text = item
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            text = item["text"]
        else:
            continue
        if not is_blank(text):
            texts.append(text)
    return texts


def search_result_text(block: JSON) -> str:
    head = [v for v in (block.get("title"), block.get("source")) if isinstance(v, str) and v]
    return "\n".join(head + _texts_of(block.get("content")))


def user_parts(block: Any, ctx: TranslationContext) -> list[Part]:
    """Parts for one user-side block (tool results are handled by the caller)."""
    if isinstance(block, str):
        return [] if is_blank(block) else [text_part(block)]
    if not isinstance(block, dict):
        return []
    kind = block.get("type")
    mark = cache_mark(block, ctx)
    if kind == "text":
        text = block.get("text")
        return [text_part(text, mark)] if isinstance(text, str) and not is_blank(text) else []
    if kind == "image":
        part = image_part(block, mark)
        return [part] if part else []
    if kind == "document":
        return document_parts(block, mark)
    if kind == "search_result":
        text = search_result_text(block)
        return [] if is_blank(text) else [text_part(text, mark)]
    return []  # unknown or Anthropic-only blocks (container_upload, ...) have no OpenAI form


@dataclass(slots=True)
class ToolResult:
    """A ``tool_result`` reduced to what a ``tool`` message can carry, plus its media."""

    text: str
    media: list[Part] = field(default_factory=list)
    mark: Any = None


def tool_result(block: JSON, ctx: TranslationContext) -> ToolResult:
    content = block.get("content")
    if isinstance(content, str):  # fast path: the usual plain-text result, kept as it is
        text = content
        media: list[Part] = []
    else:
        text, media = _result_content(content)
    if block.get("is_error") is True:
        text = f"Error: {text}" if text else "Error"
    return ToolResult(text, media, cache_mark(block, ctx))


def _result_content(content: Any) -> tuple[str, list[Part]]:
    items = content if isinstance(content, list) else [] if content is None else [content]
    texts: list[str] = []
    media: list[Part] = []
    for item in items:
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict):
            _collect_result_item(item, texts, media)
        elif item is not None:
            texts.append(str(item))
    text = "\n".join(t for t in texts if not is_blank(t)) if len(texts) != 1 else texts[0]
    if not text and media:
        is_image = any(part["type"] == "image_url" for part in media)
        text = IMAGE_PLACEHOLDER if is_image else DOCUMENT_PLACEHOLDER
    return text, media


def _collect_result_item(item: JSON, texts: list[str], media: list[Part]) -> None:
    kind = item.get("type")
    if kind == "text" and isinstance(item.get("text"), str):
        texts.append(item["text"])
    elif kind == "tool_reference":
        texts.append(f"Tool loaded: {item.get('tool_name', '')}")
    elif kind == "image":
        part = image_part(item)
        if part:
            media.append(part)
    elif kind == "document":
        for part in document_parts(item):
            if part["type"] == "text":
                texts.append(part["text"])
            else:
                media.append(part)
    elif kind == "search_result":
        texts.append(search_result_text(item))


def collapse(parts: list[Part]) -> str | list[Part]:
    """User/assistant content: a string when all parts are text and unmarked.

    All-text content with a breakpoint becomes one joined part carrying it, so the text sent is
    byte-identical whether or not this turn carries the breakpoint (prefix caching stays warm).
    """
    mark: Any = _UNMARKED
    for part in parts:
        if part["type"] != "text":
            return parts
        if "cache_control" in part:
            mark = part["cache_control"]
    joined = parts[0]["text"] if len(parts) == 1 else "\n".join(p["text"] for p in parts)
    return joined if mark is _UNMARKED else [text_part(joined, mark)]


def limit_cache_breakpoints(messages: list[JSON], limit: int) -> None:
    """Keep only the last ``limit`` breakpoints of the request (parts are ours to change)."""
    marked = [
        part
        for message in messages
        if isinstance(message.get("content"), list)
        for part in message["content"]
        if "cache_control" in part
    ]
    for part in marked[: max(len(marked) - limit, 0)]:
        del part["cache_control"]
