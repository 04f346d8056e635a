"""The rules across reloads (live/compare.py), each passing and failing, without any I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from hlsinspect.live.compare import Rendition, Snapshot, drift, removed_too_early, snapshot_of
from hlsinspect.live.objects import LEAD, due, leaving_due, removed_objects
from hlsinspect.live.seen import SeenFindings
from hlsinspect.live.watched import Watched
from hlsinspect.playlists import parse
from hlsinspect.report import Finding, Severity
from hlsinspect.storage.base import Existence, ObjectState
from hlsinspect.storage.local import LocalStorage

URI = "/live/index.m3u8"


def live(first: int, count: int, *, target: int = 1, dseq: int | None = None,
         names: dict[int, str] | None = None, durations: dict[int, float] | None = None,
         breaks: tuple[int, ...] = (), dates: dict[int, str] | None = None,
         endlist: bool = False) -> str:
    """A live playlist of segments `first` .. `first + count - 1`."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
             f"#EXT-X-MEDIA-SEQUENCE:{first}"]
    if dseq is not None:
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{dseq}")
    for n in range(first, first + count):
        if n in breaks:
            lines.append("#EXT-X-DISCONTINUITY")
        if dates and n in dates:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{dates[n]}")
        lines.append(f"#EXTINF:{(durations or {}).get(n, 1.0)},")
        lines.append((names or {}).get(n, f"s{n}.ts"))
    if endlist:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def snap(text: str, time: float, uri: str = URI) -> Snapshot:
    return snapshot_of(parse("index.m3u8", text.encode()), uri, time)


def run(*versions: tuple[str, float], uri: str = URI) -> tuple[Rendition, list[Finding]]:
    rendition = Rendition(uri)
    found: list[Finding] = []
    for text, time in versions:
        found += rendition.observe(snap(text, time, uri)).findings
    return rendition, found


def names(found: list[Finding]) -> list[str]:
    return [f.name for f in found]


def test_a_healthy_live_playlist_breaks_no_rule() -> None:
    rendition, found = run((live(0, 3), 0.0), (live(1, 3), 1.0), (live(2, 3), 2.0),
                           (live(2, 3, endlist=True), 2.5), (live(2, 3, endlist=True), 3.5))
    assert found == []
    assert (rendition.added_count, rendition.removed_count) == (2, 2)


def test_added_and_removed_segments() -> None:
    rendition = Rendition(URI)
    rendition.observe(snap(live(0, 3), 0.0))
    change = rendition.observe(snap(live(2, 3), 1.0))
    assert [s.sequence for s in change.added] == [3, 4]
    assert [r.segment.sequence for r in change.removed] == [0, 1]
    # 1 s of segment plus 3 s of playlist, from the last reload that listed it (it left
    # after that one, when exactly is not known: the earliest end is the one proven)
    assert (change.removed[0].time, change.removed[0].until) == (0.0, 0.0 + 1.0 + 3.0)


def test_stale_warning_after_one_and_a_half_target_durations() -> None:
    _, found = run((live(0, 3, target=2), 0.0), (live(0, 3, target=2), 2.9))
    assert found == []
    _, found = run((live(0, 3, target=2), 0.0), (live(0, 3, target=2), 3.1))
    assert names(found) == ["live-playlist-stale"]
    assert found[0].severity is Severity.WARNING


def test_stale_after_three_target_durations_is_an_error() -> None:
    _, found = run((live(0, 3), 0.0), (live(0, 3), 3.5))
    assert names(found) == ["live-playlist-stale"]
    assert found[0].severity is Severity.ERROR
    # a new segment resets the clock; an ended playlist is never stale
    assert run((live(0, 3), 0.0), (live(1, 3), 3.5))[1] == []
    assert run((live(0, 3), 0.0), (live(0, 3, endlist=True), 3.5), (live(0, 3, endlist=True),
                                                                      9.0))[1] == []


def test_sequence_regressed() -> None:
    _, found = run((live(5, 3), 0.0), (live(0, 3), 1.0))
    assert names(found) == ["media-sequence-regressed"]
    assert (found[0].observed, found[0].expected) == ("0", ">= 5")
    assert run((live(5, 3), 0.0), (live(5, 3), 1.0))[1] == []


def test_a_restarted_stream_s_segments_are_new() -> None:
    """After an encoder restart the sequence numbers start again: its segments are new (asked
    about, and no stale playlist), though their numbers are not above the last ones."""
    rendition = Rendition(URI)
    rendition.observe(snap(live(5, 3, target=2), 0.0))
    restarted = live(0, 1, target=2, names={0: "r0.ts"})
    change = rendition.observe(snap(restarted, 3.5))
    assert [s.uri for s in change.added] == ["r0.ts"]
    assert names(list(change.findings)) == ["media-sequence-regressed"]  # and not stale


