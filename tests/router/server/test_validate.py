"""Only the shapes translation needs are checked; each message names the field."""

from __future__ import annotations

import pytest

from ccrouter.errors import InvalidRequestError
from ccrouter.server.validate import check_messages_request, parse_json_body


def test_unknown_fields_and_system_role_messages_are_fine() -> None:
    check_messages_request(
        {
            "model": "m",
            "max_tokens": 1,
            "messages": [{"role": "system", "content": "env"}],
            "speed": "fast",
            "safeguards": [],
        }
    )


def test_count_tokens_needs_no_max_tokens() -> None:
    check_messages_request({"model": "m", "messages": []}, need_max_tokens=False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_tokens": 1, "messages": []}, "model"),
        ({"model": "m", "max_tokens": True, "messages": []}, "max_tokens"),
        ({"model": "m", "max_tokens": 0, "messages": []}, "max_tokens"),
        (
            {"model": "m", "max_tokens": 1, "messages": [{"role": "bot", "content": "x"}]},
            "messages[0].role",
        ),
        (
            {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": ["x"]}]},
            "messages[0].content[0]",
        ),
        ({"model": "m", "max_tokens": 1, "messages": [], "system": 5}, "system"),
        ({"model": "m", "max_tokens": 1, "messages": [], "tools": {}}, "tools"),
        ({"model": "m", "max_tokens": 1, "messages": [], "stream": "yes"}, "stream"),
        ({"model": "m", "max_tokens": 1, "messages": [], "top_k": 1.5}, "top_k"),
    ],
)
def test_wrong_shapes_name_the_field(body: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidRequestError, match=field.replace("[", r"\[").replace("]", r"\]")):
        check_messages_request(body)


def test_a_long_valid_conversation_passes_and_the_first_bad_block_is_named() -> None:
    # Valid conversations take a quick walk; a wrong shape anywhere gets the detailed one.
    turns = [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "B"}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t"}]},
        {"role": "system", "content": "env"},
    ] * 20
    body = {"model": "m", "max_tokens": 1, "messages": turns}
    check_messages_request(body)
    broken = [*turns[:-1], {"role": "user", "content": [{"type": "text"}, {"text": "no type"}]}]
    with pytest.raises(InvalidRequestError, match=r"^messages\[79\]\.content\[1\]: "):
        check_messages_request({**body, "messages": broken})
    broken = [*turns[:5], {"role": "user", "content": None}, {"role": "bot", "content": ""}]
    with pytest.raises(InvalidRequestError, match=r"^messages\[5\]\.content: "):
        check_messages_request({**body, "messages": broken})


def test_body_parsing() -> None:
    assert parse_json_body(b'{"a": 1}') == {"a": 1}
    for raw in (b"", b"{", b"[]"):
        with pytest.raises(InvalidRequestError):
            parse_json_body(raw)
