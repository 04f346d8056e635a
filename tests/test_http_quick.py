"""HEAD by `http.client` (`storage.http_quick`): the same verdicts as urllib3's path, for
half its CPU, and urllib3 asked whenever the answer needs it (a redirect, throttling, a
transport failure, a URL to encode)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from hlsinspect import inspect
from hlsinspect.storage.base import Existence, ObjectState, RequestPolicy
from hlsinspect.storage.http import HttpStorage
from tests.conftest import FIXTURES
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


def test_a_connection_the_origin_closed_while_idle_is_not_used_again(root: Path):
    """A server whose keep-alive has run out closes without a word: the quick path sees the
    connection's end before reusing it, as urllib3 does, rather than fail on it."""
    with Origin(root, hang_up="silent") as origin:
        store = HttpStorage(origin.url, policy=QUICK)
        found = []
        for key in ["a.ts", "b.ts", "nothing.ts"] * 3:
            found.append(store.stat(key))
            time.sleep(0.02)  # the server's end of the connection arrives meanwhile
        assert store.quick is not None
        assert (store.quick.answered, store.quick.failures) == (9, 0)
    assert [s.size for s in found[:2]] == [188, 376]


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


@pytest.mark.parametrize("trust", ["none", "another host"])
def test_https_that_is_not_trusted_is_never_answered(
        root: Path, tmp_path: Path, certificates: Certificates, trust: str,
        monkeypatch: pytest.MonkeyPatch):
    """An unknown authority, or a certificate for another name: the quick path fails, urllib3
    fails the same way and says so, and nothing is found present or missing."""
    if trust == "another host":
        (tmp_path / "other").mkdir()
        other = make_certificates(tmp_path / "other", host="cdn.example.com")
        monkeypatch.setenv("SSL_CERT_FILE", str(other.authority))
        served = other.server_context()
    else:
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nothing.pem"))
        served = certificates.server_context()
    with Origin(root, tls=served) as origin:
        store = HttpStorage(origin.url, policy=QUICK)
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
