"""`hlsinspect watch` end to end, against a live channel simulator (tests/live_origin.py) that
publishes a segment every half second (target duration 1 s) on an HTTP origin on 127.0.0.1,
into an S3 bucket on moto's server, or into a local directory, with one fault per run."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import hlsinspect
from hlsinspect.errors import Interrupted
from hlsinspect.live.watch import Watch
from tests.live_origin import LiveChannel
from tests.origin import Origin
from tests.test_faults_interrupt import WITH_CTRL_C
from tests.test_schema import VALIDATOR


@contextmanager
def http_channel(tmp_path: Path, etags: bool = False,
                 **options: Any) -> Iterator[tuple[LiveChannel, Origin, str]]:
    """A channel on an HTTP origin: the channel, the origin, the URL to watch."""
    with Origin(tmp_path, etags=etags) as origin, LiveChannel(tmp_path, **options) as channel:
        yield channel, origin, f"{origin.url}/{channel.playlist}"


def s3_sink(s3: Any) -> Any:
    def sink(name: str, data: bytes | None) -> None:
        if data is None:
            s3.delete(f"live/{name}")
        else:
            s3.put(f"live/{name}", data)
    return sink


def events(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in report["timeline"] if e["event"] == name]


def test_healthy_stream_over_http_passes(tmp_path: Path, cli: Any) -> None:
    with http_channel(tmp_path, renditions=("v0", "v1")) as (_, origin, url):
        run = cli("watch", url, "--duration", "3", "--format", "json")
    assert run.exit_code == 0, run.stdout
    report = run.json
    assert report["findings"] == []
    assert {p["uri"].rsplit("/", 1)[-1]: p["kind"] for p in report["playlists"]} == {
        "master.m3u8": "multivariant", "v0.m3u8": "media", "v1.m3u8": "media"}
    added = Counter(e["rendition"].rsplit("/", 1)[-1] for e in events(report, "segments-added"))
    assert added["v0.m3u8"] >= 1 and added["v1.m3u8"] >= 1
    assert events(report, "segments-removed")
    # the ladder as the multivariant playlist declares it, each variant named as watched
    [master] = [p for p in report["playlists"] if p["kind"] == "multivariant"]
    assert [(v["uri"], v["bandwidth"], v["resolution"], v["codecs"])
            for v in master["variants"]] == [
        (f"{origin.url}/{name}.m3u8", rate, "640x360", "avc1.64001f,mp4a.40.2")
        for name, rate in (("v0", 100000), ("v1", 200000))]
    # the playlist is reloaded again and again; each segment is asked about when it appears,
    # when it leaves and once more before it may be deleted, never on every reload
    assert Counter(origin.paths("GET"))["/v0.m3u8"] >= 3
    heads = Counter(p for p in origin.paths("HEAD") if p.endswith(".ts"))
    assert heads and max(heads.values()) <= 3
    # the timeline says why it stops: each live rendition's last event
    assert [(e["rendition"].rsplit("/", 1)[-1], e["detail"]) for e in report["timeline"][-2:]] \
        == [("v0.m3u8", "--duration 3 s reached"), ("v1.m3u8", "--duration 3 s reached")]
    assert [e["event"] for e in report["timeline"][-2:]] == ["stopped", "stopped"]


def test_the_watch_ladder_has_no_measured_rate_column(tmp_path: Path, cli: Any) -> None:
    """watch asks no segment's size, so it measures no bit rate: its ladder says nothing of
    one (check's says why a rate is missing, which would read as a fault here)."""
    with http_channel(tmp_path, renditions=("v0", "v1")) as (_, _origin, url):
        watched = cli("watch", url, "--duration", "2", "--format", "markdown")
        checked = cli("check", url, "--format", "markdown")
    assert watched.exit_code == 0, watched.stdout
    assert "### Ladder of" in watched.stdout and "Bandwidth" in watched.stdout
    assert "Measured" not in watched.stdout and "size unknown" not in watched.stdout
    assert "Measured" in checked.stdout


def test_an_event_playlist_is_reported_as_one(tmp_path: Path, cli: Any) -> None:
    with http_channel(tmp_path, playlist_type="EVENT", window=100) as (_, _origin, url):
        run = cli("watch", url, "--duration", "2", "--format", "json")
    assert run.exit_code == 0, run.stdout
    [playlist] = run.json["playlists"]
    assert playlist["playlist_type"] == "EVENT"


def test_concurrency_bounds_the_requests_of_a_watch(tmp_path: Path, cli: Any) -> None:
    """--concurrency 1: one request at a time to the origin, reloads and HEADs together, and
    the healthy stream still passes. (Three renditions of 1 s segments through one request
    at a time on a loaded machine may lag a rendition's reloads enough for a
    renditions-drift warning: what a client with one connection would see.)"""
    with http_channel(tmp_path, renditions=("v0", "v1", "v2")) as (_, origin, url):
        run = cli("watch", url, "--duration", "2.5", "--concurrency", "1", "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert {f["name"] for f in run.json["findings"]} <= {"renditions-drift"}
    assert origin.peak == 1
    assert len(events(run.json, "segments-added")) >= 3


def test_the_json_report_of_a_watch_follows_the_schema(tmp_path: Path, cli: Any) -> None:
    with LiveChannel(tmp_path, fault="stale", fault_at=1):
        run = cli("watch", str(tmp_path / "v0.m3u8"), "--duration", "2.5", "--format", "json")
    document = run.json
    VALIDATOR.validate(document)  # the strict variant: no member left undescribed
    assert document["timeline"] and document["findings"][0]["count"] >= 1


def test_ending_stream_stops_at_endlist(tmp_path: Path, cli: Any) -> None:
    with http_channel(tmp_path, renditions=("v0", "v1"), total=4) as (_, origin, url):
        run = cli("watch", url, "--until-endlist", "--duration", "60", "--format", "json")
    assert run.exit_code == 0, run.stdout
    # a watch that went on would have reloaded a hundred times or more
    assert Counter(origin.paths("GET"))["/v0.m3u8"] < 20
    report = run.json
    assert sorted(e["rendition"].rsplit("/", 1)[-1] for e in events(report, "ended")) == [
        "v0.m3u8", "v1.m3u8"]
    assert all(p["endlist"] for p in report["playlists"] if p["kind"] == "media")
    assert report["timeline"][-1]["event"] == "ended"


def test_stale_stream_is_an_error(tmp_path: Path, cli: Any) -> None:
    with LiveChannel(tmp_path, fault="stale", fault_at=1):
        run = cli("watch", str(tmp_path / "v0.m3u8"), "--duration", "4.5", "--format", "json")
    assert run.exit_code == 1
    stale = [f for f in run.json["findings"] if f["name"] == "live-playlist-stale"]
    assert {f["severity"] for f in stale} == {"warning", "error"}
    # reported once each, however many reloads showed it
    assert len(stale) == 2
    warning = next(f for f in stale if f["severity"] == "warning")
    assert warning["count"] >= 2 and warning["first_seen"] < warning["last_seen"]
    # observed: how long the stall had lasted when last seen, more than its limit and never
    # written as if it were the limit itself
    error = next(f for f in stale if f["severity"] == "error")
    assert float(error["observed"].split()[0]) > 3.0
    assert (warning["expected"], error["expected"]) == ("<= 1.5 s", "<= 3 s")  # each its limit
    assert float(error["observed"].split()[0]) > float(warning["observed"].split()[0]) > 1.5
    lasted = (datetime.fromisoformat(error["last_seen"])
              - datetime.fromisoformat(error["first_seen"])).total_seconds()
    assert error["count"] >= 2 and lasted > 0.2
    assert float(error["observed"].split()[0]) >= 3.0 + lasted - 0.05  # the latest, not first


def test_sequence_regression_in_s3(s3: Any, s3_cli: Any, tmp_path: Path) -> None:
    with LiveChannel(tmp_path, fault="regress", fault_at=5, sink=s3_sink(s3)):
        run = s3_cli("watch", "s3://app1-transcoder-out/live/v0.m3u8", "--duration", "4.5",
                     "--interval", "0.25", "--format", "json")
    assert run.exit_code == 1, run.stdout
    assert "media-sequence-regressed" in run.names()


def test_rewritten_segment(tmp_path: Path, cli: Any) -> None:
    with http_channel(tmp_path, fault="rewrite", fault_at=3) as (_, _origin, url):
        run = cli("watch", url, "--duration", "3", "--interval", "0.25", "--format", "json")
    assert run.exit_code == 1, run.stdout
    rewritten = [f for f in run.json["findings"] if f["name"] == "segment-rewritten"]
    assert rewritten and "media sequence number 2 changed" in rewritten[0]["message"]


def test_segment_deleted_when_it_leaves_the_playlist(tmp_path: Path, cli: Any) -> None:
    with http_channel(tmp_path, fault="early-removal") as (_, _origin, url):
        run = cli("watch", url, "--duration", "3", "--format", "json")
    assert run.exit_code == 1, run.stdout
    early = [f for f in run.json["findings"] if f["name"] == "removed-segment-unavailable"]
    assert early and all(f["uri"].endswith(".ts") for f in early)
    assert set(run.names()) == {"removed-segment-unavailable"}


def test_segment_deleted_a_moment_after_it_leaves_the_playlist(tmp_path: Path, cli: Any) -> None:
    """A segment deleted 1.5 s after it leaves (ffmpeg's delete_segments deletes a segment a
    little later) is still there when its leaving is seen, and gone before its duration plus
    the playlist's (4 s) have passed: the ask in the last target duration finds it."""
    with http_channel(tmp_path, fault="late-removal") as (_, origin, url):
        run = cli("watch", url, "--duration", "6", "--format", "json")
    assert run.exit_code == 1, run.stdout
    early = [f for f in run.json["findings"] if f["name"] == "removed-segment-unavailable"]
    assert set(run.names()) == {"removed-segment-unavailable"}, run.names()
    assert early[0]["uri"].endswith(".ts")
    # still there when its leaving was seen, gone before its time: both ends are given
    assert re.search(r"was gone \(404\) between \d+\.\d and \d+\.\d s after the last reload that "
                     r"listed it", early[0]["message"]), early[0]["message"]
    assert early[0]["observed"].startswith("gone between ")
    asked = origin.paths("HEAD")
    assert any(asked.count(path) >= 3 for path in asked)  # new, left, and before its time


def test_healthy_stream_keeps_removed_segments(tmp_path: Path, cli: Any) -> None:
    with http_channel(tmp_path) as (_, _origin, url):
        run = cli("watch", url, "--duration", "3", "--format", "json")
    assert run.exit_code == 0
    assert events(run.json, "segments-removed")
    assert "removed-segment-unavailable" not in run.names()


def test_target_duration_change_in_s3(s3: Any, s3_cli: Any, tmp_path: Path) -> None:
    with LiveChannel(tmp_path, fault="target", fault_at=3, sink=s3_sink(s3)):
        run = s3_cli("watch", "s3://app1-transcoder-out/live/v0.m3u8", "--duration", "3",
                     "--format", "json")
    assert run.exit_code == 1, run.stdout
    changed = [f for f in run.json["findings"] if f["name"] == "target-duration-changed"]
    assert [(f["observed"], f["expected"]) for f in changed] == [("2", "1")]


def test_discontinuity_sequence_not_kept(tmp_path: Path, cli: Any) -> None:
    with LiveChannel(tmp_path, fault="discontinuity"):
        run = cli("watch", str(tmp_path / "v0.m3u8"), "--duration", "3", "--format", "json")
    assert run.exit_code == 1, run.stdout
    assert "discontinuity-sequence-wrong" in run.names()


def test_renditions_drifting_apart(tmp_path: Path, cli: Any) -> None:
    with http_channel(tmp_path, renditions=("v0", "v1"), fault="drift",
                      fault_at=1) as (_, _origin, url):
        run = cli("watch", url, "--duration", "3.5", "--format", "json")
    drifted = [f for f in run.json["findings"] if f["name"] == "renditions-drift"]
    assert drifted and drifted[0]["uri"].endswith("/v1.m3u8")


def test_python_api_and_events(tmp_path: Path) -> None:
    with LiveChannel(tmp_path, total=3):
        report = hlsinspect.watch(str(tmp_path / "v0.m3u8"), until_endlist=True, duration=30)
        assert report.ok and report.timeline is not None
        assert [e.event for e in report.timeline][-1] == "ended"
        watch = Watch([str(tmp_path / "v0.m3u8")], duration=30, until_endlist=True)
        seen = [event.event for event in watch.events()]
    assert seen[0] == "started" and seen[-1] == "ended"


def test_ctrl_c_still_gives_the_report(tmp_path: Path) -> None:
    """SIGINT reaches the thread applying the answers while it waits for the next one (the
    reloads run on threads of their own): the watch stops at once, with its report."""
    def interrupt_once_read(watch: Watch) -> None:
        while not (watch.watched and watch.watched[0].read):
            threading.Event().wait(0.05)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    with LiveChannel(tmp_path, fault="stale", fault_at=0):
        watch = Watch([str(tmp_path / "v0.m3u8")], duration=30)
        # as in a terminal, even when the test run was started where SIGINT is ignored
        before = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            threading.Thread(target=interrupt_once_read, args=(watch,), daemon=True).start()
            with pytest.raises(Interrupted) as stopped:
                watch.run()
        finally:
            signal.signal(signal.SIGINT, before)
    report = stopped.value.report
    assert report.incomplete and not report.ok
    assert [p.uri for p in report.playlists] == [str(tmp_path / "v0.m3u8")]
    assert report.playlists[0].segment_count == 1


def test_nothing_to_watch_exits_2(tmp_path: Path, cli: Any) -> None:
    run = cli("watch", str(tmp_path / "none.m3u8"), "--duration", "1")
    assert run.exit_code == 2
    assert "hlsinspect: error:" in run.stderr
    run = cli("watch", str(tmp_path), "--interval", "soon")
    assert run.exit_code == 2


@pytest.mark.parametrize(("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_the_watch_with_its_report(tmp_path: Path, number: int,
                                                 code: int) -> None:
    with http_channel(tmp_path) as (_, origin, url):
        process = subprocess.Popen([sys.executable, "-c", WITH_CTRL_C, "watch", url,
                                    "--format", "json"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=os.environ.copy())
        try:
            while Counter(origin.paths("GET"))["/v0.m3u8"] < 3:
                assert process.poll() is None, process.communicate()
                origin.arrived.wait(0.1)
            process.send_signal(number)
            stdout, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    document = json.loads(stdout)
    assert document["incomplete"] is True and document["ok"] is False
    assert "error" not in document
    assert document["playlists"][0]["uri"] == url
    assert events(document, "started") and document["playlists"][0]["segment_count"] >= 1
    # the timeline says why it ends there
    assert [(e["event"], e["detail"]) for e in document["timeline"][-1:]] == [
        ("stopped", "interrupted (Ctrl-C)" if code == 130 else "terminated (SIGTERM)")]


def test_live_view_rows_and_silence_off_a_terminal(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    from hlsinspect.render.live_view import _View, live_view

    with LiveChannel(tmp_path, total=3):
        watch = Watch([str(tmp_path / "v0.m3u8")], duration=30, until_endlist=True)
        with live_view(watch, enabled=True):  # stderr is no terminal here: no view
            for _ in watch.events():
                pass
    assert capsys.readouterr().err == ""
    screen = Console(width=200, record=True, color_system=None, file=io.StringIO())
    screen.print(_View(watch))
    row = next(line for line in screen.export_text().splitlines() if "v0.m3u8" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[0] == str(tmp_path / "v0.m3u8")
    assert cells[1:3] == ["2", "3 (ended)"]  # last sequence number, window
    assert cells[4:] == [str(watch.watched[0].state.added_count), "0", "0"]


def test_each_reload_gets_the_rules_of_check(tmp_path: Path, cli: Any) -> None:
    """The playlists' own rules (the multivariant's once), and the new segments' objects."""
    (tmp_path / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n")
    (tmp_path / "v.m3u8").write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nempty.ts\n#EXTINF:3,\ngone.ts\n"
        "#EXT-X-ENDLIST\n")
    (tmp_path / "empty.ts").write_bytes(b"")
    run = cli("watch", str(tmp_path / "master.m3u8"), "--format", "json")
    assert run.exit_code == 1
    found = {(f["name"], f["playlist"].rsplit("/", 1)[-1], (f["uri"] or "").rsplit("/", 1)[-1])
             for f in run.json["findings"]}
    assert found == {("codecs-missing", "master.m3u8", ""),
                     ("extinf-exceeds-target-duration", "v.m3u8", "gone.ts"),
                     ("segment-empty", "v.m3u8", "empty.ts"),
                     ("segment-missing", "v.m3u8", "gone.ts")}
    lines = {f["name"]: f["line"] for f in run.json["findings"]
             if f["name"] in ("segment-empty", "segment-missing")}
    assert lines == {"segment-empty": 4, "segment-missing": 6}  # their URI lines, as check says


def test_unchanged_reloads_are_conditional_over_http(tmp_path: Path, cli: Any) -> None:
    """An origin that knows ETags answers an unchanged reload with 304; staleness is still
    seen through them."""
    with http_channel(tmp_path, etags=True, fault="stale", fault_at=1) as (_, origin, url):
        run = cli("watch", url, "--duration", "3", "--format", "json")
    assert origin.not_modified >= 2
    assert "live-playlist-stale" in run.names()


def test_s3_reads_a_playlist_only_when_it_changed(s3: Any) -> None:
    from hlsinspect.locations import parse_target
    from hlsinspect.settings import VerifySettings
    from hlsinspect.storage.base import Conditional
    from hlsinspect.storage.factory import S3Options, Stores

    s3.put("live/p.m3u8", "#EXTM3U\n")
    target = parse_target(f"s3://{s3.bucket}/live/p.m3u8", None)
    storage = Stores(S3Options(endpoint_url=s3.endpoint),
                     VerifySettings().requests).for_target(target)
    assert isinstance(storage, Conditional)
    data, etag = storage.read_changed("live/p.m3u8", None)
    assert data == b"#EXTM3U\n" and etag
    assert storage.read_changed("live/p.m3u8", etag) == (None, etag)
    s3.put("live/p.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:1\n")
    data, changed = storage.read_changed("live/p.m3u8", etag)
    assert data == b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n" and changed != etag


def test_the_table_says_how_often_a_finding_was_seen(tmp_path: Path, cli: Any) -> None:
    with LiveChannel(tmp_path, fault="stale", fault_at=1):
        run = cli("watch", str(tmp_path / "v0.m3u8"), "--duration", "3", "--color", "never")
    assert run.exit_code == 0  # a warning only
    assert "HLS900 live-playlist-stale" in run.stdout
    assert re.search(r"seen \d+ times, \d\d:\d\d:\d\d UTC to \d\d:\d\d:\d\d UTC", run.stdout)


def test_a_fault_of_every_segment_is_kept_in_bounded_memory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past DISTINCT findings of one rule, the rest are folded into one counted finding. One
    distinct finding here, so that the two early removals a loaded machine still sees in
    the watch's seconds are enough to show the fold."""
    monkeypatch.setattr("hlsinspect.live.seen.DISTINCT", 1)
    with LiveChannel(tmp_path, fault="early-removal", fault_at=0):
        report = Watch([str(tmp_path / "v0.m3u8")], duration=4).run()
    early = [f for f in report.findings if f.name == "removed-segment-unavailable"]
    assert len(early) == 2
    folded = [f for f in early if f.uri is None]
    assert len(folded) == 1 and (folded[0].count or 0) >= 1
    assert folded[0].message.startswith("more removed-segment-unavailable findings")


def test_title_rules_run_on_the_watched_title(tmp_path: Path, cli: Any) -> None:
    """Each media playlist is fine on its own; only the title shows that they disagree."""
    (tmp_path / "master.m3u8").write_text(
        "#EXTM3U\n" + "".join(f'#EXT-X-STREAM-INF:BANDWIDTH={n}00000,CODECS="avc1.64001f"\n'
                              f"v{n}.m3u8\n" for n in (1, 2)))
    for n, target in ((1, 2), (2, 4)):
        (tmp_path / f"v{n}.m3u8").write_text(
            f"#EXTM3U\n#EXT-X-TARGETDURATION:{target}\n#EXT-X-MEDIA-SEQUENCE:3\n"
            + "".join(f"#EXTINF:2,\ns{i}.ts\n" for i in range(3, 6)))
    for i in range(3, 6):
        (tmp_path / f"s{i}.ts").write_bytes(b"\x47" * 188)
    run = cli("watch", str(tmp_path / "master.m3u8"), "--duration", "2.5", "--format", "json")
    assert run.exit_code == 1, run.stdout
    mismatch = [f for f in run.json["findings"] if f["name"] == "target-duration-mismatch"]
    assert [(f["playlist"], f["uri"]) for f in mismatch] == [
        (str(tmp_path / "master.m3u8"), str(tmp_path / "v2.m3u8"))]


def test_a_changed_multivariant_playlist_is_judged_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The multivariant playlist is read again; its own rules and the title rules run on
    what it says now: here it names a variant as an I-frame playlist."""
    monkeypatch.setattr("hlsinspect.live.titles.RELOAD", 0.5)
    with LiveChannel(tmp_path, renditions=("v0", "v1")) as channel:
        changed = threading.Timer(1.0, lambda: channel.sink("master.m3u8", (
            (tmp_path / "master.m3u8").read_text()
            + '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=10000,URI="v1.m3u8"\n').encode()))
        changed.start()
        report = Watch([str(tmp_path / "master.m3u8")], duration=3).run()
        changed.join()
    master = str(tmp_path / "master.m3u8")
    found = {(f.name, f.playlist, f.uri) for f in report.findings}
    assert found == {("iframe-playlist-not-iframes-only", master, str(tmp_path / "v1.m3u8")),
                     # the new tag's own faults, by the multivariant playlist's own rules
                     ("codecs-missing", master, None), ("resolution-missing", master, None)}


@pytest.mark.parametrize(("fault", "fault_at", "name", "duration"), [
    pytest.param("stale", 1, "live-playlist-stale", "4.5", id="stale"),
    pytest.param("rewrite", 3, "segment-rewritten", "3", id="rewrite"),
    pytest.param("early-removal", 4, "removed-segment-unavailable", "3", id="early-removal"),
    pytest.param("discontinuity", 4, "discontinuity-sequence-wrong", "3",
                 id="discontinuity-sequence"),
])
def test_faults_of_a_channel_written_into_s3(s3: Any, s3_cli: Any, tmp_path: Path, fault: str,
                                             fault_at: int, name: str, duration: str) -> None:
    """The packager writes into the bucket (moto's server); the watch reads it over S3's
    API, with conditional GETs."""
    with LiveChannel(tmp_path, fault=fault, fault_at=fault_at, sink=s3_sink(s3)):
        run = s3_cli("watch", "s3://app1-transcoder-out/live/v0.m3u8", "--duration", duration,
                     "--interval", "0.25", "--format", "json")
    assert run.exit_code == 1, run.stdout
    assert name in run.names()
    assert not {f["name"] for f in run.json["findings"]} & {
        "playlist-unreadable", "segment-missing", "object-unverified"}


@contextmanager
def slow_rendition(tmp_path: Path, delay: float,
                   after: int = 0) -> Iterator[tuple[Origin, str, threading.Event]]:
    """Two renditions on an origin that answers each GET of v1.m3u8 (after its first `after`)
    `delay` seconds late; the event is set when a delayed answer has been sent."""
    answered = threading.Event()
    asked = Counter[str]()

    def slow(path: str) -> int | None:
        if path == "/v1.m3u8":
            asked[path] += 1
            if asked[path] > after and not origin.stopped.wait(delay):
                answered.set()
        return None

    with Origin(tmp_path, hold=slow) as origin, LiveChannel(tmp_path, renditions=("v0", "v1")):
        yield origin, f"{origin.url}/master.m3u8", answered


def test_a_slow_rendition_does_not_delay_the_others(tmp_path: Path, cli: Any) -> None:
    """v1's origin path answers 2.5 target durations late, every time: v0 is still reloaded
    on its own schedule, about once per target duration, and is not taken for stale."""
    with slow_rendition(tmp_path, 2.5) as (origin, url, _):
        run = cli("watch", url, "--duration", "4.5", "--format", "json")
    stale = {f["playlist"].rsplit("/", 1)[-1] for f in run.json["findings"]
             if f["name"] == "live-playlist-stale"}
    assert "v0.m3u8" not in stale, run.json["findings"]
    # reloaded one after the other, each would be reloaded as often as the other
    gets = Counter(origin.paths("GET"))
    assert gets["/v0.m3u8"] >= gets["/v1.m3u8"] + 2, gets
    assert events(run.json, "segments-added")


def test_the_duration_does_not_wait_for_a_reload_in_flight(tmp_path: Path, cli: Any) -> None:
    """A reload still unanswered when --duration is up is left behind: the report comes at
    the deadline, with what was seen until then."""
    with slow_rendition(tmp_path, 30.0, after=1) as (_origin, url, answered):
        run = cli("watch", url, "--duration", "1.5", "--format", "json")
        assert not answered.is_set()  # the held reload was still held when the watch ended
    assert run.exit_code == 0, run.stdout
    assert {p["uri"].rsplit("/", 1)[-1] for p in run.json["playlists"]} == {
        "master.m3u8", "v0.m3u8", "v1.m3u8"}
    assert events(run.json, "segments-added")


@pytest.mark.parametrize(("fault", "fault_at", "name", "duration"), [
    pytest.param("stale", 1, "live-playlist-stale", "4.5", id="stale"),
    # the sequence falls back to 0 once it has reached 2 or more: seen from any reload
    pytest.param("regress", 5, "media-sequence-regressed", "6", id="regression"),
    pytest.param("rewrite", 3, "segment-rewritten", "3", id="rewrite"),
    pytest.param("early-removal", 4, "removed-segment-unavailable", "3", id="early-removal"),
    pytest.param("target", 3, "target-duration-changed", "3", id="target-change"),
    pytest.param("discontinuity", 4, "discontinuity-sequence-wrong", "3",
                 id="discontinuity-sequence"),
])
def test_each_fault_of_a_title_on_an_http_origin_is_named(
        tmp_path: Path, cli: Any, fault: str, fault_at: int, name: str, duration: str) -> None:
    """A two-rendition title behind its multivariant playlist on an HTTP origin, as a
    packager's origin serves one, each run with one fault: the fault is named, and nothing
    the stream does not do (a missing or unverified segment) is said of it."""
    with http_channel(tmp_path, renditions=("v0", "v1"), fault=fault,
                      fault_at=fault_at) as (_, _origin, url):
        run = cli("watch", url.rsplit("/", 1)[0] + "/master.m3u8", "--duration", duration,
                  "--format", "json")
    assert run.exit_code == 1, run.stdout
    assert name in run.names()
    assert not {f["name"] for f in run.json["findings"]} & {
        "playlist-unreadable", "segment-missing", "object-unverified"}
