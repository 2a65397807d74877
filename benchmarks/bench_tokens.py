"""Micro-benchmark for ccrouter.routing.tokens: cold vs warm counting of a ~400 KB Claude Code request.

    /tmp/venv/bin/python benchmarks/bench_tokens.py

Claude Code resends the whole conversation every turn, so what matters is the warm case: the
same body again (parsed afresh, as the server sees it) and the body plus one new turn.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

from ccrouter.routing import tokenizer
from ccrouter.routing.tokens import TokenCounter, count_text, encoding_status

WORDS = (
    "the file function returns value error test config model request stream token cache "
    "router provider message tool result user assistant system prompt schema input output "
    "python async await def class import self None True False if else for while try except "
    "update fix refactor check build run path line read write edit bash grep search agent"
).split()


def prose(rng: random.Random, n_words: int) -> str:
    lines, line = [], []
    for _ in range(n_words):
        line.append(rng.choice(WORDS))
        if rng.random() < 0.08:
            lines.append(" ".join(line) + ".")
            line = []
    return "\n".join([*lines, " ".join(line)])


def code(rng: random.Random, n_lines: int) -> str:
    out = []
    for i in range(n_lines):
        name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}"
        indent = "    " * rng.randint(0, 3)
        out.append(f"{i + 1:>5}\t{indent}{name} = compute({rng.randint(0, 9999)}, {name!r})")
    return "\n".join(out)


def make_tool(rng: random.Random, i: int) -> dict[str, Any]:
    props = {
        f"{rng.choice(WORDS)}_{j}": {"type": "string", "description": prose(rng, 25)}
        for j in range(6)
    }
    return {
        "name": f"Tool{i}",
        "description": prose(rng, 700),
        "input_schema": {"type": "object", "properties": props, "required": list(props)[:2]},
    }


def make_turn(rng: random.Random, i: int) -> list[dict[str, Any]]:
    tool_id = f"toolu_{i:04d}"
    assistant = {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": prose(rng, 120), "signature": "S" * 300},
            {"type": "text", "text": prose(rng, 40)},
            {
                "type": "tool_use",
                "id": tool_id,
                "name": f"Tool{i % 12}",
                "input": {"file_path": f"/src/{rng.choice(WORDS)}.py", "limit": 200},
            },
        ],
    }
    user = {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": tool_id,
                "content": [{"type": "text", "text": code(rng, 60)}],
            }
        ],
    }
    return [assistant, user]


def make_body(rng: random.Random, turns: int) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": prose(rng, 200)}]
    for i in range(turns):
        messages += make_turn(rng, i)
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 32000,
        "system": [
            {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."},
            {"type": "text", "text": prose(rng, 3000), "cache_control": {"type": "ephemeral"}},
        ],
        "tools": [make_tool(rng, i) for i in range(12)],
        "messages": messages,
        "stream": True,
    }


def elapsed_ms(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def warm_runs(raw: bytes, next_raw: bytes) -> tuple[float, float, float]:
    """One warmed counter: same body object again, the body parsed afresh, then one more turn."""
    counter = TokenCounter()
    same = orjson.loads(raw)
    counter.count_request(same)
    again = elapsed_ms(lambda: counter.count_request(same))
    parsed = orjson.loads(raw)  # fresh str objects: their hashes are not cached yet
    reparsed = elapsed_ms(lambda: counter.count_request(parsed))
    grown = orjson.loads(next_raw)
    next_turn = elapsed_ms(lambda: counter.count_request(grown))
    return again, reparsed, next_turn


def main() -> None:
    rng = random.Random(42)
    body = make_body(rng, turns=62)
    raw = orjson.dumps(body)
    next_raw = orjson.dumps({**body, "messages": body["messages"] + make_turn(rng, 99)})

    tokenizer.reset_for_tests()
    load_ms = elapsed_ms(encoding_status)
    total = TokenCounter().count_request(body)
    print(f"encoding: {encoding_status()}; first load {load_ms:.1f} ms")
    print(f"request: {len(raw) / 1024:.0f} KB JSON, {len(body['messages'])} messages, ", end="")
    print(f"{len(body['tools'])} tools -> {total} tokens")

    parse = statistics.median(elapsed_ms(lambda: orjson.loads(raw)) for _ in range(20))
    cold = statistics.median(
        elapsed_ms(lambda: TokenCounter().count_request(orjson.loads(raw))) for _ in range(7)
    )
    again, reparsed, next_turn = (
        statistics.median(col)
        for col in zip(*(warm_runs(raw, next_raw) for _ in range(7)), strict=True)
    )
    print(f"orjson.loads of the body, for scale:     {parse:7.2f} ms")
    print(f"cold: fresh TokenCounter                 {cold:7.2f} ms")
    print(f"warm: 2nd call, same body object         {again:7.2f} ms")
    print(f"warm: 2nd call, body parsed afresh       {reparsed:7.2f} ms")
    print(f"warm: 3rd call, one new turn appended    {next_turn:7.2f} ms")
    print(
        f"one string of the whole JSON, uncached:  {elapsed_ms(lambda: count_text(raw.decode())):7.2f} ms"
    )


if __name__ == "__main__":
    main()
