"""The report of a watch, in the form of `check`'s: the last snapshot of each media
playlist, each finding once with how often and from when to when it was seen, the timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from hlsinspect.checks.registry import priority
from hlsinspect.live.seen import Seen
from hlsinspect.live.timeline import iso
from hlsinspect.live.watched import Watched
from hlsinspect.report import ObjectCounts, PlaylistReport, Report, TimelineEvent
from hlsinspect.settings import Settings
from hlsinspect.uri.redact import redact
from hlsinspect.version import __version__


@dataclass(frozen=True)
class Dating:
    """Monotonic times (to measure) turned into wall-clock times (to report)."""

    monotonic: Callable[[], float]
    wall: Callable[[], float]

    def iso(self, moment: float) -> str:
        return iso(self.wall() - (self.monotonic() - moment))


def assemble(targets: Sequence[str], titles: Iterable[PlaylistReport],
             watched: Sequence[Watched], seen: Iterable[Seen], timeline: tuple[TimelineEvent, ...],
             settings: Settings, dating: Dating) -> Report:
    """What the watch saw, as a Report."""
    findings = [replace(s.finding, count=s.count, first_seen=dating.iso(s.first),
                        last_seen=dating.iso(s.last))
                for s in seen if settings.rules.admits(s.finding)]
    findings.sort(key=priority)
    playlists = [*titles, *(_playlist(item) for item in watched)]
    total = ObjectCounts()
    for item in watched:
        total = total + item.objects
    return Report(version=__version__, targets=tuple(redact(t) for t in targets),
                  playlists=tuple(playlists), findings=tuple(findings), objects=total,
                  fail_on=settings.fail_on, timeline=timeline)


def _playlist(item: Watched) -> PlaylistReport:
    last = item.state.last
    if last is None:
        return PlaylistReport(uri=item.uri, kind="media", parent=item.parent,
                              load_status="unreadable")
    return PlaylistReport(
        uri=item.uri, kind="media", parent=item.parent, version=item.version,
        target_duration=last.target_duration, playlist_type=last.playlist_type,
        media_sequence=last.media_sequence, endlist=last.endlist,
        segment_count=len(last.segments), total_duration=round(last.duration, 6),
        objects=item.objects)
