"""HEAD over the standard library's `http.client`, for the answer nearly every HEAD gets.

Why: an origin has no listing, so a title of 900 segments is 900 HEADs, and urllib3 costs the
client about twice the CPU of `http.client` for each (one at a time 0.27 ms against 0.12 ms
here; with 32 threads 0.55 ms against 0.2-0.3 ms: its pool, its Retry and its URL parsing,
all under one interpreter lock). Against a near origin, or at `--concurrency` 64 and more
against a far one, that CPU sets the pace (benchmarks/README.md, `http_latency`).

The quick path gives every answer the store reads by its status alone: present (200, 203,
204, with size and type), missing (404, 410), refused or denied (405, 501, 401, 403, which the
store then asks by GET) and the rest. Two kinds it hands on, as None: a redirect, which
urllib3 follows within the origin, and a throttling or transient error (429, 500, 502, 503,
504), which urllib3 retries with backoff; that answer is told to the rate limit, urllib3 asks
again, and the path is off for the store from then on (an origin that redirects or throttles
would pay a request twice). So is it after a few transport failures (a reset, a timeout, TLS,
an answer urllib3 would refuse): urllib3 asks again and words the failure. A kept connection
the server closed while it was idle is not reused, and one it closes as the request arrives
is asked again once on a new connection, as urllib3 does; neither is a failure. Each request
keeps to the store's slots (its caller holds one), its rate limit and the request's total
deadline, which is watched again once connected (a name with several addresses may take the
whole deadline to connect, before there is a socket to cut). TLS is as strict as urllib3's
(`_tls_context`).
"""

from __future__ import annotations

import http.client
import re
import select
import ssl
import threading
import weakref
from typing import TYPE_CHECKING

from hlsinspect.storage.deadline import Deadline, current
from hlsinspect.storage.http_throttle import tell

if TYPE_CHECKING:
    from hlsinspect.storage.base import RequestPolicy
    from hlsinspect.storage.throttle import RateLimit

HANDED_ON = frozenset({301, 302, 303, 307, 308, 429, 500, 502, 503, 504})
"""Answers urllib3 must handle (it follows redirects and retries these): asked again by it."""
_PLAIN = re.compile(r"/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-F]{2})*")
"""A request target sent as it is written: urllib3 would send the same bytes (no character
to encode, no lower-case percent escape to raise, see `_plain`)."""
_GIVE_UP = 3
"""Transport failures after which the store stops using the quick path."""
_HUNG_UP = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
            ConnectionAbortedError)
"""How a kept connection that the server has closed fails: asked again on a new one."""


