"""The rules across reloads of a live playlist: snapshots in, findings out, no I/O.

A `Rendition` keeps only what the rules need of the past (its last snapshot, whose segments
by media sequence number are the identities within the window, and when it last grew), so
memory is bounded by the window, never by the length of the watch. `Rendition.observe`
compares a new snapshot with the last and says what was added, what left the head (to be
asked about once, `removed_too_early`) and which rules it breaks; `drift` compares the
renditions of one title.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from hlsinspect.checks.registry import finding
from hlsinspect.live.lowlatency import Parts, parts_of
from hlsinspect.playlists import Playlist
from hlsinspect.report import Finding, Severity
from hlsinspect.syntax.attributes import as_int

RECENT = 4
"""Snapshots whose segments a restarted stream's are told apart from."""
STALE_WARNING = 1.5
STALE_ERROR = 3.0
"""Target durations without a new segment before a playlist is stale (a warning, an error)."""
DRIFT = 2.0
"""Target durations the live edges of one title's renditions may drift apart."""


@dataclass(frozen=True)
class SegmentId:
    """What a published segment is, and must stay (RFC 8216 6.2.1)."""

    sequence: int
    uri: str
    duration: float | None = None
    byterange: str | None = None
    key: str | None = None
    discontinuity: bool = False
    date: str | None = None
    """Its EXT-X-PROGRAM-DATE-TIME as written, when it has one."""
    line: int | None = field(default=None, compare=False)
    """Its URI line in the reload that showed it (for findings to point at; it moves as the
    window slides, so it is no part of what the segment is)."""

    def differences(self, other: SegmentId) -> list[str]:
        """What changed from `self` to `other`, the date aside."""
        changed = []
        for name in ("uri", "duration", "byterange", "key", "discontinuity"):
            before, after = getattr(self, name), getattr(other, name)
            if before != after:
                changed.append(f"{name} {before!r} -> {after!r}")
        return changed


@dataclass(frozen=True)
class Snapshot:
    """One reload of a media playlist."""

    playlist: str
    """How reports name it."""
    time: float
    """When it was read, in seconds of a monotonic clock."""
    target_duration: int | None
    media_sequence: int
    discontinuity_sequence: int
    endlist: bool
    segments: tuple[SegmentId, ...]
    digest: str = ""
    """A hash of its text: any change after EXT-X-ENDLIST is seen."""
    parts: Parts | None = None
    """Its partial segments, rendition reports and blocking reloads (with EXT-X-PART-INF)."""
    playlist_type: str | None = None
    """EXT-X-PLAYLIST-TYPE (EVENT, VOD), as the report shows it."""

    @property
    def duration(self) -> float:
        return sum(s.duration or 0.0 for s in self.segments)

    @property
    def last_sequence(self) -> int:
        return self.segments[-1].sequence if self.segments else self.media_sequence - 1


def snapshot_of(playlist: Playlist, uri: str, time: float) -> Snapshot:
    """The snapshot of a parsed media playlist read at `time`."""
    dseq = playlist.lines.first("EXT-X-DISCONTINUITY-SEQUENCE")
    discontinuity_sequence = (as_int(dseq.value) if dseq is not None else None) or 0
    segments = []
    for segment in playlist.segments:
        keys = ",".join(tag.value or "" for tag in segment.keys) or None
        date = next((tag.value for tag in segment.tags
                     if tag.name == "EXT-X-PROGRAM-DATE-TIME"), None)
        segments.append(SegmentId(
            segment.media_sequence, segment.uri, segment.duration,
            segment.byterange.value if segment.byterange is not None else None, keys,
            segment.discontinuity, date, segment.line))
    last = segments[-1].sequence if segments else playlist.media_sequence - 1
    return Snapshot(uri, time, playlist.target_duration, playlist.media_sequence,
                    discontinuity_sequence, playlist.endlist, tuple(segments),
                    hashlib.sha256(playlist.text.encode()).hexdigest(), parts_of(playlist, last),
                    playlist.written_type)


@dataclass(frozen=True)
class Removed:
    """A segment that left the head of the playlist after `time` (the last reload that listed
    it): it must stay available at least until `until` (its duration plus the playlist's,
    RFC 8216 6.2.2, counted from `time`)."""

    playlist: str
    segment: SegmentId
    time: float
    until: float


@dataclass(frozen=True)
class Change:
    """What one reload changed, and the rules it broke."""

    snapshot: Snapshot
    added: tuple[SegmentId, ...] = ()
    removed: tuple[Removed, ...] = ()
    findings: tuple[Finding, ...] = ()
    ended: bool = False
    """The playlist carries EXT-X-ENDLIST for the first time."""


