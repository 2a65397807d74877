"""ThinkTagSplitter: a leading <think> section split off, whatever the piece boundaries."""

from __future__ import annotations

import pytest

from ccrouter.transformers.chat.think_tags import Segment, ThinkTagSplitter


def split(pieces: list[str]) -> list[Segment]:
    """Feed every piece then finish; adjacent segments of one kind merged."""
    splitter = ThinkTagSplitter()
    raw: list[Segment] = []
    for piece in pieces:
        raw += splitter.feed(piece)
    raw += splitter.finish()
    merged: list[Segment] = []
    for kind, text in raw:
        assert text, "no empty segments"
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


def cut(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


SAMPLES: dict[str, list[Segment]] = {
    "<think>Let me see: 2+2.</think>\n\nIt is 4.": [
        ("thinking", "Let me see: 2+2."),
        ("text", "It is 4."),
    ],
    "\n  <think>\nplan</think>Answer <think>kept</think> here": [
        ("thinking", "\nplan"),
        ("text", "Answer <think>kept</think> here"),
    ],
    "<think>a < b and </thin k> and </th</think>x": [
        ("thinking", "a < b and </thin k> and </th"),
        ("text", "x"),
    ],
    "<think>never closed </thi": [("thinking", "never closed </thi")],
    "Hello <think>not leading</think> world": [("text", "Hello <think>not leading</think> world")],
    "reasoning</think>answer": [("text", "reasoning</think>answer")],
    "<think></think>\n\nJust text.": [("text", "Just text.")],
    "<THINK>upper</THINK>text": [("text", "<THINK>upper</THINK>text")],
    "<thinking>not our tag</thinking>": [("text", "<thinking>not our tag</thinking>")],
    "<thin": [("text", "<thin")],
    "  \n": [("text", "  \n")],
    "<think>only thinking</think>  \n ": [("thinking", "only thinking")],
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_split_position_gives_the_same_segments(sample: str) -> None:
    expected = SAMPLES[sample]
    assert split([sample]) == expected
    for size in (1, 2, 3, 7):
        assert split(cut(sample, size)) == expected, size
    for at in range(len(sample) + 1):
        assert split([sample[:at], sample[at:]]) == expected, at


def test_no_leading_think_is_decided_at_the_first_character() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("Sure") == [("text", "Sure")]
    assert splitter.done
    assert splitter.feed(" <think>x</think>") == [("text", " <think>x</think>")]


def test_leading_whitespace_is_held_until_decided_and_dropped_before_a_think() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("\n\n") == []
    assert splitter.feed("<thi") == []
    assert splitter.feed("nk>Hmm") == [("thinking", "Hmm")]
    assert not splitter.done


def test_text_streams_through_except_a_possible_closing_tag_prefix() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("<think>abc") == [("thinking", "abc")]
    assert splitter.feed("def</") == [("thinking", "def")]
    assert splitter.feed("b>") == [("thinking", "</b>")]
    assert splitter.feed("x <") == [("thinking", "x ")]
    assert splitter.feed("/think") == []
    assert splitter.feed(">") == []  # closed; whitespace or text may follow
    assert splitter.feed(" \n") == []
    assert splitter.feed(" Hi") == [("text", "Hi")]
    assert splitter.done
    assert splitter.finish() == []


def test_unterminated_think_is_flushed_as_thinking_on_finish() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("<think>step one </thi") == [("thinking", "step one ")]
    assert splitter.finish() == [("thinking", "</thi")]
    assert splitter.done


def test_a_partial_opening_tag_is_text_on_finish() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed(" <thin") == []
    assert splitter.finish() == [("text", " <thin")]


def test_empty_pieces_change_nothing() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("") == []
    assert splitter.feed("<think>") == []
    assert splitter.feed("") == []
    assert splitter.feed("a</think>b") == [("thinking", "a"), ("text", "b")]
    assert splitter.feed("") == []
