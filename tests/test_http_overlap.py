"""Requests to a distant origin overlap where they can, within one bound, and the report does
not show it: the next targets' playlists are fetched while this one's objects are verified,
the report keeps the targets' order, a probed segment is verified by the ranged GET that
probes it, and `--concurrency` bounds the requests in flight to a store however many stages
ask at once."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time
from pathlib import Path

import pytest

from hlsinspect import Settings, inspect
from hlsinspect.report import Report
from hlsinspect.settings import ProbeSettings
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

    with Origin(site, pause=hold) as origin:
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

    with Origin(site, pause=hold) as origin:
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

    with Origin(site, pause=hold) as origin:
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

    with Origin(site, pause=hold) as origin:
        run = cli("check", *(f"{origin.url}/{t}/master.m3u8" for t in "abc"),
                  "--concurrency", "4", "--probe", "all", "--format", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.json["summary"]["objects_checked"] == 36
    assert origin.peak <= 4


def probe_all(target: str) -> Report:
    return inspect(target, settings=Settings(probe=ProbeSettings(mode="all")))


def test_probed_segments_are_verified_by_the_ranged_get_that_probes_them(site: Path):
    """With --probe all, no segment is asked with HEAD: the ranged GET that reads its head
    says it exists and how large it is. What is found is what the same title on disk gives
    (where existence and reading are separate)."""
    with Origin(site) as origin:
        over_http = probe_all(f"{origin.url}/a/master.m3u8")
        heads = origin.paths("HEAD")
        gets = origin.paths("GET")
    on_disk = probe_all(str(site / "a" / "master.m3u8"))
    assert heads == []
    segments = {f"/a/stream_{v}/seg{n:03d}.ts" for v in range(3) for n in range(4)}
    assert {path for path in gets if path.endswith(".ts")} == segments
    assert (over_http.objects.checked, over_http.objects.present) == (12, 12)

    def probes(report: Report) -> list[object]:
        return [[dataclasses.replace(s, uri=s.uri.rsplit("/a/", 1)[1])
                 for s in p.probe.segments] for p in report.playlists if p.probe is not None]

    assert probes(over_http) == probes(on_disk)
    assert len(probes(over_http)) == 3
    assert [(f.name, f.line) for f in over_http.findings] == \
        [(f.name, f.line) for f in on_disk.findings]


def test_a_probed_segment_that_is_gone_is_missing_by_the_404_of_its_get(site: Path):
    (site / "a" / "stream_1" / "seg002.ts").unlink()
    with Origin(site) as origin:
        report = probe_all(f"{origin.url}/a/master.m3u8")
        heads = origin.paths("HEAD")
    gone = f"{origin.url}/a/stream_1/seg002.ts"
    assert [(f.name, f.uri) for f in report.findings if f.severity == "error"] == \
        [("segment-missing", gone)]
    assert (report.objects.present, report.objects.missing) == (11, 1)
    assert heads == []
    [variant] = [p for p in report.playlists if p.uri.endswith("stream_1/index.m3u8")]
    assert variant.probe is not None
    assert [s.uri.rsplit("/", 1)[1] for s in variant.probe.segments] == \
        ["seg000.ts", "seg001.ts", "seg003.ts"]


def test_a_probed_segment_whose_get_is_denied_is_asked_with_head(site: Path):
    """A CDN may deny a GET where HEAD passes: the object is present (HEAD says so), and
    its probe says why it could not be read, as when HEAD comes first."""
    with Origin(site, get_status={"/a/stream_0/seg001.ts": 403}) as origin:
        report = probe_all(f"{origin.url}/a/master.m3u8")
        heads = origin.paths("HEAD")
    assert heads == ["/a/stream_0/seg001.ts"]
    assert (report.objects.present, report.objects.unknown) == (12, 0)
    [unprobed] = [f for f in report.findings if f.name != "channels-missing"]
    assert (unprobed.name, unprobed.uri) == \
        ("segment-unprobed", f"{origin.url}/a/stream_0/seg001.ts")
    assert "403" in unprobed.message