@dataclass
class Rendition:
    """The state one media playlist leaves between reloads."""

    playlist: str
    last: Snapshot | None = None
    grown: float | None = None
    """When a new segment last appeared (or the first snapshot was read)."""
    added_media: float = 0.0
    """Seconds of media added since the first snapshot: how far its live edge moved."""
    added_count: int = 0
    removed_count: int = 0
    longest_stall: float = 0.0
    """The longest time without a new segment that made the playlist stale, so far."""
    recent: deque[frozenset[tuple[str, str | None]]] = field(
        default_factory=lambda: deque(maxlen=RECENT))
    """The segments (URI, byte range) of the last few snapshots: what is not new after a
    restart, or after a flip between two origins out of step."""

    def observe(self, new: Snapshot) -> Change:
        """Compare `new` with the last snapshot, then keep `new` in its place."""
        change = self._compare(new)
        self.recent.append(frozenset((s.uri, s.byterange) for s in new.segments))
        return change

    def _compare(self, new: Snapshot) -> Change:
        last, self.last = self.last, new
        if last is None:
            self.grown = new.time
            return Change(new, added=new.segments, ended=new.endlist)
        found: list[Finding] = []
        if last.endlist:
            if new.digest != last.digest:
                found.append(finding(
                    "playlist-changed-after-endlist",
                    "the playlist changed after it carried EXT-X-ENDLIST", playlist=new.playlist))
            return Change(new, findings=tuple(found))
        regressed = new.media_sequence < last.media_sequence
        if regressed:  # an encoder restarted: its segments are new whatever their numbers
            before = frozenset().union(*self.recent)
            added = tuple(s for s in new.segments if (s.uri, s.byterange) not in before)
        else:
            added = tuple(s for s in new.segments if s.sequence > last.last_sequence)
        if added:
            self.grown = new.time
            # segments that came and went between two reloads count a target duration each
            unseen = 0 if regressed else max(0, added[0].sequence - last.last_sequence - 1)
            self.added_media += (sum(s.duration or 0.0 for s in added)
                                 + unseen * (new.target_duration or 0))
            self.added_count += len(added)
        found += _target_duration(last, new)
        shifted = _head_shift(last, new)
        removed: tuple[Removed, ...] = ()
        if regressed:
            found.append(finding(
                "media-sequence-regressed",
                f"EXT-X-MEDIA-SEQUENCE went down from {last.media_sequence} to "
                f"{new.media_sequence}", playlist=new.playlist,
                observed=str(new.media_sequence), expected=f">= {last.media_sequence}"))
        elif shifted is not None and new.media_sequence != last.media_sequence + shifted:
            found.append(finding(
                "media-sequence-inconsistent",
                f"{shifted} segment(s) left the head but EXT-X-MEDIA-SEQUENCE went from "
                f"{last.media_sequence} to {new.media_sequence}", playlist=new.playlist,
                observed=str(new.media_sequence), expected=str(last.media_sequence + shifted)))
        else:
            found += _rewritten(last, new)
            found += _discontinuities(last, new)
            removed = self._removed(last, new)
        found += self._stale(new)
        return Change(new, added, removed, tuple(found), ended=new.endlist)

    def _removed(self, last: Snapshot, new: Snapshot) -> tuple[Removed, ...]:
        gone = [s for s in last.segments if s.sequence < new.media_sequence]
        self.removed_count += len(gone)
        # "the longest playlist containing that segment" (RFC 8216 6.2.2): the new one does
        # not; the last one is the one known, and a longer earlier one only lengthens it
        window = last.duration
        # it left after the last reload that listed it: the earliest it may be deleted is
        # counted from then, so a 404 judged against it is early whenever it left
        return tuple(Removed(new.playlist, s, last.time, last.time + (s.duration or 0.0) + window)
                     for s in gone)

    def _stale(self, new: Snapshot) -> list[Finding]:
        if new.endlist or not new.target_duration or self.grown is None:
            return []
        age = new.time - self.grown
        for limit, severity in ((STALE_ERROR, Severity.ERROR), (STALE_WARNING, Severity.WARNING)):
            if age > limit * new.target_duration:
                self.longest_stall = age = max(self.longest_stall, age)
                return [finding(
                    "live-playlist-stale",
                    f"no new segment for more than {limit:g} target durations "
                    f"({limit * new.target_duration:g} s)", playlist=new.playlist,
                    severity=severity, observed=f"{math.ceil(age * 100) / 100:.2f} s",
                    expected=f"<= {limit * new.target_duration:g} s")]
        return []


