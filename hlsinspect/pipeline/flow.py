"""Run an iterator ahead of its consumer on a background thread, a bounded number of items.

The stages that wait on the store (listing a title, fetching its playlists) work on the next
titles while the current one is checked and judged; the bound keeps memory flat. When the
consumer stops early (an error, Ctrl-C) the producer is told to stop and is never joined, so
an interruption is never held up by a request in flight.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar, cast

T = TypeVar("T")

_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def ahead(items: Iterator[T], depth: int) -> Generator[T, None, None]:
    """`items` in order, produced on another thread up to `depth` items ahead."""
    if depth <= 0:
        yield from items
        return
    channel: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                channel.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    break
            else:
                put(_END)
        except BaseException as exc:
            put(_Failed(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    threading.Thread(target=produce, name="hlsinspect-ahead", daemon=True).start()
    try:
        while True:
            value = channel.get()
            if value is _END:
                return
            if isinstance(value, _Failed):
                raise value.error
            yield cast(T, value)
    finally:
        stop.set()
