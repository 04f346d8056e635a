"""One adaptive request rate per store, shared by its threads: slower when throttled.

S3 answers 503 SlowDown past a few thousand requests a second on one prefix (while it scales
a prefix, far fewer), HTTP origins and CDNs 429 or 503. Retrying each request on its own, as
the HTTP clients do, keeps the rate that caused the throttling: every thread backs off, and
then all of them come back at once. Here every request of a store first takes a token from
one bucket (`acquire`), and every answer is reported (`throttled`, `succeeded`):

- until the first throttling answer there is no limit at all, and `acquire` only counts
  (a lock and a clock read, against about 2 ms of client CPU a request);
- a throttling answer sets the rate to half of what was being sent (multiplicative
  decrease), but only once per round trip: an answer to a request sent before the last
  decrease tells nothing of the rate since (`ticket`), as in TCP;
- each success raises the rate by `recovery / rate`, that is by `recovery` requests a
  second for each second of successes (additive increase); once the rate is twice what is
  being asked of it, the limit no longer binds and is lifted;
- never below `floor` requests a second: a run must end; what is still throttled then is
  retried in later passes and, at worst, reported unverified (never missing);
- an answer that says when to come back (an HTTP `Retry-After`) holds every request until
  then (`pause`), within `MAX_PAUSE` seconds.

botocore's own `adaptive` retry mode was measured and is not enough: it tells throttling by
the error code in the answer's body, and a HEAD answer has none (its 503 reads as a plain
5xx), so it never slowed HEADs down; on listings it did, down to its own floor of 0.5
requests a second, where 200 listings at 50% SlowDown took 291 s. It also cannot see an
HTTP origin's requests, which go through urllib3.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

FLOOR = 50.0
"""Requests a second, the least a throttled store is slowed to. S3 serves at least 5,500
reads a second on a prefix once it has scaled it: 32 shards of one audit at this floor stay
under that, each with two limits (its checking and listing processes). Throttling that does
not ease as the rate falls (a proxy's, a prefix S3 is still scaling) holds the rate here;
measured at 30% SlowDown and 30 ms, an 11-title audit took 15.7 s at a floor of 10, 7.2 s
at this one (1.2 s unthrottled)."""
DECREASE = 0.5
"""The rate after a throttling answer, as a share of what was being sent."""
RECOVERY_SHARE = 0.1
"""Of the rate sent when throttling began, the increase a second while answers succeed:
from half of it back to all of it in about five seconds."""
MAX_PAUSE = 10.0
"""Seconds at most that a Retry-After holds the requests of a store."""
RETRY_BASE = 0.05
"""Seconds: the first retry of a throttled request waits up to this, each next one twice as
long (botocore waits up to 1 s, then 2 and 4, request by request)."""
_WINDOW = 0.5
"""Seconds over which the rate being sent is measured."""


class RateLimit:
    """The token bucket of one store. `clock` and `sleep` are injectable, for tests."""

    def __init__(self, *, floor: float = FLOOR, decrease: float = DECREASE,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.floor = floor
        self.decrease = decrease
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._local = threading.local()
        self._rate: float | None = None
        """Requests a second allowed; None: no limit."""
        self._recovery = floor
        self._next = 0.0
        """When the next token is free (tokens are spaced 1 / rate apart)."""
        self._paused_until = 0.0
        self._epoch = 0
        """Decreases so far: a request carries the epoch it was sent in (its ticket)."""
        self._started = clock()
        self._sent = 0
        self._sending = 0.0
        """The rate measured over the last whole window."""
        self.throttles = 0
        """Throttling answers seen (those of every round trip, not only the decreases)."""
        self.decreases = 0
        self.waited = 0.0
        """Seconds requests spent waiting for a token, added over threads."""

    @property
    def rate(self) -> float | None:
        """Requests a second now allowed; None when there is no limit."""
        return self._rate

    def acquire(self) -> None:
        """Wait for a token; remember (for this thread) when the request was sent."""
        with self._lock:
            now = self._clock()
            self._count(now)
            self._local.ticket = self._epoch
            due = max(now, self._paused_until)
            if self._rate is not None:
                due = max(due, self._next)
                self._next = due + 1.0 / self._rate
            wait = due - now
            if wait > 0:
                self.waited += wait
        if wait > 0:
            self._sleep(wait)

    def throttled(self) -> None:
        """The answer to this thread's last request was a throttling one."""
        with self._lock:
            self.throttles += 1
            if getattr(self._local, "ticket", self._epoch) != self._epoch:
                return  # sent before the last decrease
            now = self._clock()
            sending = self._sending_rate(now)
            if self._rate is None:
                self._recovery = max(self.floor, sending * RECOVERY_SHARE)
                self._next = now
            base = sending if self._rate is None else min(self._rate, sending or self._rate)
            self._rate = max(self.floor, base * self.decrease)
            self._epoch += 1
            self.decreases += 1

    def succeeded(self) -> None:
        """The answer to this thread's last request was not a throttling one."""
        if self._rate is None:  # read without the lock: the common case costs nothing
            return
        with self._lock:
            if self._rate is None:
                return
            self._rate += self._recovery / self._rate
            if self._rate >= 2 * max(self._sending_rate(self._clock()), self.floor):
                self._rate = None  # asked for less than half of it: the limit is lifted

    def pause(self, seconds: float) -> None:
        """Hold every request of the store for `seconds` (at most MAX_PAUSE)."""
        with self._lock:
            until = self._clock() + min(max(0.0, seconds), MAX_PAUSE)
            self._paused_until = max(self._paused_until, until)

    def _count(self, now: float) -> None:
        self._sent += 1
        elapsed = now - self._started
        if elapsed >= _WINDOW:
            self._sending = self._sent / elapsed
            self._started, self._sent = now, 0

    def _sending_rate(self, now: float) -> float:
        """Requests a second sent lately: the last whole window's, or this one's if higher."""
        current = self._sent / max(now - self._started, 0.05)  # a burst at the start too
        return max(self._sending, current)


def retry_delay(attempt: int) -> float:
    """Seconds before asking again a request throttled `attempt` times (1 after the first),
    with full jitter: short, since waiting for a token of the store's limit is what slows the
    store down, and each request waiting seconds of its own holds up what follows it."""
    return random.random() * min(RETRY_BASE * 2.0 ** (attempt - 1), 1.0)
