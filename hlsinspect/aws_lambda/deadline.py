"""Stopping a check before Lambda's time runs out, so the function answers instead of dying.

Lambda kills a function at its timeout, with nothing returned and nothing written. The run
already knows how to stop cleanly on Ctrl-C (a KeyboardInterrupt raised in the main thread,
turned by `inspect` into `Interrupted` with the report of what was completed), so the deadline
raises one of those, `DeadlineReached`, from a one-shot timer (SIGALRM via `setitimer`): Lambda
calls the handler in the process's main thread, the only one a signal handler runs in. The
timer and its handler live only as long as one `armed` block; the previous handler is put back.
Off the main thread (a handler called from a worker thread) no timer is set and the run is
never cut short. A deadline that lands where Python cannot raise it (a weak reference's
callback, a finaliser: Python prints "Exception ignored" and goes on) is raised again a
moment later, from the same timer, so the function still answers in time.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, NoReturn

from hlsinspect.errors import DeadlineReached

RESERVE = 3.0
AGAIN_AFTER = 0.001
"""Seconds until a deadline swallowed by a callback is raised again."""
"""Seconds kept, at most, after the deadline: to write the reports and return the answer."""


class Deadline:
    """The moment the handler must stop inspecting: Lambda's remaining time less a reserve
    (a quarter of it when that is less than RESERVE). None when the context says nothing."""

    def __init__(self, context: Any) -> None:
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        self.ends: float | None = None
        if callable(remaining):
            left = float(remaining()) / 1000
            self.ends = time.monotonic() + left - min(RESERVE, left / 4)

    def left(self) -> float | None:
        """Seconds before the deadline (0 or less once passed); None without one."""
        return None if self.ends is None else self.ends - time.monotonic()

    @property
    def passed(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    @contextmanager
    def armed(self) -> Iterator[None]:
        """Raise DeadlineReached in this block when the deadline comes."""
        left = self.left()
        if left is None or threading.current_thread() is not threading.main_thread():
            yield
            return
        if left <= 0:
            raise DeadlineReached()
        previous = signal.signal(signal.SIGALRM, _reached)
        previous_hook = sys.unraisablehook

        def swallowed(unraisable: Any) -> None:
            if isinstance(unraisable.exc_value, DeadlineReached):
                signal.setitimer(signal.ITIMER_REAL, AGAIN_AFTER)  # where it can be raised
                return
            previous_hook(unraisable)

        sys.unraisablehook = swallowed
        signal.setitimer(signal.ITIMER_REAL, left)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            sys.unraisablehook = previous_hook


def _reached(signum: int, frame: FrameType | None) -> NoReturn:
    raise DeadlineReached()
