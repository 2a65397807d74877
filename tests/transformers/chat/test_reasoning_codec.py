"""Non-Anthropic reasoning state survives a round trip through a thinking signature."""

from __future__ import annotations

from ccrouter.transformers.chat.reasoning_codec import pack, unpack

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
