"""Rules about EXT-X-DATERANGE (RFC 8216bis 4.4.5.1, Appendix D): dates, durations, the tags
that share an ID, and the interstitials scheduled with them.

Date ranges carry ad breaks, program boundaries and interstitials: a malformed one is
silently ignored by players (4.4.5.1 tells them to), so the break simply never happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.media_support import has_scheme, is_delta_update, media
from hlsinspect.checks.registry import ERROR, Issue, rule
from hlsinspect.playlists import Playlist
from hlsinspect.syntax.attributes import as_date_time, as_float, later
from hlsinspect.syntax.lines import Tag

PDT = "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z\n"
T0, T1, T2 = "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:03.000Z", "2026-01-01T00:00:05.000Z"
INTERSTITIAL = "com.apple.hls.interstitial"
DATES = ("START-DATE", "END-DATE")
NUMBERS = ("DURATION", "PLANNED-DURATION")


DELTA = ("#EXTM3U\n#EXT-X-VERSION:10\n#EXT-X-TARGETDURATION:6\n"
         "#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=36.0,CAN-SKIP-DATERANGES=YES\n"
         '#EXT-X-SKIP:SKIPPED-SEGMENTS=10,RECENTLY-REMOVED-DATERANGES=""\n' + PDT
         + '#EXT-X-DATERANGE:ID="a",DURATION=2.0\n#EXTINF:6.000,\ns.ts\n')
"""A delta update whose date range was dated by a tag it skipped."""


def ranged(*tags: str) -> str:
    """A dated playlist carrying the given EXT-X-DATERANGE attribute lists."""
    return media(head=PDT + "".join(f"#EXT-X-DATERANGE:{t}\n" for t in tags))


@dataclass
class DateRange:
    """The EXT-X-DATERANGE tags sharing one ID, consolidated as clients do."""

    ident: str
    tags: list[Tag]

    def attr(self, name: str) -> str | None:
        """The value from the first tag that has the attribute."""
        return next((v for v in (t.attr(name) for t in self.tags) if v is not None), None)

    def tag_with(self, name: str) -> Tag:
        return next((t for t in self.tags if name in t.attrs), self.tags[0])

    @property
    def start(self) -> datetime | None:
        return as_date_time(self.attr("START-DATE"))

    @property
    def end(self) -> datetime | None:
        """END-DATE, or START-DATE plus DURATION; None when unknown (or END-ON-NEXT)."""
        end = as_date_time(self.attr("END-DATE"))
        duration = as_float(self.attr("DURATION"))
        start = self.start
        if end is None and start is not None and duration is not None:
            end = later(start, duration)
        return end


def shown(moment: datetime) -> str:
    """A date as HLS writes it, in UTC to the millisecond."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def date_ranges(ctx: PlaylistContext) -> list[DateRange]:
    """Every date range of the playlist, in order of first appearance."""
    return ranges_in(ctx.playlist)


def ranges_in(playlist: Playlist) -> list[DateRange]:
    """`date_ranges` of a playlist outside a rule's context (a title's members)."""
    found: dict[str, DateRange] = {}
    for tag in playlist.lines.all("EXT-X-DATERANGE"):
        ident = tag.attr("ID") or ""
        found.setdefault(ident, DateRange(ident, [])).tags.append(tag)
    return list(found.values())


@rule("HLS340", "daterange-start-date-missing", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="add START-DATE to the first EXT-X-DATERANGE with this ID",
      passing=[ranged(f'ID="a",START-DATE="{T0}"', 'ID="a",DURATION=2.0'), DELTA],
      failing=[ranged('ID="a",DURATION=2.0', f'ID="a",START-DATE="{T0}"')])
