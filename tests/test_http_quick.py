"""HEAD by `http.client` (`storage.http_quick`): the same verdicts as urllib3's path, for
half its CPU, and urllib3 asked whenever the answer needs it (a redirect, throttling, a
transport failure, a URL to encode)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from hlsinspect import inspect
from hlsinspect.storage.base import Existence, ObjectState, RequestPolicy
from hlsinspect.storage.http import HttpStorage
from tests.conftest import FIXTURES
from tests.loopback import LoopbackServer
from tests.origin import Origin
from tests.s3proxy import S3Proxy
from tests.tls import Certificates, make_certificates

QUICK = RequestPolicy(attempts=2, passes=0, backoff=0.01, read_timeout=2.0, timeout=5.0)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    (tmp_path / "a.ts").write_bytes(b"\x47" * 188)
    (tmp_path / "b.ts").write_bytes(b"\x47" * 376)
    (tmp_path / "a b.ts").write_bytes(b"\x47" * 564)
    return tmp_path


def states(store: HttpStorage, keys: list[str]) -> list[ObjectState]:
    return [store.stat(key) for key in keys]


def by_urllib3(url: str, keys: list[str]) -> list[ObjectState]:
    store = HttpStorage(url, policy=QUICK)
    store.quick = None
    return states(store, keys)


@pytest.mark.parametrize("head_status", [None, 405, 403])
def test_the_quick_path_says_what_urllib3_says(root: Path, head_status: int | None):
    """Present with its size, missing, gone, refused or denied (then asked by GET): each
    answered by the quick path, each state the one urllib3's path gives."""
    keys = ["a.ts", "b.ts", "nothing.ts", "gone.ts"]
    with Origin(root, head_status=head_status, status={"/gone.ts": 410},
                content_types={"/a.ts": "video/mp2t"}) as origin:
        store = HttpStorage(origin.url, policy=QUICK)
        quick = states(store, keys)
        assert store.quick is not None
        assert store.quick.answered == (4 if head_status is None else 1)  # then by GET
        heads = origin.paths("HEAD")
        assert quick == by_urllib3(origin.url, keys)
    if head_status is None:
        assert [s.existence for s in quick] == [Existence.PRESENT, Existence.PRESENT,
                                                 Existence.MISSING, Existence.MISSING]
        assert (quick[0].size, quick[0].content_type, quick[1].size) == (188, "video/mp2t", 376)
    else:
        assert [s.existence for s in quick[:2]] == [Existence.PRESENT] * 2
        assert heads == ["/a.ts"]  # refused once, never asked twice


def test_connections_are_kept_alive(root: Path):
    with Origin(root) as origin:
        store = HttpStorage(origin.url, policy=QUICK)
        states(store, ["a.ts", "b.ts"] * 10)
        assert store.quick is not None and store.quick.answered == 20
        assert len(store.quick._idle) == 1  # one connection served all twenty, in turn


def test_an_origin_that_closes_every_connection_is_still_asked_quickly(root: Path):
    with Origin(root, hang_up="announced") as origin:
        store = HttpStorage(origin.url, policy=QUICK)
        found = states(store, ["a.ts", "b.ts", "nothing.ts"] * 5)
        assert store.quick is not None
        assert (store.quick.answered, store.quick.failures, store.quick._idle) == (15, 0, [])
    assert [s.existence for s in found[:3]] == [Existence.PRESENT, Existence.PRESENT,
                                                 Existence.MISSING]


@pytest.mark.parametrize("pause", [0.0, 0.02])
def test_a_connection_the_origin_closed_while_idle_is_not_counted_a_failure(
        root: Path, pause: float):
    """A server whose keep-alive has run out closes without a word. Seen before the next
    request (after a pause), the connection is not reused, as urllib3 checks; seen by the
    request itself (no pause: the close may still be on its way), the HEAD is asked once
    more on a new connection. Neither counts as a failure of the quick path."""
    with Origin(root, hang_up="silent") as origin:
        store = HttpStorage(origin.url, policy=QUICK)
        found = []
        for key in ["a.ts", "b.ts", "nothing.ts"] * 10:
            found.append(store.stat(key))
            time.sleep(pause)
        assert store.quick is not None
        assert (store.quick.answered, store.quick.failures) == (30, 0)
        assert len(origin.paths("HEAD")) <= 60
    assert [s.size for s in found[:2]] == [188, 376]
    assert all(s.existence is Existence.MISSING for s in found[2::3])


def test_an_ipv6_origin_without_a_port_is_asked_on_the_scheme_s_port():
    """http.client reads the end of an IPv6 address as a port when none is given."""
    for url, port in (("http://[::1]", 80), ("https://[2001:db8::a]", 443),
                      ("http://[::1]:8080", 8080)):
        quick = HttpStorage(url).quick
        assert quick is not None and quick.port == port
        connection = quick._new()
        assert (connection.host, connection.port) == (url.split("[")[1].split("]")[0], port)


