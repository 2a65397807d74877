"""The dashboard's live feed: each finished ``/v1/messages`` request, as it happens.

``Statistics.record`` calls ``LiveFeed.publish`` with the request's ``DecisionRecord`` (on the
event loop, at the end of the request). The feed numbers it, keeps the last ``keep`` events for
pages that open later or reconnect (``Last-Event-ID``), and hands it to every open stream's
bounded queue; a stream too slow to keep up loses events rather than slowing requests down.
``close`` ends every stream (the server is stopping: an open page must not hold it up).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import orjson

from ccrouter.config.state import DecisionRecord

KEEP = 1000  # events kept for pages opened later (the whole backlog is sent)
QUEUE = 200  # events waiting per open stream before it drops new ones
HEARTBEAT_S = 15.0  # a comment line now and then keeps proxies and the browser from timing out

LiveEvent = dict[str, Any]


def live_event(number: int, record: DecisionRecord, now: float) -> LiveEvent:
    """The record as the page shows it: every field, plus its number and the request's time."""
    event: LiveEvent = dict(record.__dict__)
    event["id"] = number
    event["latency_ms"] = round(max(0.0, now - record.at) * 1000, 1)
    event["fallbacks_tried"] = max(0, record.tried.count("), ")) if record.tried else 0
    return event


class LiveFeed:
    def __init__(self, keep: int = KEEP, queue: int = QUEUE) -> None:
        self._recent: deque[LiveEvent] = deque(maxlen=keep)
        self._queues: set[asyncio.Queue[LiveEvent | None]] = set()
        self._queue_size = queue
        self._next = 1
        self.closed = False
        self.dropped = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def publish(self, record: DecisionRecord) -> None:
        event = live_event(self._next, record, time.time())
        self._next += 1
        self._recent.append(event)
        for queue in self._queues:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self.dropped += 1

    def recent(self, after: int = 0, last: int | None = None) -> list[LiveEvent]:
        """Kept events numbered above ``after``, oldest first (at most ``last`` of them)."""
        found = [e for e in self._recent if e["id"] > after]
        return found[-last:] if last else found

    def close(self) -> None:
        self.closed = True
        for queue in self._queues:
            try:
                queue.put_nowait(None)
            except asyncio.QueueFull:  # drop one event to make room for the end
                queue.get_nowait()
                queue.put_nowait(None)

    def close_soon(self) -> None:
        """``close`` from a signal handler: on the loop, at its next turn."""
        if self._loop is None or self._loop.is_closed():
            self.closed = True
        else:
            self._loop.call_soon_threadsafe(self.close)

    async def stream(
        self, after: int | None, heartbeat_s: float = HEARTBEAT_S
    ) -> AsyncIterator[bytes]:
        """Server-sent events: the kept backlog (after ``after``), then each new one."""
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(self._queue_size)
        self._queues.add(queue)
        try:
            yield b"retry: 1000\n\n"
            for event in self.recent(after or 0):
                yield encode(event)
            while not self.closed:
                try:
                    item = await asyncio.wait_for(queue.get(), heartbeat_s)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if item is None:
                    return
                yield encode(item)
        finally:
            self._queues.discard(queue)


def encode(event: LiveEvent) -> bytes:
    return b"id: %d\nevent: request\ndata: %s\n\n" % (event["id"], orjson.dumps(event))