def daterange_start_date_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-DATERANGE without START-DATE that no earlier tag with the same ID dates.
    Delta updates are not judged: the tag that dated the range may have been skipped."""
    for item in [] if is_delta_update(ctx.playlist) else date_ranges(ctx):
        for tag in item.tags:
            if "START-DATE" in tag.attrs:
                break
            yield Issue(f"EXT-X-DATERANGE {item.ident!r} has no START-DATE, and no earlier tag "
                        "with its ID has one", line=tag.line, expected="START-DATE")


@rule("HLS341", "daterange-date-invalid", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="write dates as ISO 8601: 2026-01-01T00:00:00.000Z",
      passing=[ranged(f'ID="a",START-DATE="{T0}",END-DATE="{T1}"')],
      failing=[ranged('ID="a",START-DATE="01/01/2026 00:00:01"'),
               ranged(f'ID="a",START-DATE="{T0}",END-DATE="tomorrow"')])
def daterange_date_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A START-DATE or END-DATE that is not an ISO 8601 date-time."""
    for tag in ctx.tags("EXT-X-DATERANGE"):
        for name in DATES:
            value = tag.attr(name)
            if value is not None and "{$" not in value and as_date_time(value) is None:
                yield Issue(f"EXT-X-DATERANGE {name} {value!r} is not an ISO 8601 date-time",
                            line=tag.line, observed=value, expected="YYYY-MM-DDThh:mm:ss.SSSZ")


@rule("HLS342", "daterange-end-before-start", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="END-DATE is the end of the range: at or after START-DATE",
      passing=[ranged(f'ID="a",START-DATE="{T0}",END-DATE="{T0}"')],
      failing=[ranged(f'ID="a",START-DATE="{T1}"', f'ID="a",END-DATE="{T0}"')])
def daterange_end_before_start(ctx: PlaylistContext) -> Iterator[Issue]:
    """A date range whose END-DATE is earlier than its START-DATE (the two may come from
    different tags with the same ID)."""
    for item in date_ranges(ctx):
        start, end = item.start, as_date_time(item.attr("END-DATE"))
        if start is not None and end is not None and end < start:
            yield Issue(f"EXT-X-DATERANGE {item.ident!r} ends ({item.attr('END-DATE')}) before "
                        f"it starts ({item.attr('START-DATE')})",
                        line=item.tag_with("END-DATE").line, observed=item.attr("END-DATE"),
                        expected=f">= {item.attr('START-DATE')}")


@rule("HLS343", "daterange-duration-mismatch", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="make END-DATE equal START-DATE plus DURATION, or keep only one of them",
      passing=[ranged(f'ID="a",START-DATE="{T0}",DURATION=2.0,END-DATE="{T1}"')],
      failing=[ranged(f'ID="a",START-DATE="{T0}",END-DATE="{T1}"', 'ID="a",DURATION=4.0')])
def daterange_duration_mismatch(ctx: PlaylistContext) -> Iterator[Issue]:
    """A date range with both DURATION and END-DATE where END-DATE is not START-DATE plus
    DURATION (within a millisecond, the precision dates are written with)."""
    for item in date_ranges(ctx):
        start, end = item.start, as_date_time(item.attr("END-DATE"))
        duration = as_float(item.attr("DURATION"))
        if start is None or end is None or duration is None:
            continue
        actual = (end - start).total_seconds()
        if abs(actual - duration) > 0.001:
            yield Issue(f"EXT-X-DATERANGE {item.ident!r} has DURATION={duration:g} but its "
                        f"END-DATE is {actual:.3f} s after its START-DATE",
                        line=item.tag_with("DURATION").line, observed=f"{duration:g}",
                        expected=f"{actual:.3f}")


@rule("HLS344", "daterange-end-on-next-invalid", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="give END-ON-NEXT=YES ranges a CLASS and neither DURATION nor END-DATE",
      passing=[ranged(f'ID="a",CLASS="com.example.ad",START-DATE="{T0}",END-ON-NEXT=YES')],
      failing=[ranged(f'ID="a",START-DATE="{T0}",END-ON-NEXT=YES'),
               ranged(f'ID="a",CLASS="c",START-DATE="{T0}",END-ON-NEXT=YES,DURATION=1.0')])
