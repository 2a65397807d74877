"""A process that writes ledger rows, for the writer's SIGTERM, kill -9 and two-process tests.

python -m tests.router.usage.writer_child PATH burst N PREFIX   # queue N rows, wait for SIGTERM
python -m tests.router.usage.writer_child PATH steady           # a row every 5 ms until killed
python -m tests.router.usage.writer_child PATH write N PREFIX   # write N rows, close, exit
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

from ccrouter.usage.writer import LedgerWriter
from tests.router.usage.rows import make_row


def main(argv: list[str]) -> int:
    path, mode = Path(argv[0]), argv[1]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if mode == "burst":  # a long interval: only close() can have written the rows
        writer = LedgerWriter(path, interval_s=60.0, batch_rows=10**6)
    elif mode == "write":
        writer = LedgerWriter(path, interval_s=0.01, batch_rows=50)
    else:
        writer = LedgerWriter(path)  # the defaults: what kill -9 loses is theirs
    writer.start()
    try:
        if mode == "steady":
            i = 0
            while True:
                writer.put(make_row(at=time.time(), request_id=f"{i:08d}"))
                i += 1
                time.sleep(0.005)
        count, prefix = int(argv[2]), argv[3]
        for i in range(count):
            writer.put(make_row(at=time.time(), request_id=f"{prefix}{i:08d}"))
            if mode == "write" and i % 10 == 0:
                time.sleep(0.003)  # spread over ~1 s, so the two processes overlap
        print(f"queued {writer.queued}", flush=True)
        if mode == "burst":
            stop.wait(30)
    finally:
        writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
