"""What the renditions of one title share when each is a window on a live stream.

A live media playlist holds the last few segments, and each rendition drops old segments
on its own schedule (RFC 8216bis 6.2.2): two renditions fetched a moment apart start at
different segments, so their tags cannot be compared whole. What must agree is the content
they share: the discontinuity sequence number of the segments both hold (6.2.4), and the
date ranges that map to a segment each holds (a date range is dropped only when no date in
it maps to a segment still in the playlist, 6.2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hlsinspect.checks.dateranges import ranges_in
from hlsinspect.playlists import Playlist
from hlsinspect.syntax.attributes import as_date_time, later


@dataclass(frozen=True)
class Discontinuities:
    """The discontinuity sequence numbers at both ends of a playlist's window."""

    first_sequence: int
    """The media sequence number of the first segment."""
    first: int
    last: int

    def agrees(self, other: Discontinuities) -> bool:
        """Whether the content both windows hold has the same numbers: the newest segment
        (live windows end together, give or take a segment) and, when both windows start
        at one segment, the oldest."""
        same_start = self.first_sequence == other.first_sequence
        return self.last == other.last and (not same_start or self.first == other.first)


def discontinuities(playlist: Playlist) -> Discontinuities | None:
    segments = playlist.segments
    if not segments:
        return None
    return Discontinuities(segments[0].media_sequence, segments[0].discontinuity_sequence,
                           segments[-1].discontinuity_sequence)


def span(playlist: Playlist) -> tuple[datetime, datetime] | None:
    """The wall-clock time the playlist's segments cover, from its EXT-X-PROGRAM-DATE-TIME
    tags; None without one. Segments before the first dated one are counted back from it,
    segments after the last dated one forward."""
    first: tuple[datetime, float] | None = None
    last: tuple[datetime, float] | None = None
    elapsed = 0.0
    for segment in playlist.segments:
        dated = [t for t in segment.tags if t.name == "EXT-X-PROGRAM-DATE-TIME"]
        moment = as_date_time(dated[-1].value) if dated else None
        if moment is not None:
            first = first or (moment, elapsed)
            last = (moment, elapsed)
        elapsed += segment.duration or 0.0
    if first is None or last is None:
        return None
    start, end = later(first[0], -first[1]), later(last[0], elapsed - last[1])
    return (start, end) if start is not None and end is not None else None


def date_ranges(playlist: Playlist) -> dict[str, tuple[datetime, datetime] | None]:
    """Each EXT-X-DATERANGE ID with its start and end (the start again when it has no
    END-DATE or DURATION); None when its START-DATE cannot be read."""
    return {item.ident: (item.start, max(item.end or item.start, item.start))
            if item.start is not None else None for item in ranges_in(playlist)}


def overlaps(moments: tuple[datetime, datetime], window: tuple[datetime, datetime]) -> bool:
    return moments[0] < window[1] and moments[1] >= window[0]