class QuickHead:
    """Kept-alive `http.client` connections to one origin, for HEAD alone."""

    def __init__(self, scheme: str, host: str, port: int | None, policy: RequestPolicy,
                 limit: RateLimit, headers: dict[str, str]) -> None:
        self.tls = scheme == "https"
        self.host = host
        self.port = port or (443 if self.tls else 80)
        """Always given: http.client would read the end of an IPv6 address as a port."""
        self.limit = limit
        self.headers = headers
        self.connect_timeout = min(policy.connect_timeout, policy.timeout)
        self.read_timeout = min(policy.read_timeout, policy.timeout)
        self.most_idle = max(1, policy.concurrency)
        self.failures = 0
        self.answered = 0
        """HEADs this path answered (a measure, for the benchmarks and tests)."""
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._context: ssl.SSLContext | None = None
        # the kept-alive connections close with the store, as urllib3's pools do
        weakref.finalize(self, _close_all, self._idle, self._lock)

    @property
    def on(self) -> bool:
        return self.failures < _GIVE_UP

    def head(self, path: str) -> tuple[int, str | None, str | None] | None:
        """HEAD `path` (from "/"): its status, Content-Length and Content-Type; None when
        urllib3 is to ask instead."""
        if not self.on or not _plain(path):
            return None
        watch = current()
        response = self._answer(path, watch)
        if response is None:
            return None
        length = response.getheader("Content-Length")
        if _conflicting(length):  # urllib3 refuses such an answer (InvalidHeader): it words it
            self._failed(watch)
            return None
        tell(self.limit, response)  # type: ignore[arg-type]  # it reads .status and .headers
        if response.status in HANDED_ON:
            with self._lock:
                self.failures = _GIVE_UP
            return None
        with self._lock:
            self.answered += 1
        return response.status, length, response.getheader("Content-Type")

    def _answer(self, path: str, watch: Deadline | None) -> http.client.HTTPResponse | None:
        """The answer to HEAD `path`, its connection kept for the next request or closed;
        None on a failure (counted). A kept connection that the server closes as the request
        arrives is no failure: the request is asked once more on a new connection."""
        connection, kept = self._take()
        try:
            try:
                response = self._ask(connection, path, watch)
            except _HUNG_UP:
                if not kept or (watch is not None and watch.expired):
                    raise
                connection.close()
                if watch is not None:
                    watch.release(connection)
                connection = self._new()
                response = self._ask(connection, path, watch)
        except Exception:  # refused, timed out, TLS, a malformed answer: urllib3 says
            connection.close()
            self._failed(watch)
            return None
        finally:
            if watch is not None:
                watch.release(connection)
        if response.will_close or _conflicting(response.getheader("Content-Length")):
            connection.close()
        else:
            self._give(connection)
        return response

    def _ask(self, connection: http.client.HTTPConnection, path: str,
             watch: Deadline | None) -> http.client.HTTPResponse:
        """One HEAD on `connection`, under the request's deadline: watched before it
        connects, and again once connected (which raises if the deadline passed meanwhile,
        as when connecting took its time: there was no socket yet to cut)."""
        if watch is not None:
            watch.attach(connection)
        if connection.sock is None:
            connection.connect()
            if watch is not None:
                watch.attach(connection)
            assert connection.sock is not None
            connection.sock.settimeout(self.read_timeout)
        self.limit.acquire()
        connection.request("HEAD", path, headers=self.headers)
        response = connection.getresponse()
        response.read()  # nothing: a HEAD answer has no body
        return response

    def _failed(self, watch: Deadline | None) -> None:
        """A transport failure, unless the deadline caused it (urllib3 then says so)."""
        if watch is None or not watch.expired:
            with self._lock:
                self.failures += 1

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        """A connection, and whether it was kept from an earlier request."""
        while True:
            with self._lock:
                if not self._idle:
                    break
                kept = self._idle.pop()
            if not _dropped(kept):
                return kept, True
            kept.close()  # the server hung up while it was idle, as urllib3 checks too
        return self._new(), False

    def _new(self) -> http.client.HTTPConnection:
        if not self.tls:
            return http.client.HTTPConnection(self.host, self.port,
                                              timeout=self.connect_timeout)
        with self._lock:
            if self._context is None:
                self._context = _tls_context()
        return http.client.HTTPSConnection(self.host, self.port, timeout=self.connect_timeout,
                                           context=self._context)

    def _give(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self.most_idle:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        _close_all(self._idle, self._lock)


def _tls_context() -> ssl.SSLContext:
    """As strict as urllib3's: the system's trust (SSL_CERT_FILE too), the name checked
    against the certificate's subjectAltName only (never its common name), TLS 1.2 or
    later, no session tickets."""
    context = ssl.create_default_context()
    context.hostname_checks_common_name = False
    context.minimum_version = max(context.minimum_version, ssl.TLSVersion.TLSv1_2)
    context.options |= ssl.OP_NO_TICKET
    return context


def _conflicting(length: str | None) -> bool:
    """Content-Length given twice with different values ("0, 9"), which urllib3 refuses."""
    if length is None or "," not in length:
        return False
    try:
        return len({int(value) for value in length.split(",")}) > 1
    except ValueError:
        return False


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection has something to read: the server's end of it (or bytes
    nobody asked for), so it cannot carry a request."""
    if connection.sock is None:
        return False
    poll = select.poll()  # not select(): no limit on the descriptor's number
    poll.register(connection.sock, select.POLLIN)
    return bool(poll.poll(0))


def _close_all(idle: list[http.client.HTTPConnection], lock: threading.Lock) -> None:
    with lock:
        connections = idle[:]
        idle.clear()
    for connection in connections:
        connection.close()


def _plain(path: str) -> bool:
    """Whether `path` goes out as urllib3 would send it: nothing to encode and no dot
    segment to remove (a store's keys are normalised; a key that is not is asked by urllib3)."""
    return _PLAIN.fullmatch(path) is not None and "/./" not in path and "/../" not in path \
        and not path.endswith(("/.", "/.."))
