"""Classification time for a ~400 KB Claude Code conversation, cold and with the token cache warm.

    /tmp/venv/bin/python benchmarks/bench_classify.py [--config FILE]

"Classification" is what the server does between the parsed body and the upstream call to decide
the route (``ccrouter.routing.decide.decide``): ``Conversations.recall`` + ``TokenCounter.count_request``
+ ``session_id_of`` + ``build_route_request`` + ``classify`` (custom routers, then the built-in
rules). Timed the way the server sees it: the body parsed afresh from bytes for every call (new
str objects, so their hashes are computed again), against

- cold: a new ``TokenCounter`` and ``Conversations`` (a new conversation, or the first request
  after a start),
- warm: both have seen this conversation (Claude Code resending it),
- warm + new turn: the conversation plus one new turn (the usual case).

For the tokenizer alone (cold/warm counting, one-string counting) see ``bench_tokens.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from payloads import CLAUDE_CODE_HEADERS, encode, large_body

from ccrouter.routing.features import build_route_request, session_id_of

try:  # the server's one decision path (``ccrouter explain`` shares it)
    from ccrouter.routing.decide import classify
except ImportError:  # older trees: the same function lived in messages.py
    from ccrouter.server.messages import classify  # type: ignore[attr-defined,no-redef]
from ccrouter.config.snapshot import build_state
from ccrouter.config.state import RouterState
from ccrouter.routing.tokens import TokenCounter, encoding_status

BENCH_CONFIG: dict[str, Any] = {
    "Providers": [
        {
            "name": "openrouter",
            "api_base_url": "http://127.0.0.1:9/api/v1/chat/completions",
            "api_key": "sk-bench",
            "models": ["anthropic/claude-sonnet-4.5", "google/gemini-2.5-pro"],
            "transformer": {"use": ["openrouter"]},
        }
    ],
    "Router": {
        "default": "openrouter,anthropic/claude-sonnet-4.5",
        "longContext": "openrouter,google/gemini-2.5-pro",
    },
}


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def classify_once(
    state: RouterState,
    counter: TokenCounter,
    raw: bytes,
    headers: dict[str, str],
    conversations: Any = None,
) -> dict[str, float]:
    """One request's decision, split into its steps (ms). With ``conversations``, as the server
    does it: the conversation is recognised (``Conversations.recall``) before counting."""
    t0 = time.perf_counter()
    body = orjson.loads(raw)
    t1 = time.perf_counter()
    if conversations is not None:
        tokens = counter.count_request(body, conversations.recall(body, len(raw)))
    else:
        tokens = counter.count_request(body)
    t2 = time.perf_counter()
    view = build_route_request(body, headers, tokens, None)
    session_id_of(body, headers)
    t3 = time.perf_counter()
    decision = asyncio.run(classify(state, view)) if state.custom_routers else _sync(state, view)
    t4 = time.perf_counter()
    assert decision.route
    return {
        "parse_ms": (t1 - t0) * 1000,
        "tokens_ms": (t2 - t1) * 1000,
        "features_ms": (t3 - t2) * 1000,
        "rules_ms": (t4 - t3) * 1000,
        "classify_ms": (t4 - t1) * 1000,  # everything after parsing
        "tokens": tokens,
    }


def _sync(state: RouterState, view: Any) -> Any:
    """``classify`` without custom routers never awaits: drive the coroutine by hand."""
    coro = classify(state, view)
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("classify awaited with no custom routers")


def _conversations() -> Any:
    try:
        from ccrouter.routing.conversation import Conversations
    except ImportError:  # older trees: the token counter remembered conversations itself
        return None
    return Conversations()


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}


def measure(config_path: Path | None = None, repeats: int = 7) -> dict[str, Any]:
    """Cold, warm and warm + new turn, medians of ``repeats`` runs each."""
    with tempfile.TemporaryDirectory() as tmp:
        if config_path is None:
            config_path = Path(tmp) / "config.json"
            config_path.write_text(json.dumps(BENCH_CONFIG))
        state = build_state(config_path)
    encoding_status()  # load the tokenizer first: start-up cost, reported separately
    body = large_body()
    raw = encode(body)
    turn = [
        {"role": "assistant", "content": [{"type": "text", "text": "Done. Next?"}]},
        {"role": "user", "content": [{"type": "text", "text": "Now update the docs too."}]},
    ]
    grown = orjson.dumps({**body, "messages": body["messages"] + turn})
    headers = dict(CLAUDE_CODE_HEADERS)

    cold, warm, grown_runs = [], [], []
    for _ in range(repeats):
        cold.append(classify_once(state, TokenCounter(), raw, headers, _conversations()))
        counter, conversations = TokenCounter(), _conversations()
        classify_once(state, counter, raw, headers, conversations)
        warm.append(classify_once(state, counter, raw, headers, conversations))
        grown_runs.append(classify_once(state, counter, grown, headers, conversations))
    decision = _sync(state, build_route_request(orjson.loads(raw), headers, cold[0]["tokens"]))
    return {
        "request_kb": round(len(raw) / 1024, 1),
        "messages": len(body["messages"]),
        "route": decision.route,
        "encoding": encoding_status(),
        "cold": _median(cold),
        "warm": _median(warm),
        "warm_new_turn": _median(grown_runs),
        "repeats": repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="a ccrouter config (default: a minimal one)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    result = measure(args.config, args.repeats)
    print(
        f"{result['request_kb']} KB, {result['messages']} messages -> route {result['route']} "
        f"({result['cold']['tokens']:.0f} tokens, {result['encoding']})"
    )
    print(f"{'':16}{'parse':>9}{'tokens':>9}{'features':>10}{'rules':>8}{'classify':>10}  (ms)")
    for name in ("cold", "warm", "warm_new_turn"):
        r = result[name]
        print(
            f"{name:16}{r['parse_ms']:9.2f}{r['tokens_ms']:9.2f}{r['features_ms']:10.3f}"
            f"{r['rules_ms']:8.3f}{r['classify_ms']:10.2f}"
        )


if __name__ == "__main__":
    main()