def daterange_end_on_next_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A date range with END-ON-NEXT=YES but no CLASS (its end is the start of the next
    range of its class), or with a DURATION or END-DATE that would contradict it. (A delta
    update may have skipped the tag with the CLASS.)"""
    for item in date_ranges(ctx):
        if item.attr("END-ON-NEXT") != "YES":
            continue
        line = item.tag_with("END-ON-NEXT").line
        if item.attr("CLASS") is None and not is_delta_update(ctx.playlist):
            yield Issue(f"EXT-X-DATERANGE {item.ident!r} has END-ON-NEXT=YES but no CLASS",
                        line=line, expected="CLASS")
        for name in ("DURATION", "END-DATE"):
            if item.attr(name) is not None:
                yield Issue(f"EXT-X-DATERANGE {item.ident!r} has END-ON-NEXT=YES and {name}",
                            line=line, observed=name)


@rule("HLS345", "daterange-cue-invalid", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="keep PRE or POST in CUE, not both",
      passing=[ranged(f'ID="a",START-DATE="{T0}",CUE="PRE,ONCE"')],
      failing=[ranged(f'ID="a",START-DATE="{T0}",CUE="PRE,POST"')])
def daterange_cue_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A CUE attribute holding both PRE and POST."""
    for tag in ctx.tags("EXT-X-DATERANGE"):
        cues = (tag.attr("CUE") or "").split(",")
        if "PRE" in cues and "POST" in cues:
            yield Issue("EXT-X-DATERANGE CUE has both PRE and POST", line=tag.line,
                        observed=tag.attr("CUE"))


def same_value(name: str, a: str, b: str) -> bool:
    """Two values of one attribute are equal: dates and numbers by value, others as written."""
    if name in DATES and as_date_time(a) is not None and as_date_time(b) is not None:
        return as_date_time(a) == as_date_time(b)
    if name in NUMBERS and as_float(a) is not None:
        return as_float(a) == as_float(b)
    return a == b


@rule("HLS346", "daterange-id-conflict", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="a later tag with the same ID may add attributes, never change one; give a new "
           "date range a new ID",
      passing=[ranged(f'ID="a",START-DATE="{T0}"', f'ID="a",START-DATE="{T0}",DURATION=2.0')],
      failing=[ranged(f'ID="a",START-DATE="{T0}"', f'ID="a",START-DATE="{T1}"')])
def daterange_id_conflict(ctx: PlaylistContext) -> Iterator[Issue]:
    """Two EXT-X-DATERANGE tags with the same ID and different values for the same
    attribute: a later tag may add to a date range, not change it."""
    for item in date_ranges(ctx):
        seen: dict[str, tuple[str, Tag]] = {}
        for tag in item.tags:
            for attribute in tag.attrs.items:
                first = seen.setdefault(attribute.name, (attribute.raw, tag))
                if first[1] is not tag and not same_value(attribute.name, first[0],
                                                          attribute.raw):
                    yield Issue(f"EXT-X-DATERANGE {item.ident!r} has {attribute.name}="
                                f"{attribute.raw}, but line {first[1].line} gave it {first[0]}",
                                line=tag.line, observed=attribute.raw, expected=first[0])


@rule("HLS347", "daterange-class-overlap", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.1",
      hint="end each range of the class before the next one starts",
      passing=[ranged(f'ID="a",CLASS="c",START-DATE="{T0}",END-ON-NEXT=YES',
                      f'ID="b",CLASS="c",START-DATE="{T1}",DURATION=1.0'),
               ranged(f'ID="a",CLASS="c",START-DATE="{T0}",DURATION=4.0',
                      f'ID="b",CLASS="c",START-DATE="{T1}",DURATION=1.0')],
      failing=[ranged(f'ID="a",CLASS="c",START-DATE="{T0}",DURATION=4.0',
                      f'ID="b",CLASS="c",START-DATE="{T1}",DURATION=1.0',
                      f'ID="z",CLASS="c",START-DATE="{T2}",END-ON-NEXT=YES')])
