"""The SSE decoder takes bytes split anywhere; the encoder is its inverse."""

from __future__ import annotations

import pytest

from ccrouter.sse import ServerSentEvent, SSEDecoder, encode_data, encode_event

STREAM = (
    b": OPENROUTER PROCESSING\n\n"
    b'data: {"a": 1}\n\n'
    b'event: message_start\r\ndata: {"b":\r\ndata: 2}\r\n\r\n'
    b"data: [DONE]\n\n"
)


def decode(raw: bytes, size: int) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = []
    for i in range(0, len(raw), size):
        events += decoder.feed(raw[i : i + size])
    return events + decoder.flush()


@pytest.mark.parametrize("size", [1, 2, 7, 1000])
def test_events_survive_any_split(size: int) -> None:
    events = decode(STREAM, size)
    assert events[0].comment == "OPENROUTER PROCESSING"
    assert events[1].json() == {"a": 1}
    assert events[2].event == "message_start"
    assert events[2].data == '{"b":\n2}'
    assert events[3].data == "[DONE]"
    assert len(events) == 4


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    assert decoder.feed(b"\n\r\n")[0].data == "x"


def test_last_event_without_blank_line_is_flushed() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: tail") == []
    assert [e.data for e in decoder.flush()] == ["tail"]


def test_encoder_round_trips() -> None:
    raw = encode_event("content_block_stop", {"type": "content_block_stop", "index": 0})
    assert raw == b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
    (event,) = SSEDecoder().feed(raw)
    assert event.event == "content_block_stop" and event.json()["index"] == 0
    assert encode_data("[DONE]") == b"data: [DONE]\n\n"


def data_of(raw: bytes, size: int) -> list[bytes | None]:
    from ccrouter.sse import DataDecoder

    decoder = DataDecoder()
    out: list[bytes | None] = []
    for i in range(0, len(raw), size):
        out += decoder.feed(raw[i : i + size])
    return out + decoder.flush()


def spec_data_of(raw: bytes) -> list[bytes | None]:
    events = decode(raw, len(raw) or 1)
    return [
        None if e.comment is not None else e.data.encode()
        for e in events
        if e.comment is not None or e.data
    ]


ODD_STREAMS = [
    STREAM,
    b'data: {"a":1}\n\ndata: {"b":2}',  # last event without its blank line
    b'event: x\ndata: {"c":3}\n\n: ping\n\ndata: {"d":\ndata: 4}\n\n',
    b'data: {"e":5}\r\n\r\n: keep\r\n\r\ndata: [DONE]\r\n\r\n',
    b"\n\n\n\ndata: x\n\n",
    b"id: 7\n\nretry: 100\n\n",
    b"data: \n\ndata: {}\n\n",  # an empty data line carries nothing
]


@pytest.mark.parametrize("raw", ODD_STREAMS)
@pytest.mark.parametrize("size", [1, 3, 7, 10_000])
def test_fast_data_decoder_agrees_with_the_spec_decoder(raw: bytes, size: int) -> None:
    assert data_of(raw, size) == spec_data_of(raw)
