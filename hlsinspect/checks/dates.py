"""Rules about dates (RFC 8216bis 4.4.4.6, 4.4.5.1, 6.2.1): how EXT-X-PROGRAM-DATE-TIME and
EXT-X-DATERANGE dates are written, and whether they map the playlist's segments to
wall-clock time without ambiguity.

Players seek, display and synchronise renditions by these dates; a date that jumps back
makes one moment name two segments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.dateranges import DATES, ranged, shown
from hlsinspect.checks.media_support import is_delta_update, media
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.model import Segment
from hlsinspect.syntax.attributes import as_date_time, date_time_zone_missing, later
from hlsinspect.syntax.lines import Tag

_FRACTION = re.compile(r"T\d{2}:\d{2}:\d{2}\.(\d+)")
HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n"
END = "#EXT-X-ENDLIST\n"
SEG = "#EXTINF:6.000,\ns.ts\n"
OVERLAP = 1.0
"""Seconds of overlap between dated segments that make the mapping ambiguous: the server
may introduce sub-second overlaps to absorb clock drift (6.2.1)."""


def pdt(value: str) -> str:
    return f"#EXT-X-PROGRAM-DATE-TIME:{value}\n"


def _dated(segment: Segment) -> Tag | None:
    """The EXT-X-PROGRAM-DATE-TIME applied to the segment (the last one, if two are)."""
    found = [t for t in segment.tags if t.name == "EXT-X-PROGRAM-DATE-TIME"]
    return found[-1] if found else None


@rule("HLS320", "program-date-time-zone-missing", WARNING, scope="media",
      reference="RFC 8216bis 4.4.4.6",
      hint="end the date with Z or an offset such as +02:00",
      passing=[media(head=pdt("2026-01-01T00:00:00.000Z")),
               media(head=pdt("2026-01-01T02:00:00.000+02:00"))],
      failing=[media(head=pdt("2026-01-01T00:00:00.000"))])
def program_date_time_zone_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-PROGRAM-DATE-TIME without a time zone. Clients should then assume UTC, which
    is wrong for a local time. One finding per playlist, naming the first such tag."""
    tags = [t for t in ctx.tags("EXT-X-PROGRAM-DATE-TIME")
            if t.value and date_time_zone_missing(t.value)]
    if tags:
        more = f" (and {len(tags) - 1} more)" if len(tags) > 1 else ""
        yield Issue(f"EXT-X-PROGRAM-DATE-TIME {tags[0].value} has no time zone{more}",
                    line=tags[0].line, observed=tags[0].value, expected="...Z or ...+hh:mm")


def imprecise(text: str) -> bool:
    """A valid date-time with less than millisecond precision."""
    match = _FRACTION.search(text)
    return as_date_time(text) is not None and (match is None or len(match.group(1)) < 3)


@rule("HLS321", "date-time-milliseconds-missing", WARNING, scope="media",
      reference="RFC 8216bis 4.4.4.6, 4.4.5.1",
      hint="write the seconds with three decimals: 2026-01-01T00:00:00.000Z",
      passing=[media(head=pdt("2026-01-01T00:00:00.000Z"))],
      failing=[media(head=pdt("2026-01-01T00:00:00Z")),
               media(head=pdt("2026-01-01T00:00:00.000Z") + '#EXT-X-DATERANGE:ID="a",'
                     'START-DATE="2026-01-01T00:00:03.5Z"\n')])
