"""What the catalog gate costs per request, in-process: ``RequestGate`` + one ``verdict()``.

    .venv/bin/python benchmarks/bench_gate.py [--rounds N]

The dispatcher builds one ``RequestGate`` per request and asks it once per model it tries. Cases,
on a Claude Code-sized body (system prompt, 40 tools, 60 messages):

- no catalog (offline, nothing fetched): the view is empty,
- model unknown to a 400-model catalog (OpenRouter's size): one dict miss,
- model known, request fits,
- model known, max_tokens clamped (Claude Code's 32000 to an 8k cap): builds the clamped verdict,
- model known text-only: the one case that scans the messages for images.

Prints the median µs per request of ``--rounds`` timed batches.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.gate import RequestGate
from ccrouter.catalog.request import adjusted
from ccrouter.catalog.table import CatalogView
from ccrouter.config.model import Target

BATCH = 20_000


def claude_code_body() -> dict[str, Any]:
    tools = [{"name": f"Tool{i}", "input_schema": {"type": "object"}} for i in range(40)]
    messages = [
        {
            "role": "user" if i % 2 == 0 else "assistant",
            "content": [{"type": "text", "text": "x" * 400}],
        }
        for i in range(60)
    ]
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 32_000,
        "system": [{"type": "text", "text": "You are Claude Code." * 200}],
        "tools": tools,
        "messages": messages,
        "thinking": {"type": "adaptive"},
    }


def catalog() -> CatalogView:
    facts = {
        ("openrouter", f"vendor/model-{i}"): ModelFacts(
            f"vendor/model-{i}", 128_000, 64_000, True, True, True
        )
        for i in range(400)
    }
    facts[("openrouter", "fake/cap-8k")] = ModelFacts(
        "fake/cap-8k", 200_000, 8192, True, True, True
    )
    facts[("openrouter", "fake/text-only")] = ModelFacts(
        "fake/text-only", 200_000, 64_000, True, False, True
    )
    return CatalogView(facts)


def per_request_us(step: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(BATCH):
            step()
        samples.append((time.perf_counter() - started) / BATCH * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    body, view, empty = claude_code_body(), catalog(), CatalogView()

    def case(view: CatalogView, model: str) -> Callable[[], object]:
        target = Target("openrouter", model)

        def step() -> object:
            return adjusted(body, RequestGate(view, body, 30_000).verdict(target))

        return step

    cases = {
        "no catalog": case(empty, "vendor/model-1"),
        "unknown model": case(view, "not/listed"),
        "known, fits": case(view, "vendor/model-1"),
        "known, clamped": case(view, "fake/cap-8k"),
        "known, text-only (image scan)": case(view, "fake/text-only"),
    }
    for name, step in cases.items():
        print(f"{name:32} {per_request_us(step, rounds):6.2f} µs per request")


if __name__ == "__main__":
    main()
