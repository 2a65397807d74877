"""Start ccrouter with proposed performance changes applied from outside, to measure them.

    python benchmarks/variants.py --variants no_request_log CONFIG PORT

Benchmark-only: each variant monkeypatches the running process the way the corresponding change
in core code would behave. Core files are not edited. ``ab.py`` runs variants side by side; with
no variants this is ``python -m ccrouter serve --config CONFIG --port PORT`` without the CLI.
The variants of the first round (``gc_freeze``, ``aiohttp``, ``timeout``, ``no_proxy_headers``,
``cheap_log``, ``fast_sse``) were applied to the core and removed from here (README, findings
1-5); commits are compared with ``ab.py``'s ``NAME@COMMIT=`` instead.

Variants:

- ``no_request_log``: the per-request info line switched off (to measure what it costs).
- ``gc_200k``: the collector's gen-0 threshold at 200,000 allocations instead of 20,000.
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
    from ccrouter.server import run as serve

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
    try:
        from ccrouter.server.run import serve
    except ImportError:  # a commit from before the stage subpackages (ab.py NAME@COMMIT=)
        from ccrouter.serve import serve  # type: ignore[import-not-found,no-redef]

    return serve(args.config, None, args.port)


if __name__ == "__main__":
    sys.exit(main())
