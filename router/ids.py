"""The ids ccrouter makes up: ``req_…`` for each request, ``msg_…`` for each message it answers.

Shaped like Anthropic's: a prefix and 24 hex digits, of which the first 12 are random per process
(so ids stay unique across restarts) and the last 12 a counter (no syscall per id). One counter
for both kinds: no two ids of a process share their digits.
"""

from __future__ import annotations

import itertools
import secrets

_PROCESS = secrets.token_hex(6)
_COUNTER = itertools.count(1)


def new_request_id() -> str:
    return f"req_{_PROCESS}{next(_COUNTER):012x}"


def new_message_id() -> str:
    return f"msg_{_PROCESS}{next(_COUNTER):012x}"