def test_a_length_given_twice_differently_is_refused_as_urllib3_refuses_it(tmp_path: Path):
    """"Content-Length: 0" and "Content-Length: 9" in one answer: urllib3 refuses it, so the
    quick path hands it on rather than read it as a size (or a 404 as missing)."""
    lines = {"/twice.ts": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 9\r\n",
             "/twice-404.ts": b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                              b"Content-Length: 9\r\n",
             "/same.ts": b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nContent-Length: 9\r\n"}

    class Raw(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_HEAD(self) -> None:
            self.wfile.write(lines[self.path] + b"\r\n")

        def log_message(self, *args: object) -> None:
            return

    with LoopbackServer(Raw) as server:
        store = HttpStorage(server.url, policy=QUICK)
        quick = states(store, list(lines))
        plain = by_urllib3(server.url, list(lines))
    assert [s.existence for s in quick] == [s.existence for s in plain] == [
        Existence.UNKNOWN, Existence.UNKNOWN, Existence.PRESENT]
    assert quick[2] == plain[2]  # both read "9, 9" as no size


def test_a_redirect_is_followed_by_urllib3_and_ends_the_quick_path(root: Path):
    """urllib3 follows redirects within the origin: the redirected HEAD is asked again by it
    (one request more, once), and every later HEAD of the store by urllib3 alone."""
    with Origin(root, redirects={"/old.ts": "/a.ts"}) as origin:
        store = HttpStorage(origin.url, policy=QUICK)
        moved, plain = states(store, ["old.ts", "b.ts"])
        assert store.quick is not None and not store.quick.on
        assert origin.paths("HEAD") == ["/old.ts", "/old.ts", "/a.ts", "/b.ts"]
    assert (moved.existence, moved.size, plain.size) == (Existence.PRESENT, 188, 376)


def test_throttling_is_told_to_the_rate_limit_and_retried_by_urllib3(root: Path):
    """A 503 to the quick HEAD lowers the rate and is asked again by urllib3 (2 attempts):
    one request more than urllib3 alone makes, once, and the quick path is then off."""
    with (Origin(root) as origin,
          S3Proxy(origin.url, throttle=lambda method, path: path == "/a.ts") as proxy):
        store = HttpStorage(proxy.endpoint, policy=QUICK)
        throttled = store.stat("a.ts")
        assert store.quick is not None and not store.quick.on
        assert (proxy.throttled, store.limit.throttles) == (3, 3)
        assert store.limit.rate is not None
        assert store.stat("b.ts").size == 376 and store.quick.answered == 0
    assert throttled.existence is Existence.UNKNOWN and throttled.retryable


def test_a_reset_is_asked_again_by_urllib3(root: Path):
    """The first HEAD of a.ts is reset: urllib3 asks again and the object is present; after
    a few such failures the quick path is off for the store."""
    asked: dict[str, int] = {}

    def reset_once(method: str, path: str) -> str | None:
        asked[path] = asked.get(path, 0) + 1
        return "reset" if method == "HEAD" and asked[path] == 1 else None

    with Origin(root) as origin, S3Proxy(origin.url, fault=reset_once) as proxy:
        store = HttpStorage(proxy.endpoint, policy=QUICK)
        first = store.stat("a.ts")
        assert store.quick is not None
        assert (first.existence, first.size, store.quick.failures) == (Existence.PRESENT,
                                                                       188, 1)
        states(store, ["b.ts", "nothing.ts", "c.ts"])
        assert not store.quick.on and store.quick.answered == 0
        assert store.stat("a.ts").existence is Existence.PRESENT


def test_a_key_urllib3_would_encode_is_asked_by_urllib3(root: Path):
    with Origin(root) as origin:
        store = HttpStorage(origin.url, policy=QUICK)
        spaced = store.stat("a b.ts")
        lower = store.stat("a%2ets")  # urllib3 sends %2E: the same bytes, or it is not quick
        assert store.quick is not None and store.quick.answered == 0
        assert origin.paths("HEAD") == ["/a%20b.ts", "/a%2Ets"]
    assert (spaced.size, lower.size) == (564, 188)


@pytest.fixture()
def certificates(tmp_path: Path) -> Certificates:
    where = tmp_path / "tls"
    where.mkdir()
    return make_certificates(where)


def test_https_is_asked_quickly_when_the_origin_is_trusted(
        root: Path, certificates: Certificates, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.authority))
    with Origin(root, tls=certificates.server_context()) as origin:
        assert origin.url.startswith("https://127.0.0.1:")
        store = HttpStorage(origin.url, policy=QUICK)
        found = states(store, ["a.ts", "b.ts", "nothing.ts"])
        assert store.quick is not None and store.quick.answered == 3
        assert found == by_urllib3(origin.url, ["a.ts", "b.ts", "nothing.ts"])
    assert [s.size for s in found[:2]] == [188, 376]


@pytest.mark.parametrize("trust", ["none", "another host", "common name only"])
def test_https_that_is_not_trusted_is_never_answered(
        root: Path, tmp_path: Path, certificates: Certificates, trust: str,
        monkeypatch: pytest.MonkeyPatch):
    """An unknown authority, a certificate for another name, or one naming the host in its
    common name alone: the quick path fails, urllib3 fails the same way and says so, and
    nothing is found present or missing."""
    named = "127.0.0.1"
    if trust in ("another host", "common name only"):
        (tmp_path / "other").mkdir()
        named = "localhost" if trust == "common name only" else named
        other = make_certificates(
            tmp_path / "other", host="cdn.example.com" if trust == "another host" else named,
            alt_names=trust != "common name only")
        monkeypatch.setenv("SSL_CERT_FILE", str(other.authority))
        served = other.server_context()
    else:
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nothing.pem"))
        served = certificates.server_context()
    with Origin(root, tls=served) as origin:
        store = HttpStorage(origin.url.replace("127.0.0.1", named), policy=QUICK)
        found = states(store, ["a.ts", "b.ts", "nothing.ts", "a.ts"])
        assert store.quick is not None
        assert (store.quick.answered, store.quick.on) == (0, False)
    assert {s.existence for s in found} == {Existence.UNKNOWN}
    assert all("TLS handshake failed" in (s.reason or "") for s in found), found


def test_a_title_is_checked_over_https(tmp_path: Path, certificates: Certificates,
                                       monkeypatch: pytest.MonkeyPatch):
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "titles", site)
    (site / "cmaf/v1/seg002.m4s").unlink()
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.authority))
    with Origin(site, tls=certificates.server_context()) as origin:
        report = inspect([f"{origin.url}/cmaf/master.m3u8"])
    assert [(f.name, f.uri) for f in report.findings if f.severity == "error"] == [
        ("segment-missing", f"{origin.url}/cmaf/v1/seg002.m4s")]
    assert report.objects.checked == 15


