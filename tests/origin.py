"""A small HTTP origin on 127.0.0.1 serving a directory, with the habits of real origins.

It answers GET and HEAD with Content-Length, GET with `Range: bytes=a-b` with 206 and
Content-Range (416 past the end), and can be told to refuse HEAD (405), to redirect chosen
paths, or to stall. Every request is recorded, so tests can see what was asked and of whom.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.loopback import LoopbackServer

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class Origin(LoopbackServer):
    """Serve `root` over HTTP/1.1 on 127.0.0.1 until the `with` block ends."""

    def __init__(self, root: Path, *, head_status: int | None = None,
                 redirects: dict[str, str] | None = None,
                 stall: Callable[[str, str], bool] | None = None,
                 get_status: dict[str, int] | None = None,
                 reasons: dict[int, str] | None = None,
                 content_types: dict[str, str] | None = None,
                 status: dict[str, int] | None = None,
                 trickle: Callable[[str, str], str | None] | None = None,
                 unsized: Callable[[str], bytes | None] | None = None,
                 etags: bool = False,
                 hold: Callable[[str], int | None] | None = None,
                 pause: Callable[[str, str], None] | None = None,
                 hang_up: str | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.root = root
        self.tls = tls
        """Serve HTTPS with this context (`tests.tls`) when set."""
        self.hang_up = hang_up
        """Close every connection after its answer: "announced" says so (`Connection:
        close`), "silent" does not (as a server whose keep-alive timeout has passed)."""
        self.hold = hold
        """path (with its query) -> called before a GET is answered, and may take its time
        (a blocking playlist reload); a status to answer instead, or None to answer as usual."""
        self.pause = pause
        """(method, path) -> called before the answer (a sleep, a wait): a distant origin."""
        self.flight = 0
        self.peak = 0
        """Requests being answered now, and the most at once (how many a client sends)."""
        self.answered: list[tuple[str, str]] = []
        """Requests in the order they were answered (`requests`: as they arrived)."""
        self.etags = etags
        """Serve an ETag (a hash of the body) and answer If-None-Match with 304 when set."""
        self.not_modified = 0
        """304 answers given."""
        self.content_types = content_types or {}
        """Path -> the Content-Type its file is served with (none by default)."""
        self.head_status = head_status
        """Answer every HEAD with this status (405: "method not allowed") when set."""
        self.redirects = redirects or {}
        """Path -> Location, answered with 302."""
        self.stall = stall
        """(method, path) -> hold the request without an answer until the server stops."""
        self.get_status = get_status or {}
        """Path -> status answered to GET only (a GET denied where HEAD passes, as a CDN's
        token check may)."""
        self.reasons = reasons or {}
        """Status -> the reason phrase of its status line, when not the standard one."""
        self.status = status or {}
        """Path -> status answered to every method (410 Gone for an object removed)."""
        self.trickle = trickle
        """(method, path) -> "headers" or "body": send that part (and all after it) one
        byte every 0.2 s, as a server that never quite stops answering."""
        self.unsized = unsized
        """path -> a body to send without Content-Length, ended by closing (None: the file)."""
        self.requests: list[tuple[str, str]] = []
        self.arrived = threading.Event()
        super().__init__(self._handler())
        if tls is not None:  # each handshake on the request's own thread, not the accept loop
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True,
                                                 do_handshake_on_connect=False)

    @property
    def url(self) -> str:
        return super().url.replace("http://", "https://", 1) if self.tls else super().url

    def paths(self, method: str | None = None) -> list[str]:
        return [path for m, path in self.requests if method in (None, m)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _answer(self) -> None:
                with origin.lock:
                    origin.requests.append((self.command, self.path))
                    origin.flight += 1
                    origin.peak = max(origin.peak, origin.flight)
                origin.arrived.set()
                try:
                    if origin.pause is not None:
                        origin.pause(self.command, self.path)
                    self._respond()
                finally:
                    with origin.lock:
                        origin.flight -= 1
                        origin.answered.append((self.command, self.path))

            def _respond(self) -> None:
                if origin.stall is not None and origin.stall(self.command, self.path):
                    origin.stopped.wait(120)
                    self.close_connection = True
                    return
                slow = origin.trickle(self.command, self.path) if origin.trickle else None
                if slow is not None:
                    self._trickle(slow)
                    return
                body = origin.unsized(self.path) if origin.unsized else None
                if body is not None:
                    self._unsized(body)
                    return
                held = origin.hold(self.path) if origin.hold and self.command == "GET" else None
                if held is not None:
                    self._send(held, b"")
                    return
                if self.path in origin.redirects:
                    self._send(302, b"", {"Location": origin.redirects[self.path]})
                    return
                if self.path in origin.status:
                    self._send(origin.status[self.path], b"")
                    return
                if self.command == "GET" and self.path in origin.get_status:
                    self._send(origin.get_status[self.path], b"")
                    return
                if self.command == "HEAD" and origin.head_status is not None:
                    self._send(origin.head_status, b"")
                    return
                file = origin.root / unquote(urlsplit(self.path).path).lstrip("/")
                if not file.is_file():
                    self._send(404, b"<html><body>404 Not Found</body></html>",
                               {"Content-Type": "text/html"})
                    return
                self._serve(file.read_bytes())

            def _serve(self, data: bytes) -> None:
                wanted = _RANGE.match(self.headers.get("Range", ""))
                kind = origin.content_types.get(self.path)
                headers = {"Content-Type": kind} if kind else {}
                if origin.etags:
                    headers["ETag"] = f'"{hashlib.sha256(data).hexdigest()[:16]}"'
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        with origin.lock:
                            origin.not_modified += 1
                        self._send(304, b"", headers)
                        return
                if self.command != "GET" or wanted is None:
                    self._send(200, data, headers or None)
                    return
                start = int(wanted.group(1))
                end = min(int(wanted.group(2) or len(data) - 1), len(data) - 1)
                if start >= len(data):
                    self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                    return
                self._send(206, data[start:end + 1],
                           {"Content-Range": f"bytes {start}-{end}/{len(data)}"})

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
                      ) -> None:
                self.send_response(status, origin.reasons.get(status))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if origin.hang_up == "announced":
                    self.send_header("Connection", "close")  # and http.server closes it
                self.close_connection = self.close_connection or origin.hang_up == "silent"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _trickle(self, part: str) -> None:
                head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.apple.mpegurl\r\n"
                        b"Content-Length: 100000\r\n\r\n")
                self.close_connection = True
                if part == "body":
                    self.wfile.write(head)
                    head = b""
                for byte in head + b"#EXTM3U\n" + b"#" * 99992:
                    if origin.stopped.wait(0.2):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        return

            def _unsized(self, body: bytes) -> None:
                self.close_connection = True
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    with contextlib.suppress(OSError):
                        self.wfile.write(body)

            do_GET = do_HEAD = _answer

        return Handler
