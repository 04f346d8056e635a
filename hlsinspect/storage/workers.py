"""Store requests on a pool of threads, without ever waiting for them on Ctrl-C.

`ThreadPoolExecutor` as a context manager waits for every queued call when an exception
(KeyboardInterrupt included) leaves the block, and at interpreter exit joins its threads, so
a worker blocked in a 30-second read holds the process. Here an interruption drops the queued
calls and returns at once; calls already in flight finish on their own, and the command line
ends the process without joining them (see `command.main`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_concurrently(call: Callable[[T], R], items: Sequence[T], workers: int,
                     done: Callable[[int], None] | None = None) -> list[R]:
    """`call` over `items` on up to `workers` threads, results in order; `done(1)` after each.

    One item is called on this thread, where Ctrl-C interrupts the request itself.
    """
    if len(items) <= 1:
        results = [call(item) for item in items]
        if done is not None and results:
            done(1)
        return results
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(items))))
    results = []
    try:
        for result in pool.map(call, items):
            results.append(result)
            if done is not None:
                done(1)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def ordered_ahead(call: Callable[[T], R], items: Sequence[T], window: int) -> Iterator[R]:
    """`call` over `items` on up to `window` threads, yielded in order, at most `window`
    started ahead of the one consumed: the waits of many overlap while memory holds a few.

    When the consumer stops early (an error, Ctrl-C, a closed generator), the calls not yet
    started are dropped and none in flight is waited for.
    """
    if window <= 1 or len(items) <= 1:
        for item in items:
            yield call(item)
        return
    pool = ThreadPoolExecutor(max_workers=min(window, len(items)))
    pending: deque[Future[R]] = deque()
    upcoming = iter(items)
    try:
        for item in upcoming:
            pending.append(pool.submit(call, item))
            if len(pending) >= window:
                break
        while pending:
            result = pending.popleft().result()
            for item in upcoming:
                pending.append(pool.submit(call, item))
                break
            yield result
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
