"""A leading ``<think>…</think>`` section of an assistant's text, split off as thinking.

Models reached through plain OpenAI-compatible servers (DeepSeek-R1 distills, Qwen3/QwQ, MiniMax,
Groq with ``reasoning_format=raw``) often write their reasoning into ``content``. The detection is
deliberately narrow, so real text is never eaten:

* only a *leading* section counts: the first non-whitespace characters of the message are
  ``<think>`` (lowercase only — the models emit it as one special token; ``<THINK>`` in prose is
  more likely a quotation than reasoning);
* everything up to the first ``</think>`` is thinking, whitespace right after it is dropped,
  and the rest is text, passed through verbatim (a later ``<think>`` included);
* a ``</think>`` with no opening tag is text (the server may have stripped ``<think>``, but
  guessing that would turn real answers into thinking).

``ThinkTagSplitter.feed(piece)`` takes the text split anywhere, even inside a tag, and returns
``(kind, text)`` segments; it holds back only leading whitespace and the few characters that could
still be the start of a tag. ``finish()`` returns what is held. Once ``done`` is true the section
is over and every later piece is plain text: the caller stops feeding the splitter.
"""

from __future__ import annotations

from typing import Final, Literal

ThinkKind = Literal["thinking", "text"]
Segment = tuple[ThinkKind, str]

OPEN: Final = "<think>"
CLOSE: Final = "</think>"

# States: before the first non-whitespace character, inside the section, right after it
# (dropping whitespace), and decided for good.
_LEADING, _INSIDE, _AFTER, _DONE = range(4)


class ThinkTagSplitter:
    __slots__ = ("_state", "_held")

    def __init__(self) -> None:
        self._state = _LEADING
        self._held = ""  # leading whitespace and a partial `<think>`, or a partial `</think>`

    @property
    def done(self) -> bool:
        return self._state == _DONE

    def feed(self, piece: str) -> list[Segment]:
        state = self._state
        if state == _INSIDE:
            return self._inside(self._held + piece)
        if state == _AFTER:
            return self._after(piece)
        if state == _DONE:
            return [("text", piece)] if piece else []
        held = self._held + piece
        start = len(held) - len(held.lstrip())
        head = held[start:]
        if not head or (len(head) < len(OPEN) and OPEN.startswith(head)):
            self._held = held  # whitespace so far, or a tag that may still be completed
            return []
        self._held = ""
        if head.startswith(OPEN):
            self._state = _INSIDE
            return self._inside(head[len(OPEN) :])
        self._state = _DONE
        return [("text", held)]

    def finish(self) -> list[Segment]:
        """Whatever is held, as what it was going to be; the splitter is ``done`` afterwards."""
        held, state = self._held, self._state
        self._held, self._state = "", _DONE
        if not held:
            return []
        return [("thinking" if state == _INSIDE else "text", held)]

    def _inside(self, text: str) -> list[Segment]:
        end = text.find(CLOSE)
        if end >= 0:
            self._held = ""
            self._state = _AFTER
            out: list[Segment] = [("thinking", text[:end])] if end else []
            return out + self._after(text[end + len(CLOSE) :])
        # Hold a tail that may be the start of `</think>`: it has only one `<`, so the tail
        # starts at the last `<` among the final few characters, or there is none.
        cut = text.rfind("<", max(0, len(text) - len(CLOSE) + 1))
        if cut >= 0 and CLOSE.startswith(text[cut:]):
            text, self._held = text[:cut], text[cut:]
        else:
            self._held = ""
        return [("thinking", text)] if text else []

    def _after(self, text: str) -> list[Segment]:
        rest = text.lstrip()
        if not rest:
            return []
        self._state = _DONE
        return [("text", rest)]
