"""Throttling: a store slows down when S3 (or an origin) says so, and never calls a throttled
object missing.

The limiter's arithmetic is shown on a fake clock; the rest runs against moto's server over
HTTP, behind the tests' proxy answering a seeded share of the requests with 503 SlowDown (an
XML body on GET and listings, no body on HEAD, as S3 does).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest

from hlsinspect.pipeline.verify import verify
from hlsinspect.settings import VerifySettings
from hlsinspect.storage.base import Existence, RequestPolicy
from hlsinspect.storage.http import HttpStorage
from hlsinspect.storage.http_throttle import retry_after
from hlsinspect.storage.s3 import S3Storage
from hlsinspect.storage.throttle import MAX_PAUSE, RateLimit
from tests.conftest import BUCKET, FIXTURES, S3
from tests.origin import Origin
from tests.s3proxy import Answer, S3Proxy, slowdown

BUSY = Answer(429, s3=False, headers=(("Retry-After", "1"),))
SEGMENTS = 80
LONG = "HLS/long/index.m3u8"


class Clock:
    """A clock that moves only when slept on (or told to)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(clock: Clock, floor: float = 10.0) -> RateLimit:
    return RateLimit(clock=clock, sleep=clock.sleep, floor=floor)


def send(limit: RateLimit, clock: Clock, count: int, every: float) -> None:
    for _ in range(count):
        limit.acquire()
        clock.now += every


# -- the limiter, on a fake clock ------------------------------------------------------------

def test_no_limit_until_throttled():
    clock = Clock()
    limit = limiter(clock)
    send(limit, clock, 1000, 0.001)
    limit.succeeded()
    assert limit.rate is None
    assert clock.slept == []


def test_a_throttle_halves_what_was_sent_and_spaces_the_tokens():
    clock = Clock()
    limit = limiter(clock)
    send(limit, clock, 200, 0.005)  # 200 requests a second
    limit.throttled()
    assert limit.rate == pytest.approx(100.0, rel=0.02)
    clock.slept.clear()
    for _ in range(5):
        limit.acquire()  # sent at once: each waits for its token, 1/rate apart
    assert clock.slept == pytest.approx([1 / limit.rate] * 4)


def test_one_decrease_per_round_trip():
    """Answers to requests sent before a decrease say nothing of the new rate."""
    clock = Clock()
    limit = limiter(clock)
    send(limit, clock, 200, 0.005)
    limit.throttled()
    limit.throttled()  # the same request's ticket: the burst it belongs to was counted
    assert (limit.decreases, limit.throttles) == (1, 2)
    assert limit.rate == pytest.approx(100.0, rel=0.02)
    limit.acquire()  # sent at the new rate, and throttled too
    limit.throttled()
    assert limit.rate == pytest.approx(50.0, rel=0.02)
    assert limit.decreases == 2


def test_tickets_are_per_thread():
    """A thread whose request was sent before another thread's decrease does not decrease."""
    clock = Clock()
    limit = limiter(clock)
    send(limit, clock, 200, 0.005)
    sent, decreased = threading.Event(), threading.Event()

    def request() -> None:
        limit.acquire()
        sent.set()
        decreased.wait(10)
        limit.throttled()  # its answer comes after another thread's decrease

    worker = threading.Thread(target=request)
    worker.start()
    sent.wait(10)
    limit.throttled()
    decreased.set()
    worker.join()
    assert (limit.decreases, limit.throttles) == (1, 2)


def test_never_below_the_floor():
    clock = Clock()
    limit = limiter(clock, floor=10.0)
    send(limit, clock, 200, 0.005)
    for _ in range(20):
        limit.acquire()
        limit.throttled()
    assert limit.rate == 10.0


def test_successes_raise_the_rate_then_lift_the_limit():
    clock = Clock()
    limit = limiter(clock)
    send(limit, clock, 400, 0.0025)  # 400 a second
    limit.throttled()
    start = limit.rate
    assert start == pytest.approx(200.0, rel=0.02)
    for _ in range(200):  # one second of successes at the limit
        limit.acquire()
        limit.succeeded()
    # about 40 requests a second more (a tenth of the rate throttling began at, a second)
    assert limit.rate == pytest.approx(start + 40.0, rel=0.02)
    clock.now += 5.0
    send(limit, clock, 20, 0.05)  # asked far less than the limit: no need for one
    limit.succeeded()
    assert limit.rate is None


def test_retry_after_pauses_every_request_within_the_cap():
    clock = Clock()
    limit = limiter(clock)
    limit.pause(3.0)
    limit.acquire()
    limit.pause(3600.0)  # an hour: held MAX_PAUSE at most
    limit.acquire()
    assert clock.slept == pytest.approx([3.0, MAX_PAUSE])


@pytest.mark.parametrize(("header", "seconds"), [
    pytest.param("7", 7.0, id="seconds"),
    pytest.param(None, None, id="absent"),
    pytest.param("soon", None, id="garbage"),
    pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 0.0, id="date-past"),
])
def test_retry_after_is_read(header, seconds):
    assert retry_after(header) == seconds


# -- S3 over HTTP, at 30% SlowDown -------------------------------------------------------------

