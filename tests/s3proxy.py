"""A small HTTP proxy on 127.0.0.1 in front of moto's server (or any origin), to misbehave.

It can delay every request (real S3 is 10-30 ms away; loopback is not), answer chosen
requests with 503 SlowDown, the way S3 throttles (`slowdown`: a seeded fraction of them), or
with another fault: a reset connection,
a stall, a 5xx, a body cut short or trickled a byte every 0.2 s, or any canned S3 error. It
records what it was asked. Used by tests and benchmarks alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.loopback import LoopbackServer

Throttle = Callable[[str, str], bool]
"""(method, path with query) -> answer 503 SlowDown instead of forwarding."""


@dataclass(frozen=True)
class Answer:
    """A canned answer: status, S3 error code and message (an XML body, except for HEAD)."""

    status: int
    code: str = ""
    message: str = ""
    s3: bool = True
    """Whether it carries S3's headers (x-amz-request-id); a load balancer's would not."""
    headers: tuple[tuple[str, str], ...] = ()
    """More headers to send with it (a Retry-After)."""


Fault = str | Answer
"""`reset` (the connection is reset), `stall` (no answer until the proxy stops), `truncate`
(the upstream answer, cut off after half its body), or an Answer."""
FaultRule = Callable[[str, str], "Fault | None"]
"""(method, path with query) -> the fault for this request, or None to forward it."""

SLOWDOWN = Answer(503, "SlowDown", "Please reduce your request rate.")
INTERNAL = Answer(500, "InternalError", "We encountered an internal error. Please try again.")
BAD_GATEWAY = Answer(502, s3=False)
GATEWAY_TIMEOUT = Answer(504, s3=False)


def slowdown(fraction: float, seed: int = 0, where: Throttle | None = None) -> Throttle:
    """A Throttle answering `fraction` of the requests `where` accepts (all by default) with
    503 SlowDown. Which ones is a hash of the seed, the request (method and path) and how
    many times it was asked before, so a run throttles the same requests, each the same
    number of times, whatever order its threads send them in."""
    asked: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def throttle(method: str, path: str) -> bool:
        if where is not None and not where(method, path):
            return False
        with lock:
            asked[method, path] += 1
            nth = asked[method, path]
        digest = hashlib.blake2b(f"{seed}\0{method}\0{path}\0{nth}".encode(),
                                 digest_size=8).digest()
        return int.from_bytes(digest, "big") < fraction * 2**64

    return throttle


def over_rate(per_second: float) -> Throttle:
    """A Throttle answering 503 SlowDown to every request beyond `per_second` in the last
    second, as S3 throttles a prefix asked more than it serves: unlike `slowdown`, this
    throttling eases when the client slows down."""
    answered: deque[float] = deque()
    lock = threading.Lock()

    def throttle(method: str, path: str) -> bool:
        now = time.monotonic()
        with lock:
            while answered and answered[0] <= now - 1.0:
                answered.popleft()
            if len(answered) >= per_second:
                return True
            answered.append(now)
            return False

    return throttle


def error_body(answer: Answer) -> bytes:
    if not answer.s3:
        return f"<html><body><h1>{answer.status}</h1></body></html>".encode()
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{answer.code}</Code>'
            f"<Message>{answer.message}</Message><RequestId>TESTPROXY</RequestId>"
            "</Error>").encode()


class S3Proxy(LoopbackServer):
    """Forward to `upstream` after `delay` seconds, unless `throttle` or `fault` intervene."""

    def __init__(self, upstream: str, delay: float = 0.0, throttle: Throttle | None = None,
                 fault: FaultRule | None = None,
                 before: Callable[[str, str], None] | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.delay = delay
        self.throttle = throttle
        self.fault = fault
        self.before = before
        """Called with (method, path) before each request is answered."""
        self.requests = 0
        self.throttled = 0
        self.methods: Counter[str] = Counter()
        self.log: list[tuple[str, str]] = []
        super().__init__(self._handler())

    @property
    def endpoint(self) -> str:
        return self.url

    def count(self, method: str, needle: str = "") -> int:
        return sum(1 for m, path in self.log if m == method and needle in path)

    def _fault_for(self, method: str, path: str) -> Fault | None:
        if self.throttle is not None and self.throttle(method, path):
            with self.lock:
                self.throttled += 1
            return SLOWDOWN
        return self.fault(method, path) if self.fault is not None else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def finish(self) -> None:
                with contextlib.suppress(OSError):  # the connection was reset on purpose
                    super().finish()

            def _relay(self) -> None:
                if self.path == "/__requests":  # the count, for benchmarks in another process
                    self._send(200, {}, str(proxy.requests).encode())
                    return
                if self.path == "/__throttled":  # how many of them were answered SlowDown
                    self._send(200, {}, str(proxy.throttled).encode())
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy.lock:
                    proxy.requests += 1
                    proxy.methods[self.command] += 1
                    proxy.log.append((self.command, self.path))
                if proxy.before is not None:
                    proxy.before(self.command, self.path)
                if proxy.delay:
                    time.sleep(proxy.delay)
                fault = proxy._fault_for(self.command, self.path)
                if fault == "reset":
                    self._reset()
                elif fault == "stall":
                    proxy.stopped.wait(120)
                    self.close_connection = True
                elif isinstance(fault, Answer):
                    headers = {"Content-Type": "application/xml" if fault.s3 else "text/html"}
                    if fault.s3:
                        headers["x-amz-request-id"] = "TESTPROXY"
                    headers.update(fault.headers)
                    self._send(fault.status, headers, error_body(fault))
                else:
                    self._forward(body, truncate=fault == "truncate", trickle=fault == "trickle")

            def _forward(self, body: bytes | None, truncate: bool, trickle: bool = False) -> None:
                connection = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                try:
                    connection.request(self.command, self.path, body=body,
                                       headers=dict(self.headers.items()))
                    response = connection.getresponse()
                    data = response.read()
                finally:
                    connection.close()
                headers = {name: value for name, value in response.getheaders()
                           if name.lower() not in ("connection", "transfer-encoding",
                                                   "content-length", "server", "date")}
                length = response.getheader("Content-Length") or str(len(data))
                if truncate and self.command != "HEAD":
                    self._send(response.status, headers, data[: len(data) // 2], length)
                    self.close_connection = True
                    return
                self._send(response.status, headers, data, length, trickle)

            def _send(self, status: int, headers: dict[str, Any], data: bytes,
                      length: str | None = None, trickle: bool = False) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD" and trickle:  # a byte every 0.2 s
                    self.close_connection = True
                    for byte in data:
                        if proxy.stopped.wait(0.2):
                            return
                        try:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                        except OSError:
                            return
                elif self.command != "HEAD":
                    self.wfile.write(data)

            def _reset(self) -> None:
                """Close with a TCP reset (SO_LINGER 0), as a dropped connection does."""
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _relay

        return Handler