def _target_duration(last: Snapshot, new: Snapshot) -> list[Finding]:
    if last.target_duration is None or new.target_duration is None:
        return []
    if last.target_duration == new.target_duration:
        return []
    return [finding("target-duration-changed",
                    f"EXT-X-TARGETDURATION changed from {last.target_duration} to "
                    f"{new.target_duration}", playlist=new.playlist,
                    observed=str(new.target_duration), expected=str(last.target_duration))]


def _head_shift(last: Snapshot, new: Snapshot) -> int | None:
    """How many segments left the head, by where the new first segment stood in the last
    snapshot (by URI and byte range); None when it cannot be told (it was not there)."""
    if not new.segments:
        return None
    first = new.segments[0]
    for index, segment in enumerate(last.segments):
        if (segment.uri, segment.byterange) == (first.uri, first.byterange):
            return index
    return None


def _rewritten(last: Snapshot, new: Snapshot) -> list[Finding]:
    before = {s.sequence: s for s in last.segments}
    found = []
    for segment in new.segments:
        old = before.get(segment.sequence)
        if old is None:
            continue
        changed = old.differences(segment)
        if changed:
            found.append(finding(
                "segment-rewritten",
                f"media sequence number {segment.sequence} changed: {'; '.join(changed)}",
                playlist=new.playlist, uri=segment.uri))
        elif old.date is not None and segment.date is not None and old.date != segment.date:
            found.append(finding(
                "program-date-time-moved",
                f"the EXT-X-PROGRAM-DATE-TIME of media sequence number {segment.sequence} "
                f"changed", playlist=new.playlist, uri=segment.uri,
                observed=segment.date, expected=old.date))
    return found


def _discontinuities(last: Snapshot, new: Snapshot) -> list[Finding]:
    removed = sum(1 for s in last.segments
                  if s.sequence < new.media_sequence and s.discontinuity)
    expected = last.discontinuity_sequence + removed
    if new.discontinuity_sequence == expected:
        return []
    return [finding(
        "discontinuity-sequence-wrong",
        f"{removed} EXT-X-DISCONTINUITY tag(s) left the head but EXT-X-DISCONTINUITY-SEQUENCE "
        f"went from {last.discontinuity_sequence} to {new.discontinuity_sequence}",
        playlist=new.playlist, observed=str(new.discontinuity_sequence),
        expected=str(expected))]


def removed_too_early(removed: Removed, missing: bool, now: float,
                      present: float | None = None) -> Finding | None:
    """The finding when a removed segment asked about at `now` was gone (404) before it
    could be; `present`: when an earlier answer still found it there, if one did."""
    if not missing or now >= removed.until:
        return None
    gone = f"within {now - removed.time:.1f} s"
    if present is not None:  # both ends of when it went
        gone = f"between {present - removed.time:.1f} and {now - removed.time:.1f} s"
    return finding(
        "removed-segment-unavailable",
        f"media sequence number {removed.segment.sequence} left the playlist and was gone "
        f"(404) {gone} after the last reload that listed it, before its duration plus the "
        f"playlist's ({removed.until - removed.time:.1f} s) had passed",
        playlist=removed.playlist, uri=removed.segment.uri, observed=f"gone {gone}",
        expected=f"available for {removed.until - removed.time:.1f} s")


def drift(title: str | None, renditions: Sequence[Rendition]) -> list[Finding]:
    """The finding when the live edges of one title's renditions, measured as the media each
    added since the watch began, are further apart than two target durations."""
    live = [r for r in renditions
            if r.last is not None and not r.last.endlist and r.last.target_duration]
    if len(live) < 2:
        return []
    ahead = max(live, key=lambda r: r.added_media)
    behind = min(live, key=lambda r: r.added_media)
    target = max(r.last.target_duration or 0 for r in live if r.last is not None)
    gap = ahead.added_media - behind.added_media
    if gap <= DRIFT * target:
        return []
    return [finding(
        "renditions-drift",
        f"{behind.playlist} added {gap:.1f} s less media than {ahead.playlist} since the watch "
        f"began, more than {DRIFT:g} target durations ({DRIFT * target:g} s)",
        playlist=title or behind.playlist, uri=behind.playlist,
        observed=f"{gap:.1f} s", expected=f"<= {DRIFT * target:g} s")]