def long_title(s3: S3) -> None:
    """A media playlist of SEGMENTS segments: enough requests for throttling to bite."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    for n in range(SEGMENTS):
        lines += ["#EXTINF:4.0,", f"seg{n:03d}.ts"]
        s3.put(f"HLS/long/seg{n:03d}.ts", b"\x47" * 188)
    s3.put(LONG, "\n".join([*lines, "#EXT-X-ENDLIST", ""]))


def test_heads_slow_the_store_down_and_all_are_answered(s3: S3):
    """503 on HEAD has no body to say SlowDown in: it still lowers the store's rate."""
    long_title(s3)
    keys = [f"HLS/long/seg{n:03d}.ts" for n in range(SEGMENTS)]
    with S3Proxy(s3.endpoint, throttle=slowdown(0.3, seed=1)) as proxy:
        store = S3Storage(BUCKET, endpoint_url=proxy.endpoint)
        states = verify(store, keys, VerifySettings(mode="head", backoff=0.05))
    assert {state.existence for state in states.values()} == {Existence.PRESENT}
    assert proxy.throttled > 10
    assert store.limit.throttles == proxy.throttled
    assert store.limit.decreases >= 1


@pytest.mark.parametrize("mode", ["head", "list"])
def test_a_title_at_30_percent_slowdown_is_whole(cli, s3: S3, mode):
    long_title(s3)
    with S3Proxy(s3.endpoint, throttle=slowdown(0.3, seed=0)) as proxy:
        run = cli("check", f"s3://{BUCKET}/{LONG}", "--endpoint-url", proxy.endpoint,
                  "--format", "json", "--verify", mode)
    assert run.exit_code == 0, run.stdout
    assert run.json["findings"] == []
    assert run.json["summary"]["objects_checked"] == SEGMENTS
    assert (run.json["summary"]["missing"], run.json["summary"]["unknown"]) == (0, 0)
    assert proxy.throttled > 0
    if mode == "list":
        assert proxy.count("HEAD") == 0  # the listing, retried, answered for every key


def test_a_prefix_of_titles_at_30_percent_slowdown_is_whole(cli, s3: S3):
    """Walking the levels, listing each title, reading its playlists (in the listing
    process, with its own limit) and settling its objects all outlast the throttling: the
    report is the one an unthrottled run gives."""
    s3.new_bucket("throttled-out")
    names = ["aes128", "cmaf", "elastic-transcoder", "single-file", "ts-ladder"]
    for name in names:
        s3.upload_tree(FIXTURES / "titles" / name, "throttled-out", f"out/{name}/")
    reports = []
    for throttle in (None, slowdown(0.3, seed=3)):
        with S3Proxy(s3.endpoint, throttle=throttle) as proxy:
            run = cli("check", "s3://throttled-out/out/", "--endpoint-url", proxy.endpoint,
                      "--format", "json")
        assert run.exit_code == 0, run.stdout
        reports.append(run.json)
    calm, throttled = reports
    assert proxy.throttled > 5
    assert proxy.count("GET", "list-type") > 10
    assert throttled["findings"] == calm["findings"]
    assert throttled["summary"] == calm["summary"]
    assert {p["uri"].split("/")[4] for p in throttled["playlists"]} == set(names)
    assert (throttled["summary"]["missing"], throttled["summary"]["unknown"]) == (0, 0)
    assert throttled["summary"]["errors"] == 0


def test_endless_throttling_is_unverified_never_missing(cli, s3: S3):
    """Every request for two segments is throttled, however often they are asked: they end
    unverified, saying why and how often they were asked, never missing; the run fails
    (object-unverified is an error: exit 1)."""
    long_title(s3)
    endless = slowdown(1.0, where=lambda method, path: re.search(r"seg00[27]\.ts", path)
                       is not None)
    with S3Proxy(s3.endpoint, throttle=endless) as proxy:
        run = cli("check", f"s3://{BUCKET}/{LONG}", "--endpoint-url", proxy.endpoint,
                  "--format", "json", "--verify", "head")
    assert run.exit_code == 1
    found = [(f["name"], f["uri"].rsplit("/", 1)[1]) for f in run.json["findings"]]
    assert found == [("object-unverified", "seg002.ts"), ("object-unverified", "seg007.ts")]
    for finding in run.json["findings"]:
        assert finding["message"].endswith("throttled (503 SlowDown) after 16 tries"), finding
    assert run.json["summary"]["missing"] == 0
    assert run.json["summary"]["unknown"] == 2
    assert proxy.count("HEAD", "seg002.ts") == 16  # 4 tries a pass, 4 passes


# -- an HTTP origin --------------------------------------------------------------------------

@pytest.fixture()
def origin() -> Iterator[Origin]:
    with Origin(FIXTURES / "titles") as server:
        yield server


def test_an_origin_429_with_retry_after_is_waited_for(origin: Origin):
    """An origin answering each segment's first request 429 (with Retry-After): the store's
    rate goes down, the later tries find every segment."""
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def first_refused(method: str, path: str) -> Answer | None:
        with lock:
            seen[path] = seen.get(path, 0) + 1
            first = seen[path] == 1
        return BUSY if first and path.endswith(".ts") else None

    with S3Proxy(origin.url, fault=first_refused) as proxy:
        store = HttpStorage(proxy.endpoint, policy=RequestPolicy(backoff=0.01))
        states = verify(store, [f"aes128/seg{n:03d}.ts" for n in range(4)],
                        VerifySettings(mode="head", backoff=0.01))
    assert {state.existence for state in states.values()} == {Existence.PRESENT}
    assert store.limit.throttles == 4
    assert store.limit.decreases >= 1