def test_a_deadline_that_passes_while_connecting_ends_the_request(
        root: Path, monkeypatch: pytest.MonkeyPatch):
    """The origin's name has two addresses, and the first takes no connection (its backlog is
    full): connecting takes the whole deadline there, then succeeds at once on the second.
    There was no socket to cut when the deadline passed, so the request must end when the
    connection is made rather than run on without one. (No resolver here: the two-address
    answer stands in for DNS.)"""
    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    waiting = [socket.create_connection(full.getsockname())]  # the backlog's one place
    with Origin(root, trickle=lambda method, path: "headers") as origin:  # never ends
        served = ("127.0.0.1", int(origin.url.rsplit(":", 1)[1]))
        real = socket.getaddrinfo

        def two_addresses(host: object, port: object, *args: object, **kwargs: object):
            if host != "origin.test":
                return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
            stream = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "")
            return [(*stream, full.getsockname()), (*stream, served)]

        monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
        policy = RequestPolicy(attempts=1, passes=0, connect_timeout=5.0, timeout=1.0)
        store = HttpStorage(f"http://origin.test:{served[1]}", policy=policy)
        found: list[ObjectState] = []
        asking = threading.Thread(target=lambda: found.append(store.stat("a.ts")),
                                  daemon=True)
        asking.start()
        asking.join(5.0)
        assert not asking.is_alive(), "the request ran on past its deadline"
    full.close()
    for client in waiting:
        client.close()
    [state] = found
    assert state.existence is Existence.UNKNOWN, state
    assert "timed out after 1 s" in (state.reason or "")


def test_a_kept_connection_closed_as_the_request_arrives_is_asked_again_on_a_new_one():
    """The server takes the second request of each connection and closes without an answer
    (its keep-alive ran out as the request came): the quick path asks once more on a new
    connection, with no failure counted and no request for urllib3."""

    class Brief(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_HEAD(self) -> None:
            self.served = getattr(self, "served", 0) + 1
            if self.served > 1:
                self.close_connection = True  # says nothing
                return
            self.send_response(200)
            self.send_header("Content-Length", "7")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    with LoopbackServer(Brief) as server:
        store = HttpStorage(server.url, policy=QUICK)
        found = states(store, ["a.ts", "b.ts", "c.ts"])
        assert store.quick is not None
        assert (store.quick.answered, store.quick.failures) == (3, 0)
    assert [s.size for s in found] == [7, 7, 7]
