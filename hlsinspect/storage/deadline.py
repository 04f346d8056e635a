"""A total deadline per HTTP request: connecting, the headers and the body together.

urllib3's timeouts bound each wait for a byte, so a server that trickles one byte a second
never trips them. Here a request runs inside `deadline(seconds)`; every connection it uses
is registered with it (`Connection.request`), and one watchdog thread shuts those sockets
down when the deadline passes, which ends any read blocked on them. The caller then sees
`Deadline.expired` and reports "timed out after N s" instead of whatever the cut caused.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_local = threading.local()


class Deadline:
    """The connections of one request, cut when its time is up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self.done = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()

    def attach(self, connection: Any) -> None:
        """Watch `connection` (or a socket) until the request ends; TimeoutError once it is
        too late."""
        with self._lock:
            if self.expired:
                raise TimeoutError(f"timed out after {self.seconds:g} s")
            self._connections.append(connection)

    def release(self, connection: Any) -> None:
        """Stop watching `connection`: it goes back to the pool, to serve someone else."""
        sock = getattr(connection, "sock", None)
        with self._lock:
            self._connections = [c for c in self._connections
                                 if c is not connection and (sock is None or c is not sock)]

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            for connection in self._connections:
                _cut(connection)
            self._connections = []

    def finish(self) -> None:
        with self._lock:
            self.done = True
            self._connections = []


def _cut(connection: Any) -> None:
    sock = connection if isinstance(connection, socket.socket) else getattr(
        connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # closed already
            sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One thread for every deadline of the process, sleeping until the nearest one."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline) -> None:
        with self._wake:
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hlsinspect-deadline",
                                                daemon=True)
                self._thread.start()
            if self._heap[0][2] is deadline:  # sooner than any other: wake up earlier
                self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._wake.wait()
                    continue
                left = self._heap[0][0] - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                heapq.heappop(self._heap)[2].fire()


_watchdog = _Watchdog()


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Run the requests of this thread inside the block under one deadline of `seconds`."""
    watch = Deadline(seconds)
    previous = getattr(_local, "deadline", None)
    _local.deadline = watch
    _watchdog.watch(watch)
    try:
        yield watch
    finally:
        watch.finish()
        _local.deadline = previous


def current() -> Deadline | None:
    """The deadline of the request this thread is making, if any."""
    return getattr(_local, "deadline", None)


def _watched(connection: Any, send: Any) -> None:
    """Send a request on `connection` under the current deadline. Its socket is watched
    too: a response without a length takes the socket over from the connection, whose
    `sock` is then None while the body is read."""
    watch = current()
    if watch is not None:
        watch.attach(connection)
    send()
    if watch is not None and connection.sock is not None:
        watch.attach(connection.sock)


def pool_classes() -> dict[str, type[Any]]:
    """urllib3 pool classes whose connections register with the current deadline."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Watched(HTTPConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _watched(self, lambda: super(Watched, self).request(*args, **kwargs))

    class WatchedTls(HTTPSConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _watched(self, lambda: super(WatchedTls, self).request(*args, **kwargs))

    class Pool(HTTPConnectionPool):
        ConnectionCls = Watched

    class TlsPool(HTTPSConnectionPool):
        ConnectionCls = WatchedTls

    return {"http": Pool, "https": TlsPool}
