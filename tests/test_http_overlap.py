"""Requests to a distant origin overlap where they can, within one bound, and the report does
not show it: the next targets' playlists are fetched while this one's objects are verified,
the report keeps the targets' order, and `--concurrency` bounds the requests in flight to a
store however many stages ask at once."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from hlsinspect.storage.base import Existence, RequestPolicy
from hlsinspect.storage.http import HttpStorage
from tests.conftest import FIXTURES
from tests.origin import Origin
from tests.titles import findings

WAIT = 5.0
"""How long a held request waits for what it expects before it is answered anyway: never
reached when the behaviour under test is there."""


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """Three copies of one 3-variant title: a/, b/ and c/."""
    root = tmp_path / "site"
    for name in "abc":
        shutil.copytree(FIXTURES / "titles" / "ts-ladder", root / name)
    return root


def playlists(origin: Origin, title: str) -> list[str]:
    return [f"{origin.url}/{title}/master.m3u8",
            *(f"{origin.url}/{title}/stream_{n}/index.m3u8" for n in range(3))]


def test_next_target_is_fetched_while_this_one_is_verified(cli, site: Path):
    """a/'s segments are answered only once b/'s multivariant playlist has been asked for:
    b/ is fetched ahead, while a/ is verified; the report still lists a/ first."""
    asked = threading.Event()

    def hold(method: str, path: str) -> None:
        if method == "GET" and path == "/b/master.m3u8":
            asked.set()
        elif method == "HEAD" and path.startswith("/a/"):
            asked.wait(WAIT)

    with Origin(site, hold=hold) as origin:
        run = cli("check", f"{origin.url}/a/master.m3u8", f"{origin.url}/b/master.m3u8",
                  "--format", "json")
        answered = list(origin.answered)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert [p["uri"] for p in run.json["playlists"]] == [*playlists(origin, "a"),
                                                         *playlists(origin, "b")]
    last_of_a = max(i for i, (m, p) in enumerate(answered) if m == "HEAD" and p[:3] == "/a/")
    assert answered.index(("GET", "/b/master.m3u8")) < last_of_a


def test_report_keeps_target_order_when_a_later_target_is_ready_first(cli, site: Path):
    """The first target is the slowest to answer and the middle one cannot be read: the
    report is the one a target-by-target run makes."""
    (site / "b" / "master.m3u8").unlink()

    def hold(method: str, path: str) -> None:
        if path.startswith("/a/"):
            time.sleep(0.05)

    with Origin(site, hold=hold) as origin:
        run = cli("check", f"{origin.url}/a/master.m3u8", f"{origin.url}/b/master.m3u8",
                  f"{origin.url}/c/master.m3u8", "--format", "json")
    assert run.exit_code == 1, run.stdout + run.stderr
    report = run.json
    assert [p["uri"] for p in report["playlists"]] == [*playlists(origin, "a"),
                                                       *playlists(origin, "c")]
    assert findings(report) == [("target-not-inspected", f"{origin.url}/b/master.m3u8")]
    assert report["targets"] == [f"{origin.url}/{t}/master.m3u8" for t in "abc"]


def test_a_store_never_has_more_requests_in_flight_than_its_concurrency(site: Path):
    """Eight threads ask at once of a store allowed three: the origin never holds more than
    three (each request is held until a fourth arrives, or a while)."""
    crowded = threading.Event()

    def hold(method: str, path: str) -> None:
        if origin.flight > 3:
            crowded.set()
        crowded.wait(0.5)

    with Origin(site, hold=hold) as origin:
        storage = HttpStorage(origin.url, policy=RequestPolicy(concurrency=3))
        start = threading.Barrier(8)
        states = []

        def ask(n: int) -> None:
            start.wait()
            states.append(storage.stat(f"a/stream_0/seg00{n % 4}.ts"))

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [s.existence for s in states] == [Existence.PRESENT] * 8
    assert origin.peak == 3


def test_overlapping_stages_stay_within_concurrency(cli, site: Path):
    """Three targets at --concurrency 4 on a slow origin: fetching the next targets while
    verifying this one never puts more than 4 requests in flight."""

    def hold(method: str, path: str) -> None:
        time.sleep(0.02)

    with Origin(site, hold=hold) as origin:
        run = cli("check", *(f"{origin.url}/{t}/master.m3u8" for t in "abc"),
                  "--concurrency", "4", "--probe", "all", "--format", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.json["summary"]["objects_checked"] == 36
    assert origin.peak <= 4
