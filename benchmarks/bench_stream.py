"""Per-chunk cost of stream translation (OpenAI SSE in, Anthropic SSE out), in-process.

    /tmp/venv/bin/python benchmarks/bench_stream.py

The load benchmark's fake upstream writes a whole 200-chunk stream at once, so ccrouter sees it
in a few network reads; a real upstream trickles chunks, one read each. This times
``TranslatingPipe`` on the fake's exact bytes both ways — the whole stream in one ``feed`` and one
``feed`` per chunk — and splits the per-chunk cost into its steps (SSE decoding, JSON parsing,
the transformer chain, the translator, SSE encoding).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from ccrouter.dispatch.pipes import TranslatingPipe
from ccrouter.sse import SSEDecoder, encode_events
from ccrouter.testing.fake.chat import CHAT
from ccrouter.testing.fake.render import Context, render
from ccrouter.testing.fake.script import Text
from ccrouter.transformers.builtin import BUILTINS
from ccrouter.transformers.chat.stream import OpenAIStreamTranslator
from ccrouter.transformers.context import TranslationContext

CHUNKS = 200


def upstream_pieces(chunks: int = CHUNKS) -> list[bytes]:
    text = "".join(f"{'word' + str(i % 10):7.7} " for i in range(chunks))
    reply = render(
        Text(text, chunk_chars=8), Context.new("anthropic/claude-sonnet-4.5", 17000), True, CHAT
    )
    return list(reply.pieces)


def ctx() -> TranslationContext:
    return TranslationContext(
        requested_model="claude-sonnet-4-5", upstream_model="anthropic/claude-sonnet-4.5",
        provider="openrouter", input_estimate=4000,
    )  # fmt: skip


def chain() -> tuple[Any, ...]:
    return (BUILTINS["openrouter"](),)  # what an OpenRouter provider gets by default


def _median_us(run: Callable[[], object], repeats: int = 30) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def measure(repeats: int = 30) -> dict[str, Any]:
    pieces = upstream_pieces()
    whole = b"".join(pieces)
    n = len(pieces)

    def one_read() -> bytes:
        pipe = TranslatingPipe(ctx(), chain())
        return pipe.feed(whole) + pipe.finish()

    def per_chunk() -> bytes:
        pipe = TranslatingPipe(ctx(), chain())
        out = [pipe.feed(piece) for piece in pieces]
        return b"".join(out) + pipe.finish()

    decoded = [sse for sse in SSEDecoder().feed(whole)]
    datas = [sse.data for sse in decoded if sse.data and sse.data != "[DONE]"]
    parsed = [orjson.loads(d) for d in datas]

    def decode_only() -> None:
        decoder = SSEDecoder()
        for piece in pieces:
            decoder.feed(piece)

    def parse_only() -> None:
        for d in datas:
            orjson.loads(d)

    events: list[Any] = []

    def translate_only() -> None:
        translator = OpenAIStreamTranslator(ctx())
        events.clear()
        for chunk in parsed:
            events.extend(translator.feed(chunk))
        events.extend(translator.finish())

    translate_only()
    frozen_events = list(events)

    def encode_only() -> None:
        for event in frozen_events:
            encode_events([event])

    out = {
        "upstream_chunks": n,
        "upstream_kb": round(len(whole) / 1024, 1),
        "anthropic_kb": round(len(one_read()) / 1024, 1),
        "whole_stream_one_feed_us": round(_median_us(one_read, repeats)),
        "whole_stream_feed_per_chunk_us": round(_median_us(per_chunk, repeats)),
        "steps_per_chunk_us": {
            "sse_decode": round(_median_us(decode_only, repeats) / n, 2),
            "json_parse": round(_median_us(parse_only, repeats) / n, 2),
            "translate": round(_median_us(translate_only, repeats) / n, 2),
            "sse_encode": round(_median_us(encode_only, repeats) / len(frozen_events), 2),
        },
    }
    out["per_chunk_us"] = round(out["whole_stream_feed_per_chunk_us"] / n, 2)
    return out


def main() -> None:
    result = measure()
    print(f"{result['upstream_chunks']} upstream chunks ({result['upstream_kb']} KB) -> "
          f"{result['anthropic_kb']} KB of Anthropic events")  # fmt: skip
    print(f"whole stream, one feed():          {result['whole_stream_one_feed_us']:>8} µs")
    print(f"whole stream, one feed() per chunk: {result['whole_stream_feed_per_chunk_us']:>7} µs "
          f"({result['per_chunk_us']} µs/chunk)")  # fmt: skip
    for step, us in result["steps_per_chunk_us"].items():
        print(f"  {step:12} {us:6.2f} µs per chunk")


if __name__ == "__main__":
    sys.exit(main())