def test_sequence_inconsistent() -> None:
    # s1.ts now heads the playlist (one segment removed) but the sequence went up by 2
    renamed = live(2, 3, names={2: "s1.ts", 3: "s2.ts", 4: "s3.ts"})
    _, found = run((live(0, 3), 0.0), (renamed, 1.0))
    assert names(found) == ["media-sequence-inconsistent"]
    assert (found[0].observed, found[0].expected) == ("2", "1")
    assert run((live(0, 3), 0.0), (live(1, 3), 1.0))[1] == []


def test_rewritten_uri() -> None:
    _, found = run((live(0, 3), 0.0), (live(0, 4, names={2: "other.ts"}), 1.0))
    assert names(found) == ["segment-rewritten"]
    assert "uri 's2.ts' -> 'other.ts'" in found[0].message


def test_rewritten_duration_and_discontinuity() -> None:
    _, found = run((live(0, 3), 0.0), (live(0, 4, durations={1: 0.5}), 1.0))
    assert names(found) == ["segment-rewritten"]
    assert "duration 1.0 -> 0.5" in found[0].message
    _, found = run((live(0, 3), 0.0), (live(0, 4, breaks=(2,)), 1.0))
    assert names(found) == ["segment-rewritten"]
    assert "discontinuity False -> True" in found[0].message


def test_target_duration_changed() -> None:
    _, found = run((live(0, 3, target=2), 0.0), (live(1, 3, target=3), 1.0))
    assert names(found) == ["target-duration-changed"]
    assert run((live(0, 3, target=2), 0.0), (live(1, 3, target=2), 1.0))[1] == []


def test_discontinuity_sequence_incremented() -> None:
    _, found = run((live(0, 3, dseq=4, breaks=(1,)), 0.0), (live(2, 3, dseq=5), 1.0))
    assert found == []


def test_discontinuity_sequence_not_incremented() -> None:
    _, found = run((live(0, 3, dseq=4, breaks=(1,)), 0.0), (live(2, 3, dseq=4), 1.0))
    assert names(found) == ["discontinuity-sequence-wrong"]
    assert (found[0].observed, found[0].expected) == ("4", "5")


def test_program_date_time_moved() -> None:
    before = live(0, 3, dates={0: "2026-01-01T00:00:00Z"})
    _, found = run((before, 0.0), (live(0, 4, dates={0: "2026-01-01T00:00:05Z"}), 1.0))
    assert names(found) == ["program-date-time-moved"]
    assert found[0].expected == "2026-01-01T00:00:00Z"
    assert run((before, 0.0), (live(0, 4, dates={0: "2026-01-01T00:00:00Z"}), 1.0))[1] == []


def test_removed_segment_gone_too_early() -> None:
    rendition = Rendition(URI)
    rendition.observe(snap(live(0, 3), 0.0))
    removed = rendition.observe(snap(live(1, 3), 1.0)).removed[0]
    gone = removed_too_early(removed, missing=True, now=1.2)
    assert gone is not None and gone.name == "removed-segment-unavailable"
    assert (gone.observed, gone.expected) == ("gone within 1.2 s", "available for 4.0 s")
    between = removed_too_early(removed, missing=True, now=3.5, present=1.1)
    assert between is not None and between.observed == "gone between 1.1 and 3.5 s"
    assert gone.uri == "s0.ts"
    assert removed_too_early(removed, missing=False, now=1.2) is None
    assert removed_too_early(removed, missing=True, now=removed.until) is None


def test_renditions_drift() -> None:
    ahead, _ = run((live(0, 3), 0.0), (live(5, 3), 4.0), uri="/a.m3u8")
    behind, _ = run((live(0, 3), 0.0), (live(1, 3), 4.0), uri="/b.m3u8")
    found = drift("/master.m3u8", [ahead, behind])
    assert names(found) == ["renditions-drift"]
    assert found[0].uri == "/b.m3u8"
    close, _ = run((live(0, 3), 0.0), (live(3, 3), 4.0), uri="/c.m3u8")
    assert drift("/master.m3u8", [ahead, close]) == []


def test_changed_after_endlist() -> None:
    ended = live(0, 3, endlist=True)
    _, found = run((ended, 0.0), (live(0, 4, endlist=True), 1.0))
    assert names(found) == ["playlist-changed-after-endlist"]
    assert run((ended, 0.0), (ended, 1.0))[1] == []