def daterange_class_overlap(ctx: PlaylistContext) -> Iterator[Issue]:
    """Overlapping date ranges of a CLASS that uses END-ON-NEXT=YES. Such a class is a
    sequence of ranges, each ending where the next begins, so its ranges must not overlap.
    Other classes may overlap (several interstitials can share a time), so they are not
    judged."""
    classes: dict[str, list[DateRange]] = {}
    for item in date_ranges(ctx):
        if item.attr("CLASS") is not None and item.start is not None:
            classes.setdefault(str(item.attr("CLASS")), []).append(item)
    for name, items in classes.items():
        if not any(i.attr("END-ON-NEXT") == "YES" for i in items):
            continue
        latest: DateRange | None = None
        for item in sorted(items, key=lambda i: i.start or datetime.min):
            start, until = item.start, latest.end if latest is not None else None
            if latest is not None and start is not None and until is not None and start < until:
                yield Issue(f"EXT-X-DATERANGE {item.ident!r} of CLASS {name!r} starts at "
                            f"{item.attr('START-DATE')}, before {latest.ident!r} of the same "
                            f"class ends ({shown(until)})", line=item.tags[0].line)
            if item.end is not None and (until is None or item.end > until):
                latest = item


def interstitials(ctx: PlaylistContext) -> Iterator[DateRange]:
    for item in date_ranges(ctx):
        if item.attr("CLASS") == INTERSTITIAL:
            yield item


@rule("HLS348", "daterange-interstitial-asset", ERROR, scope="media",
      reference="RFC 8216bis D.2",
      hint="give the interstitial either X-ASSET-URI or X-ASSET-LIST, exactly one",
      passing=[ranged(f'ID="ad",CLASS="{INTERSTITIAL}",START-DATE="{T0}",'
                      'X-ASSET-URI="https://ads.example.com/ad.m3u8"')],
      failing=[ranged(f'ID="ad",CLASS="{INTERSTITIAL}",START-DATE="{T0}"'),
               ranged(f'ID="ad",CLASS="{INTERSTITIAL}",START-DATE="{T0}",'
                      'X-ASSET-URI="https://ads.example.com/ad.m3u8",X-ASSET-LIST="ads.json"')])
def daterange_interstitial_asset(ctx: PlaylistContext) -> Iterator[Issue]:
    """An interstitial (CLASS "com.apple.hls.interstitial") without exactly one of
    X-ASSET-URI and X-ASSET-LIST: players cannot tell what to play. (A delta update may
    have skipped the tag that named the asset.)"""
    for item in interstitials(ctx):
        present = [n for n in ("X-ASSET-URI", "X-ASSET-LIST") if item.attr(n) is not None]
        if len(present) > 1 or not (present or is_delta_update(ctx.playlist)):
            found = "both" if present else "neither"
            yield Issue(f"interstitial {item.ident!r} has {found} X-ASSET-URI "
                        f"{'and' if present else 'nor'} X-ASSET-LIST", line=item.tags[0].line,
                        observed=" and ".join(present) or "neither", expected="exactly one")


@rule("HLS349", "daterange-interstitial-uri-not-absolute", ERROR, scope="media",
      reference="RFC 8216bis D.2",
      hint="write X-ASSET-URI as an absolute URI (https://...); X-ASSET-LIST may be relative",
      passing=[ranged(f'ID="ad",CLASS="{INTERSTITIAL}",START-DATE="{T0}",'
                      'X-ASSET-URI="https://ads.example.com/ad.m3u8"')],
      failing=[ranged(f'ID="ad",CLASS="{INTERSTITIAL}",START-DATE="{T0}",'
                      'X-ASSET-URI="ads/ad.m3u8"')])
def daterange_interstitial_uri_not_absolute(ctx: PlaylistContext) -> Iterator[Issue]:
    """An interstitial whose X-ASSET-URI is a relative reference; it must be an absolute
    URI."""
    for item in interstitials(ctx):
        uri = item.attr("X-ASSET-URI")
        if uri is not None and "{$" not in uri and not has_scheme(uri):
            yield Issue(f"interstitial {item.ident!r} has the relative X-ASSET-URI {uri!r}",
                        line=item.tag_with("X-ASSET-URI").line, observed=uri,
                        expected="an absolute URI")
