"""The fake OpenRouter (``ccrouter.testing.fake.app``) as the benchmark's upstream process.

Identical to ``python -m ccrouter.testing.fake`` except that it keeps only the last few
recorded requests: the stock fake records every request (raw bytes and parsed body) for tests,
which over a benchmark's ~100,000 requests of 17-400 KB would grow to gigabytes and slow the
fake's garbage collector as it grows, skewing later phases. ``GET /_fake/stats`` still counts all.

    python benchmarks/fake_upstream.py --port 0     # prints "fake-openrouter listening on ..."
"""

from __future__ import annotations

import argparse
from collections import deque
from typing import Any

from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.server import run_process


class RecentRequests(deque[Any]):
    """Keeps the last ``maxlen`` requests; ``len()`` is every request since the last reset."""

    def __init__(self, keep: int = 4) -> None:
        super().__init__(maxlen=keep)
        self.total = 0

    def append(self, item: Any) -> None:
        self.total += 1
        super().append(item)

    def clear(self) -> None:
        self.total = 0
        super().clear()

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Any:  # what /_fake/requests lists: the kept ones
        return iter(list(deque.__iter__(self)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    fake = FakeOpenRouter()
    fake.requests = RecentRequests()  # type: ignore[assignment]
    run_process(fake.app, args.host, args.port, "fake-openrouter")


if __name__ == "__main__":
    main()
