"""A small HTTP proxy on 127.0.0.1 in front of moto's server, to make S3 misbehave.

It can delay every request (real S3 is 10-30 ms away; loopback is not) and answer chosen
requests with 503 SlowDown, the way S3 throttles. Used by tests and benchmarks alike.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Throttle = Callable[[str, str], bool]
"""(method, path with query) -> answer 503 SlowDown instead of forwarding."""

_SLOWDOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
             b"<Message>Please reduce your request rate.</Message></Error>")


class S3Proxy:
    """Forward to `upstream` after `delay` seconds, unless `throttle` says to refuse."""

    def __init__(self, upstream: str, delay: float = 0.0,
                 throttle: Throttle | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.delay = delay
        self.throttle = throttle
        self.requests = 0
        self.throttled = 0
        self.methods: Counter[str] = Counter()
        self.log: list[tuple[str, str]] = []
        """(method, path with query) of every request, in order."""
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> S3Proxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _relay(self) -> None:
                if self.path == "/__requests":  # the count, for benchmarks in another process
                    count = str(proxy.requests).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(count)))
                    self.end_headers()
                    self.wfile.write(count)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy.lock:
                    proxy.requests += 1
                    proxy.methods[self.command] += 1
                    proxy.log.append((self.command, self.path))
                if proxy.delay:
                    time.sleep(proxy.delay)
                if proxy.throttle is not None and proxy.throttle(self.command, self.path):
                    with proxy.lock:
                        proxy.throttled += 1
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(_SLOWDOWN)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(_SLOWDOWN)
                    return
                connection = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                try:
                    connection.request(self.command, self.path, body=body,
                                       headers=dict(self.headers.items()))
                    response = connection.getresponse()
                    data = response.read()
                finally:
                    connection.close()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in ("connection", "transfer-encoding", "content-length",
                                            "server", "date"):
                        self.send_header(name, value)
                length_header = response.getheader("Content-Length")
                self.send_header("Content-Length", length_header or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _relay

        return Handler
