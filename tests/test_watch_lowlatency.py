"""`hlsinspect watch` on low-latency HLS: blocking reloads and rendition reports.

End to end against the live channel simulator (tests/live_origin.py) publishing a part every
0.25 s (target duration 1 s) on an HTTP origin that answers blocking reloads, with one fault
per run; and the rules of live/lowlatency.py on their own, without any I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from hlsinspect.live.lowlatency import (
    ReportTag,
    blocking_findings,
    compare,
    directives,
    parts_of,
    pending,
    report_findings,
)
from hlsinspect.live.watch import Watch
from hlsinspect.playlists import parse
from hlsinspect.report import Severity
from tests.live_origin import LiveChannel
from tests.origin import Origin

LL_NAMES = {"blocking-reload-wrong-part", "blocking-reload-late", "rendition-report-wrong"}


@contextmanager
def ll_channel(tmp_path: Path, **options: Any) -> Iterator[tuple[LiveChannel, Origin, str]]:
    """A low-latency channel (4 parts of 0.25 s a segment) on an origin that blocks."""
    options.setdefault("renditions", ("v0", "v1"))
    channel = LiveChannel(tmp_path, parts=4, tick=0.25, **options)
    with Origin(tmp_path, hold=channel.hold) as origin, channel:
        yield channel, origin, f"{origin.url}/{channel.playlist}"


def blocking(origin: Origin, playlist: str = "/v0.m3u8") -> list[dict[str, str]]:
    """The directives of each blocking reload of `playlist` the origin was asked for."""
    asked = []
    for path in origin.paths("GET"):
        url = urlsplit(path)
        if url.path == playlist and "_HLS_msn" in url.query:
            asked.append({k: v[0] for k, v in parse_qs(url.query).items()})
    return asked


def test_healthy_low_latency_stream_passes(tmp_path: Path, cli: Any) -> None:
    with ll_channel(tmp_path) as (_, origin, url):
        run = cli("watch", url, "--duration", "3", "--format", "json", "--fail-on", "warning")
    assert run.exit_code == 0, run.stdout
    assert run.json["findings"] == []
    # after the first plain read, each reload asks for the next part and is held for it
    for name in ("/v0.m3u8", "/v1.m3u8"):
        asked = blocking(origin, name)
        assert len(asked) >= 4, origin.paths("GET")
        assert all("_HLS_part" in one for one in asked)
        numbers = [(int(a["_HLS_msn"]), int(a["_HLS_part"])) for a in asked]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_answer_without_the_part(tmp_path: Path, cli: Any) -> None:
    """An origin that answers at once, without holding the request for the part."""
    with ll_channel(tmp_path, fault="wrong-part", fault_at=1) as (_, origin, url):
        run = cli("watch", url, "--duration", "3", "--format", "json")
    assert run.exit_code == 1, run.stdout
    wrong = [f for f in run.json["findings"] if f["name"] == "blocking-reload-wrong-part"]
    assert {f["playlist"].rsplit("/", 1)[-1] for f in wrong} == {"v0.m3u8", "v1.m3u8"}
    assert all(f["expected"].endswith("or later") for f in wrong)
    assert {f["name"] for f in run.json["findings"]} <= LL_NAMES
    # such an origin is not asked again at once, in a loop (that would be thousands of
    # requests): after a wrong answer, one part target passes first
    assert len(blocking(origin)) <= 2 * 3 / 0.25 + 2


def test_late_answers(tmp_path: Path, cli: Any) -> None:
    """An origin that holds each blocking reload 1.25 s after the part is there."""
    with ll_channel(tmp_path, renditions=("v0",), fault="late", fault_at=1) as (_, _o, url):
        run = cli("watch", url, "--duration", "4", "--format", "json")
    assert run.exit_code == 0, run.stdout  # a warning: three part targets, not targets
    late = [f for f in run.json["findings"] if f["name"] == "blocking-reload-late"]
    assert late and {f["severity"] for f in late} == {"warning"}
    assert late[0]["expected"] == "<= 0.75 s"
    assert "blocking-reload-wrong-part" not in {f["name"] for f in run.json["findings"]}


def test_wrong_rendition_reports(tmp_path: Path, cli: Any) -> None:
    with ll_channel(tmp_path, fault="reports", fault_at=1) as (_, _origin, url):
        run = cli("watch", url, "--duration", "3", "--format", "json")
    assert run.exit_code == 1, run.stdout
    wrong = [f for f in run.json["findings"] if f["name"] == "rendition-report-wrong"]
    pairs = {(f["playlist"].rsplit("/", 1)[-1], f["uri"].rsplit("/", 1)[-1]) for f in wrong}
    assert pairs == {("v0.m3u8", "v1.m3u8"), ("v1.m3u8", "v0.m3u8")}
    assert {f["name"] for f in run.json["findings"]} == {"rendition-report-wrong"}


def test_directives_keep_the_playlist_query(tmp_path: Path, cli: Any) -> None:
    with ll_channel(tmp_path, renditions=("v0",)) as (_, origin, url):
        run = cli("watch", url + "?token=a%2Fb", "--duration", "1.5", "--format", "json")
    assert run.exit_code == 0, run.stdout
    held = [p for p in origin.paths("GET") if "_HLS_msn" in p]
    assert held and all(
        p.startswith("/v0.m3u8?_HLS_msn=") and "&_HLS_part=" in p and p.endswith("&token=a%2Fb")
        for p in held), held


def test_polled_where_there_are_no_directives(tmp_path: Path) -> None:
    """A directory (as S3) serves no Delivery Directives, and --interval asks for polling:
    neither reloads with blocking requests, so the rules of blocking reloads do not apply."""
    with ll_channel(tmp_path, fault="wrong-part", fault_at=0) as (_, origin, url):
        local = Watch([str(tmp_path / "master.m3u8")], duration=1.5)
        local.run()
        polled = Watch([url], duration=1.5, interval=0.25)
        report = polled.run()
    assert [w.blocking for w in local.watched] == [0, 0]
    assert [w.blocking for w in polled.watched] == [0, 0]
    assert not blocking(origin) and not {f.name for f in report.findings} & LL_NAMES


# the rules on their own

def ll(complete: int, trailing: int, *, parts: int = 4, first: int = 0,
       reports: str = "", block: bool = True) -> str:
    """An LL playlist of `complete` segments (parts listed for the last two) and `trailing`
    parts of the next."""
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:1",
             "#EXT-X-SERVER-CONTROL:" + ("CAN-BLOCK-RELOAD=YES," if block else "")
             + "PART-HOLD-BACK=1", "#EXT-X-PART-INF:PART-TARGET=0.25",
             f"#EXT-X-MEDIA-SEQUENCE:{first}"]
    for n in range(first, complete):
        if n >= complete - 2:
            lines += [f'#EXT-X-PART:DURATION=0.25,URI="s{n}.{i}.ts"' for i in range(parts)]
        lines += ["#EXTINF:1,", f"s{n}.ts"]
    lines += [f'#EXT-X-PART:DURATION=0.25,URI="s{complete}.{i}.ts"' for i in range(trailing)]
    return "\n".join(lines) + "\n" + reports


def state(text: str) -> Any:
    playlist = parse("v.m3u8", text.encode())
    last = playlist.segments[-1].media_sequence if playlist.segments else -1
    return parts_of(playlist, last), last


@pytest.mark.parametrize(("complete", "trailing", "last", "previous", "following"), [
    pytest.param(3, 2, (3, 1), (3, 0), (3, 2), id="parts-of-a-growing-segment"),
    pytest.param(3, 1, (3, 0), (2, 3), (3, 1), id="first-part-of-a-segment"),
    pytest.param(3, 0, (2, 3), (2, 2), (3, 0), id="segment-just-completed"),
])
def test_the_live_edge_of_parts(complete: int, trailing: int, last: tuple[int, int],
                                previous: tuple[int, int], following: tuple[int, int]) -> None:
    parts, _ = state(ll(complete, trailing))
    assert parts is not None and parts.blocking
    assert (parts.last, parts.previous, parts.following) == (last, previous, following)


def test_no_blocking_without_can_block_reload_or_part_inf() -> None:
    assert state(ll(3, 1, block=False))[0].blocking is False
    assert parts_of(parse("v.m3u8", b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.ts\n"),
                    0) is None


def test_directives_in_utf8_order_after_the_playlist_query() -> None:
    assert directives("live/v.m3u8", (5, 2)) == "live/v.m3u8?_HLS_msn=5&_HLS_part=2"
    assert directives("v.m3u8?b=1&A=2&_HLS_msn=1", (5, None)) == "v.m3u8?A=2&_HLS_msn=5&b=1"


def test_positions_compare_by_sequence_alone_without_parts() -> None:
    assert compare((3, 1), (3, 0)) == 1 and compare((2, 3), (3, 0)) == -1
    assert compare((3, None), (3, 2)) == 0 and compare((4, 0), (4, 0)) == 0


def test_blocking_answer_judged() -> None:
    answer, last = state(ll(3, 2))
    assert blocking_findings("v", (3, 1), answer, last, False, 0.2, 1, 0.25) == []
    assert blocking_findings("v", (2, 9), answer, last, False, 0.2, 1, 0.25) == []
    wrong = blocking_findings("v", (3, 2), answer, last, False, 0.2, 1, 0.25)
    assert [(f.name, f.observed) for f in wrong] == [
        ("blocking-reload-wrong-part", "media sequence number 3 part 1")]
    assert blocking_findings("v", (3, 2), answer, last, True, 0.2, 1, 0.25) == []  # ended
    late = blocking_findings("v", (3, 1), answer, last, False, 0.8, 1, 0.25)
    assert [(f.name, f.severity) for f in late] == [("blocking-reload-late", Severity.WARNING)]
    later = blocking_findings("v", (3, 1), answer, last, False, 3.5, 1, 0.25)
    assert [f.severity for f in later] == [Severity.ERROR]


@pytest.mark.parametrize(("said", "wrong"), [
    pytest.param((3, 1), False, id="as-before"),
    pytest.param((3, 0), False, id="one-part-behind-before"),
    pytest.param((3, 3), False, id="as-after"),
    pytest.param((4, 0), False, id="one-part-after-after"),
    pytest.param((2, 3), True, id="two-parts-behind"),
    pytest.param((4, 1), True, id="two-parts-ahead"),
    pytest.param((1, 1), True, id="two-segments-behind"),
])
def test_rendition_report_between_the_reads_before_and_after(said: tuple[int, int],
                                                             wrong: bool) -> None:
    before, last_before = state(ll(3, 2))
    after, last_after = state(ll(4, 0))
    waiting = pending("a.m3u8", ReportTag("b.m3u8", said), before, last_before)
    found = report_findings(waiting, "/b.m3u8", after, last_after)
    assert bool(found) is wrong
    if found:
        assert (found[0].playlist, found[0].uri) == ("a.m3u8", "/b.m3u8")


def test_attributes_left_out_of_a_report_are_the_carrier_own() -> None:
    parts, _ = state(ll(3, 2, reports='#EXT-X-RENDITION-REPORT:URI="b.m3u8"\n'
                                      '#EXT-X-RENDITION-REPORT:URI="c.m3u8",LAST-MSN=2\n'))
    assert parts is not None
    assert [(r.uri, r.position) for r in parts.reports] == [("b.m3u8", (3, 1)),
                                                            ("c.m3u8", (2, 1))]


@pytest.mark.parametrize(("base", "raw", "named"), [
    pytest.param("http://h:8/live/v0.m3u8", "v1.m3u8", "http://h:8/live/v1.m3u8", id="http"),
    pytest.param("https://h/a/v0.m3u8?t=1/2", "../b/v1.m3u8", "https://h/b/v1.m3u8",
                 id="https-with-query"),
    pytest.param("s3://b/live/v0.m3u8", "v1.m3u8", "s3://b/live/v1.m3u8", id="s3"),
])
def test_rendition_report_uris_resolve_against_urls(base: str, raw: str, named: str) -> None:
    """ll-rendition-report-missing finds an HTTP origin's reports (the URL's "//" kept)."""
    from hlsinspect.checks.media_support import resolve_against

    assert resolve_against(base, raw) == named


def test_a_rendition_report_is_judged_by_when_the_reloads_went_out(tmp_path: Path) -> None:
    """The reloads run concurrently, so a report is judged against the reported rendition's
    first reload asked for after the report was answered, whatever order the answers are
    applied in: not against one already in flight, whose answer may predate the report."""
    from hlsinspect.live.compare import Rendition, snapshot_of
    from hlsinspect.live.reload import Fetched
    from hlsinspect.live.rendition_reports import RenditionReports
    from hlsinspect.live.watched import Answer, Watched
    from hlsinspect.storage.local import LocalStorage

    storage = LocalStorage(str(tmp_path))
    a, b = (Watched(storage, f"{n}.m3u8", storage.uri(f"{n}.m3u8"), "master.m3u8",
                    Rendition(storage.uri(f"{n}.m3u8"))) for n in ("a", "b"))

    def answer(item: Watched, sent: float, answered: float, text: str) -> Fetched:
        snapshot = snapshot_of(parse(item.key, text.encode()), item.uri, sent)
        return Fetched(item, sent, answered, snapshot, asked=(0, 0))

    b.answers.append(Answer(9.0, 9.2, answer(b, 9.0, 9.2, ll(3, 1)).snapshot))  # b at 3.0
    reports = RenditionReports()
    # a, answered at 10.5, says b is at 3.2
    carrying = answer(a, 10.0, 10.5, ll(3, 3, reports='#EXT-X-RENDITION-REPORT:URI="b.m3u8",'
                                                      "LAST-MSN=3,LAST-PART=2\n"))
    reports.carried(carrying, [a, b])
    in_flight = answer(b, 10.2, 10.3, ll(3, 1))  # sent before a was answered: b still at 3.0
    assert reports.judged(in_flight) == []
    after = answer(b, 10.6, 10.8, ll(3, 3))  # sent after: b at 3.2, as a said
    assert reports.judged(after) == [(a.uri, [])]
    assert reports.held == {}
