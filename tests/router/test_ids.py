"""Request and message ids: Anthropic's shape, unique within a process and across processes."""

from __future__ import annotations

import re
import subprocess
import sys

from ccrouter.ids import new_message_id, new_request_id

SHAPE = re.compile(r"(req|msg)_[0-9a-f]{24}")


def test_shape_and_uniqueness() -> None:
    ids = [new_request_id() for _ in range(100)] + [new_message_id() for _ in range(100)]
    assert all(SHAPE.fullmatch(i) for i in ids)
    assert len({i[4:] for i in ids}) == len(ids)  # one counter: not even the digits repeat


def test_another_process_makes_other_ids() -> None:
    code = "from ccrouter.ids import new_request_id; print(new_request_id())"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert SHAPE.fullmatch(other) and other[4:16] != new_request_id()[4:16]
