"""Non-Anthropic reasoning state survives a round trip through a thinking signature."""

from __future__ import annotations

from ccrouter.transformers.chat.reasoning_codec import (
    Sealed,
    native_thinking,
    pack,
    producer_of,
    unpack,
    unseal,
)

DETAILS = [
    {"type": "reasoning.encrypted", "data": "opaque", "format": "google-gemini-v1", "index": 0}
]


def test_round_trip_keeps_details_and_family() -> None:
    signature = pack(DETAILS, "google")
    assert signature.startswith("ccr1.google.")
    assert unpack(signature) == ("google", DETAILS)


def test_anthropic_and_garbage_signatures() -> None:
    assert unpack("EqQBCkYIBRgCKkD...") is None
    assert unpack("ccr1.google.!!!not-base64") is None


CLAUDE_DETAIL = {
    "type": "reasoning.text",
    "text": "plan",
    "signature": "EqQBsig",
    "format": "anthropic-claude-v1",
    "index": 0,
}


def test_the_envelope_names_its_producer_and_hides_it_from_the_details() -> None:
    signature = pack(DETAILS, "google", producer_of("gw", "alias"))
    assert unseal(signature) == Sealed("google", DETAILS, "gw,alias")
    assert unpack(signature) == ("google", DETAILS)
    assert unseal(pack(DETAILS, "google")) == Sealed("google", DETAILS, None)


def test_native_thinking_unwraps_claude_reasoning_for_the_pass_through() -> None:
    claude = pack([CLAUDE_DETAIL], "other", "gw,alias")
    redacted = pack(
        [{"type": "reasoning.encrypted", "data": "Enc", "format": "anthropic-claude-v1"}], "other"
    )
    foreign = pack(DETAILS, "google", "p,gemini")
    body = {
        "messages": [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "plan", "signature": claude},
                    {"type": "redacted_thinking", "data": redacted},
                    {"type": "thinking", "thinking": "g", "signature": foreign},
                    {"type": "text", "text": "a"},
                ],
            },
        ]
    }
    out = native_thinking(body)
    assert out["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "plan", "signature": "EqQBsig"},
        {"type": "redacted_thinking", "data": "Enc"},
        {"type": "text", "text": "a"},
    ]
    assert out["messages"][0] is body["messages"][0]
    bare = {
        "messages": [
            {
                "role": "assistant",
                "content": [{"type": "thinking", "thinking": "x", "signature": "EqQ"}],
            }
        ]
    }
    assert native_thinking(bare) is bare
    assert native_thinking({"messages": "nope"}) == {"messages": "nope"}