def date_time_milliseconds_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-PROGRAM-DATE-TIME, or a START-DATE or END-DATE of EXT-X-DATERANGE, without
    fractional seconds to at least millisecond accuracy. One finding per playlist."""
    found: list[tuple[Tag, str]] = []
    for tag in ctx.lines.tags:
        if tag.name == "EXT-X-PROGRAM-DATE-TIME" and tag.value:
            found += [(tag, tag.value.strip())] if imprecise(tag.value) else []
        elif tag.name == "EXT-X-DATERANGE":
            values = (tag.attr("START-DATE"), tag.attr("END-DATE"))
            found += [(tag, v) for v in values if v is not None and imprecise(v)]
    if found:
        tag, value = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        yield Issue(f"the date {value} in #{tag.name} is not written to the millisecond"
                    f"{more}", line=tag.line, observed=value, expected="hh:mm:ss.SSS")


def _overlaps(ctx: PlaylistContext) -> Iterator[tuple[Segment, Tag, datetime, datetime]]:
    """Each dated segment whose date is earlier than the previous date plus the durations
    in between: (segment, its tag, its date, the date the timeline gives it)."""
    previous: datetime | None = None
    elapsed = 0.0
    for segment in ctx.segments:
        tag = _dated(segment)
        moment = as_date_time(tag.value) if tag is not None else None
        if tag is not None and moment is not None:
            expected = later(previous, elapsed) if previous is not None else None
            if expected is not None and (expected - moment).total_seconds() >= OVERLAP:
                yield segment, tag, moment, expected
            previous, elapsed = moment, 0.0
        if segment.duration is None:
            previous = None  # the timeline is lost until the next date
        elapsed += segment.duration or 0.0


@rule("HLS322", "program-date-time-overlap", ERROR, scope="media",
      reference="RFC 8216bis 6.2.1",
      hint="date each segment at or after the end of the previous one (the previous date "
           "plus the EXTINF durations in between)",
      passing=[HEAD + pdt("2026-01-01T00:00:00.000Z") + "#EXTINF:6.000,\na.ts\n"
               + pdt("2026-01-01T00:00:05.500Z") + "#EXTINF:6.000,\nb.ts\n" + END,
               HEAD + pdt("2026-01-01T00:00:00.000Z") + "#EXTINF:6.000,\na.ts\n"
               + "#EXT-X-DISCONTINUITY\n" + pdt("2026-01-01T05:00:00.000Z")
               + "#EXTINF:6.000,\nb.ts\n" + END],
      failing=[HEAD + pdt("2026-01-01T00:00:10.000Z") + "#EXTINF:6.000,\na.ts\n"
               + pdt("2026-01-01T00:00:12.000Z") + "#EXTINF:6.000,\nb.ts\n" + END])
def program_date_time_overlap(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-PROGRAM-DATE-TIME earlier, by a second or more, than the previous one plus
    the EXTINF durations between them: two segments then claim the same moment and the
    mapping from date to segment becomes ambiguous. Sub-second overlaps are allowed."""
    for segment, tag, moment, expected in _overlaps(ctx):
        back = (expected - moment).total_seconds()
        yield Issue(f"segment {segment.uri!r} is dated {tag.value}, {back:.3f} s before the "
                    f"end of the previous dated segments ({shown(expected)})",
                    line=tag.line, uri=ctx.object_uri(segment.uri), observed=tag.value,
                    expected=f">= {shown(expected)}")


@rule("HLS323", "program-date-time-discontinuity-missing", WARNING, scope="media",
      reference="RFC 8216bis 6.2.1",
      hint="put an EXT-X-PROGRAM-DATE-TIME on every segment after an EXT-X-DISCONTINUITY",
      passing=[HEAD + pdt("2026-01-01T00:00:00.000Z") + SEG + "#EXT-X-DISCONTINUITY\n"
               + pdt("2026-01-01T01:00:00.000Z") + SEG + END,
               HEAD + SEG + "#EXT-X-DISCONTINUITY\n" + SEG + END],
      failing=[HEAD + pdt("2026-01-01T00:00:00.000Z") + SEG + "#EXT-X-DISCONTINUITY\n"
               + SEG + END])
def program_date_time_discontinuity_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A playlist that dates its segments, with a segment after an EXT-X-DISCONTINUITY that
    carries no EXT-X-PROGRAM-DATE-TIME: across a discontinuity the timeline restarts, so
    players cannot carry the previous date over."""
    if not ctx.lines.has("EXT-X-PROGRAM-DATE-TIME"):
        return
    for segment in ctx.segments:
        if segment.discontinuity and _dated(segment) is None:
            yield Issue(f"segment {segment.uri!r} follows an EXT-X-DISCONTINUITY without an "
                        "EXT-X-PROGRAM-DATE-TIME", line=segment.line_of_extinf,
                        uri=ctx.object_uri(segment.uri))


@rule("HLS324", "daterange-without-program-date-time", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="date the first segment with EXT-X-PROGRAM-DATE-TIME: date ranges are placed on "
           "the timeline by it",
      passing=[ranged('ID="a",START-DATE="2026-01-01T00:00:01.000Z"')],
      failing=[media(head='#EXT-X-DATERANGE:ID="a",START-DATE="2026-01-01T00:00:01.000Z"\n')])
def daterange_without_program_date_time(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-DATERANGE in a playlist without any EXT-X-PROGRAM-DATE-TIME: nothing ties its
    dates to the segments. (In a delta update the dated segments may have been skipped.)"""
    tag = ctx.tag("EXT-X-DATERANGE")
    if (tag is not None and not ctx.lines.has("EXT-X-PROGRAM-DATE-TIME")
            and not is_delta_update(ctx.playlist)):
        yield Issue("the playlist has EXT-X-DATERANGE but no EXT-X-PROGRAM-DATE-TIME",
                    line=tag.line)


@rule("HLS325", "daterange-date-zone-missing", WARNING, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="end the date with Z or an offset such as +02:00",
      passing=[ranged('ID="a",START-DATE="2026-01-01T00:00:01.000Z"')],
      failing=[ranged('ID="a",START-DATE="2026-01-01T00:00:01.000"')])
def daterange_date_zone_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A START-DATE or END-DATE without a time zone; clients then assume UTC. One finding
    per playlist."""
    found = [(tag, value) for tag in ctx.tags("EXT-X-DATERANGE")
             for value in (tag.attr(name) for name in DATES)
             if value is not None and date_time_zone_missing(value)]
    if found:
        tag, value = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        yield Issue(f"the EXT-X-DATERANGE date {value} has no time zone{more}", line=tag.line,
                    observed=value, expected="...Z or ...+hh:mm")