def test_the_time_to_stay_counts_only_playlists_that_held_the_segment() -> None:
    """RFC 8216 6.2.2: the segment's duration plus the longest playlist containing it; the
    reload that shows it gone (a longer playlist here) does not contain it."""
    rendition = Rendition(URI)
    rendition.observe(snap(live(0, 3, target=4, durations={0: 1, 1: 2, 2: 2}), 0.0))  # 5 s
    change = rendition.observe(snap(live(1, 3, target=4, durations={1: 2, 2: 2, 3: 4}), 2.0))
    [gone] = change.removed
    assert gone.until == 0.0 + 1.0 + 5.0
    assert removed_too_early(gone, missing=True, now=5.9) is not None
    assert removed_too_early(gone, missing=True, now=6.5) is None  # a server within the RFC


class _Answered:
    """A clock the store moves: each request is answered `delay` seconds after it was sent,
    and an object deleted by then is gone."""

    def __init__(self, delay: float) -> None:
        self.now = 0.0
        self.delay = delay
        self.deleted: dict[str, float] = {}

    def __call__(self) -> float:
        return self.now

    def storage(self, root: Path) -> LocalStorage:
        clock = self

        class Slow(LocalStorage):
            def stat(self, key: str) -> ObjectState:
                clock.now += clock.delay
                gone = key in clock.deleted and clock.now >= clock.deleted[key]
                return ObjectState(Existence.MISSING if gone else Existence.PRESENT, size=188)

        return Slow(str(root))


@pytest.mark.parametrize(("delay", "deleted", "early"), [
    pytest.param(0.05, 7.5, True, id="deleted-half-a-second-early"),
    pytest.param(0.05, 8.1, False, id="deleted-after-its-time"),
    pytest.param(0.5, 7.9, False, id="answered-after-its-time"),
])
def test_a_removed_segment_is_asked_about_just_before_its_time_is_up(
        tmp_path: Path, delay: float, deleted: float, early: bool) -> None:
    """2 s segments in a 6 s playlist: s0, last listed at 0 s, must stay until 8 s. Asked at
    once (still there) and again at 7.75 s: deleted at 7.5 s it is found gone; deleted after
    8 s it is not; and an answer that comes after 8 s proves nothing."""
    clock = _Answered(delay)
    storage = clock.storage(tmp_path)
    item = Watched(storage, "index.m3u8", storage.uri("index.m3u8"), None, Rendition(URI))
    two = {n: 2.0 for n in range(5)}
    item.state.observe(snap(live(0, 3, target=2, durations=two), 0.0))
    clock.now = 2.0
    change = item.state.observe(snap(live(1, 3, target=2, durations=two), 2.0))
    [removed] = change.removed
    assert removed.until == 0.0 + 2.0 + 6.0
    key = storage.resolve("index.m3u8", "s0.ts").key
    assert key is not None
    clock.deleted[key] = deleted
    assert removed_objects(item, change, clock) == []  # asked at once: still there
    [leaving] = item.leaving
    assert due(leaving) == 8.0 - LEAD
    clock.now = 7.0
    assert leaving_due(item, clock) == [] and item.leaving == [leaving]  # not yet due
    clock.now = due(leaving)
    found = leaving_due(item, clock)
    assert [f.name for f in found] == (["removed-segment-unavailable"] if early else [])
    assert item.leaving == []


def test_a_repeated_finding_keeps_observed_and_expected_of_one_reload() -> None:
    """A date flipping between two origins (A, B, A): the latest reload's change, B to A,
    never A against A."""
    first, second = "2026-01-01T00:00:00Z", "2026-01-01T00:00:05Z"
    rendition, seen = Rendition(URI), SeenFindings()
    for time, date in enumerate((first, second, first)):
        seen.add(rendition.observe(snap(live(0, 3, dates={1: date}), float(time))).findings,
                 float(time))
    [kept] = [s for s in seen.seen.values() if s.finding.name == "program-date-time-moved"]
    assert (kept.finding.observed, kept.finding.expected) == (first, second)


def test_stale_reports_the_longest_stall() -> None:
    rendition = Rendition(URI)
    found = [f for version in ((live(0, 3), 0.0), (live(0, 3), 5.0), (live(1, 3), 6.0),
                               (live(1, 3), 9.5))
             for f in rendition.observe(snap(*version)).findings]
    assert [f.observed for f in found] == ["5.00 s", "5.00 s"]  # the second stall: 3.5 s


def test_a_playlist_flipping_between_two_origins_adds_nothing_it_showed_before() -> None:
    """Two origins out of step (media sequence 100, 99, 100, 99): each flip back regresses,
    but what it lists was seen a reload before, so nothing is new (and no stall is hidden)."""
    rendition = Rendition(URI)
    changes = [rendition.observe(snap(live(first, 3), float(time)))
               for time, first in enumerate((100, 99, 100, 99))]
    assert [s.uri for s in changes[1].added] == ["s99.ts"]  # never seen before: new
    assert changes[3].added == ()
    assert names(list(changes[3].findings)) == ["media-sequence-regressed"]
