"""Start ccrouter with proposed performance changes applied from outside, to measure them.

    python benchmarks/variants.py --variants gc_freeze,aiohttp CONFIG PORT

Benchmark-only: each variant monkeypatches the running process the way the corresponding change
in core code would behave (README "Findings" gives the change itself, as a diff for the owner).
Core files are not edited. ``ab.py`` runs variants side by side; with no variants this is
``python -m ccrouter serve --config CONFIG --port PORT`` without the CLI.

Variants:

- ``gc_freeze``: after start-up, ``gc.collect(); gc.freeze()`` and a higher gen-0 threshold, so
  the collector stops rescanning the ~80,000 objects that live for the process's whole life.
- ``aiohttp``: the upstream call through aiohttp's ``ClientSession`` directly instead of httpx
  on the aiohttp transport; ``asyncio.timeout`` instead of ``asyncio.wait_for`` (no extra Task).
- ``timeout``: only the ``asyncio.timeout`` part, keeping httpx.
- ``no_proxy_headers``: uvicorn's ``proxy_headers=False`` (no ProxyHeadersMiddleware per request).
- ``no_request_log``: the per-request info line switched off (to measure what it costs).
- ``gc_200k``: the collector's gen-0 threshold at 200,000 allocations instead of 20,000.
- ``cheap_log``: the same request line, cheaper: ``logging._srcfile = None`` (no caller lookup
  per record) and a formatter that formats the timestamp once per second.
- ``fast_sse``: the translating pipe splits upstream bytes on blank lines and parses ``data:``
  payloads straight from bytes, skips transformers whose ``transform_chunk`` is the identity, and
  encodes events with a per-name prefix; anything unusual falls back to the generic decoder.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

VARIANTS: dict[str, Callable[[], None]] = {}


def variant(fn: Callable[[], None]) -> Callable[[], None]:
    VARIANTS[fn.__name__] = fn
    return fn


@variant
def no_request_log() -> None:
    from ccrouter import log as ccrouter_log

    original = ccrouter_log.setup_logging

    def setup(level: str = "info") -> None:
        original(level)
        ccrouter_log.request_log.setLevel(logging.WARNING)

    ccrouter_log.setup_logging = setup
    from ccrouter import serve

    serve.setup_logging = setup  # type: ignore[attr-defined]


@variant
def gc_200k() -> None:
    """A ten times higher gen-0 threshold than ``tune_gc``'s 20,000."""
    import gc

    from ccrouter import app

    original = app.tune_gc

    def tune() -> None:
        original()
        gc.set_threshold(200_000, 20, 20)

    app.tune_gc = tune


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="", help="comma-separated: " + ", ".join(VARIANTS))
    parser.add_argument("config", type=Path)
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    for name in filter(None, args.variants.split(",")):
        VARIANTS[name]()
    from ccrouter.serve import serve

    return serve(args.config, None, args.port)


if __name__ == "__main__":
    sys.exit(main())
