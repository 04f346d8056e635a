"""Rules about one media playlist (RFC 8216 4.3.2, 4.3.3, 6.2): durations, sequence numbers,
where tags stand, and whether the playlist says it is finished.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.media_support import is_delta_update
from hlsinspect.checks.registry import ERROR, INFO, WARNING, Issue, rule
from hlsinspect.syntax.attributes import as_float
from hlsinspect.syntax.tags import extinf_parts
from hlsinspect.uri.keys import without_query

HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n"
VOD = HEAD + "#EXT-X-PLAYLIST-TYPE:VOD\n"
SEG = "#EXTINF:9.009,\na.ts\n"
END = "#EXT-X-ENDLIST\n"
FMP4 = ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        "#EXTINF:4.0,\nseg0.m4s\n#EXT-X-ENDLIST\n")


def nearest_integer(value: float | Decimal | str) -> int:
    """RFC 8216 rounds EXTINF to the nearest integer, halves up (Python's round() is banker's)."""
    return int(Decimal(str(value)).to_integral_value(rounding=ROUND_HALF_UP))


def is_bare(ctx: PlaylistContext) -> bool:
    """No media playlist or media segment tag at all (#EXTM3U alone, say): playlist-empty
    says what is wrong; missing target duration or ENDLIST would only repeat it."""
    return not any(t.spec is not None and t.spec.category.value in ("media", "segment")
                   for t in ctx.lines.tags)


LIVE_SIGNS = ("EXT-X-SERVER-CONTROL", "EXT-X-PART-INF", "EXT-X-PRELOAD-HINT", "EXT-X-SKIP",
              "EXT-X-PROGRAM-DATE-TIME")


def shows_live(ctx: PlaylistContext) -> bool:
    """The playlist says it is live or an event: EVENT type, low-latency or delta-update
    tags, dates, or a media sequence that has moved on."""
    playlist = ctx.playlist
    return (playlist.playlist_type == "EVENT" or playlist.media_sequence > 0
            or any(ctx.lines.has(name) for name in LIVE_SIGNS))


def _first_segment_line(ctx: PlaylistContext) -> int | None:
    segments = ctx.segments
    return segments[0].line_of_extinf if segments else None


@rule("HLS002", "playlist-empty", ERROR, scope="media", reference="RFC 8216 4.3.3",
      hint="the transcode wrote no segment: check the job's log",
      passing=[VOD + SEG + END],
      failing=[VOD + END, "#EXTM3U\n", HEAD])
def playlist_empty(ctx: PlaylistContext) -> Iterator[Issue]:
    """A media playlist without any media segment. A finished one (EXT-X-ENDLIST or VOD), or
    a file with nothing but #EXTM3U, is a transcode that wrote nothing: an error. A live
    playlist without segments yet is valid but empty (RFC 8216bis 4.1): a warning."""
    if ctx.segments:
        return
    playlist = ctx.playlist
    finished = playlist.endlist or playlist.playlist_type == "VOD"
    if finished or is_bare(ctx):
        yield Issue("the media playlist lists no segments")
    else:
        yield Issue("the live playlist lists no segments yet", severity=WARNING)


@rule("HLS003", "target-duration-missing", ERROR, scope="media", reference="RFC 8216 4.3.3.1",
      hint="add #EXT-X-TARGETDURATION:<the longest EXTINF, rounded>",
      passing=[VOD + SEG + END],
      failing=["#EXTM3U\n#EXT-X-VERSION:3\n" + SEG + END])
def target_duration_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A media playlist without EXT-X-TARGETDURATION: players cannot size their buffer."""
    if not ctx.lines.has("EXT-X-TARGETDURATION") and not is_bare(ctx):
        yield Issue("no EXT-X-TARGETDURATION", line=1)


@rule("HLS200", "target-duration-zero", ERROR, scope="media",
      reference="RFC 8216bis 4.4.3.1",
      hint="set it to the longest EXTINF rounded to the nearest integer (at least 1)",
      passing=[VOD + SEG + END],
      failing=[VOD.replace("TARGETDURATION:10", "TARGETDURATION:0")
               + "#EXTINF:0.4,\na.ts\n" + END])
def target_duration_zero(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-TARGETDURATION:0. Its value must be at least 1."""
    tag = ctx.tag("EXT-X-TARGETDURATION")
    if tag is not None and ctx.playlist.target_duration == 0:
        yield Issue("EXT-X-TARGETDURATION is 0; it must be at least 1", line=tag.line,
                    observed="0", expected=">= 1")


def _written_duration(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


@rule("HLS004", "extinf-exceeds-target-duration", ERROR, scope="media",
      reference="RFC 8216 4.3.3.1",
      hint="raise EXT-X-TARGETDURATION to the longest EXTINF rounded, or cut shorter segments",
      passing=[VOD + "#EXTINF:10.499,\na.ts\n" + END],
      failing=[VOD + "#EXTINF:10.5,\na.ts\n" + END, VOD + "#EXTINF:14.6,\na.ts\n" + END])
def extinf_exceeds_target_duration(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXTINF duration that, rounded to the nearest integer, is above EXT-X-TARGETDURATION.
    Rounding is done on the duration as written, halves up: 10.4999999999 is 10, 10.5 is 11."""
    target = ctx.playlist.target_duration
    if target is None:
        return
    for segment in ctx.segments:
        # below target + 0.4 no duration rounds above the target: only the rest is read
        # again as written (a title's every segment otherwise, at 2 ms a playlist)
        if segment.extinf is None or segment.duration is None or segment.duration < target + 0.4:
            continue
        written = _written_duration(extinf_parts(segment.extinf.value)[0])
        if written is None:
            continue
        rounded = nearest_integer(written)
        if rounded > target:
            yield Issue(
                f"segment {segment.index} ({segment.uri!r}) lasts {written} s, which rounds "
                f"to {rounded} s, above EXT-X-TARGETDURATION:{target}",
                line=segment.extinf.line, uri=ctx.object_uri(segment.uri),
                observed=f"{written} s (rounds to {rounded})", expected=f"<= {target}")


@rule("HLS005", "endlist-missing", WARNING, scope="media",
      reference="RFC 8216 4.3.3.4, 6.2.1",
      hint="a finished transcode ends its media playlists with #EXT-X-ENDLIST; with "
           "--fail-on warning a playlist cut short fails the run",
      summary="No EXT-X-ENDLIST: the playlist is live, or the transcode stopped early. An "
              "error for PLAYLIST-TYPE:VOD, which cannot change and so must be finished; "
              "information only when the playlist shows it is live (EVENT type, low-latency "
              "or delta-update tags, dates, a media sequence above 0); a warning otherwise.",
      passing=[VOD + SEG + END, HEAD + SEG + END],
      failing=[VOD + SEG, HEAD + SEG, HEAD + "#EXT-X-MEDIA-SEQUENCE:42\n" + SEG])
def endlist_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    if ctx.playlist.endlist or is_bare(ctx):
        return
    if ctx.playlist.playlist_type == "VOD":
        yield Issue("no EXT-X-ENDLIST: a PLAYLIST-TYPE:VOD playlist cannot change, so it must "
                    "end with it", severity=ERROR,
                    hint="the transcode stopped early or the upload was cut: check its "
                         "segments and write the playlist again, ending with #EXT-X-ENDLIST")
    elif shows_live(ctx):
        yield Issue("no EXT-X-ENDLIST: a live playlist (players reload it)", severity=INFO)
    else:
        yield Issue("no EXT-X-ENDLIST: players treat the playlist as live; a finished "
                    "transcode ends with it")


@rule("HLS006", "extinf-missing", ERROR, scope="media", reference="RFC 8216 4.3.2.1",
      hint="put #EXTINF:<duration>, before every segment URI",
      passing=[VOD + SEG + END],
      failing=[VOD + "a.ts\n" + SEG + END, VOD + "#EXT-X-BYTERANGE:1000@0\na.ts\n" + END])
def extinf_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A media segment without EXTINF: every segment needs its duration."""
    for segment in ctx.segments:
        if segment.extinf is None:
            yield Issue(f"segment {segment.uri!r} has no EXTINF before it", line=segment.line,
                        uri=ctx.object_uri(segment.uri))


@rule("HLS201", "extinf-duration-invalid", ERROR, scope="media", reference="RFC 8216 4.3.2.1",
      hint="write #EXTINF:<seconds>, with a non-negative decimal number and the comma",
      passing=[VOD + "#EXTINF:9.009,Title\na.ts\n" + END, VOD + "#EXTINF:9,\na.ts\n" + END],
      failing=[VOD + "#EXTINF:abc,\na.ts\n" + END, VOD + "#EXTINF:-4.0,\na.ts\n" + END,
               VOD + "#EXTINF:9.009\na.ts\n" + END, VOD + "#EXTINF:\na.ts\n" + END])
def extinf_duration_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXTINF whose duration is not a non-negative decimal number, or without the comma
    that ends the duration (#EXTINF:<duration>,[<title>])."""
    for tag in ctx.tags("EXTINF"):
        duration, title = extinf_parts(tag.value)
        if as_float(duration) is None:
            yield Issue(f"EXTINF duration {duration!r} is not a number of seconds",
                        line=tag.line, observed=duration or "(nothing)",
                        expected="a decimal number >= 0")
        elif title is None:
            yield Issue("EXTINF has no comma after the duration", line=tag.line,
                        observed=tag.value, expected=f"{duration},")


@rule("HLS202", "extinf-without-segment", ERROR, scope="media", reference="RFC 8216 4.3.2",
      hint="every EXTINF (and EXT-X-BYTERANGE) is followed by its segment's URI line",
      passing=[VOD + SEG + END],
      failing=[VOD + "#EXTINF:9.009,\n" + SEG + END, VOD + SEG + "#EXTINF:9.009,\n" + END])
def extinf_without_segment(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXTINF or EXT-X-BYTERANGE that no URI line follows before the next one (or the
    end): the segment it describes is missing from the playlist."""
    for tag in ctx.playlist.structure.dangling:
        yield Issue(f"#{tag.name} is not followed by a segment URI: the segment it describes "
                    "is lost", line=tag.line)


@rule("HLS203", "media-sequence-misplaced", ERROR, scope="media",
      reference="RFC 8216 4.3.3.2",
      hint="move EXT-X-MEDIA-SEQUENCE above the first segment",
      passing=[HEAD + "#EXT-X-MEDIA-SEQUENCE:7\n" + SEG],
      failing=[HEAD + SEG + "#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:9.009,\nb.ts\n"])
def media_sequence_misplaced(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-MEDIA-SEQUENCE after the first media segment; it must come before it."""
    first = _first_segment_line(ctx)
    for tag in ctx.tags("EXT-X-MEDIA-SEQUENCE"):
        if first is not None and tag.line > first:
            yield Issue(f"EXT-X-MEDIA-SEQUENCE comes after the first segment (line {first})",
                        line=tag.line)


@rule("HLS204", "discontinuity-sequence-misplaced", ERROR, scope="media",
      reference="RFC 8216 4.3.3.3",
      hint="move EXT-X-DISCONTINUITY-SEQUENCE above the first segment and discontinuity",
      passing=[HEAD + "#EXT-X-DISCONTINUITY-SEQUENCE:2\n" + SEG],
      failing=[HEAD + SEG + "#EXT-X-DISCONTINUITY-SEQUENCE:2\n#EXTINF:9.009,\nb.ts\n"])
def discontinuity_sequence_misplaced(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-DISCONTINUITY-SEQUENCE after the first media segment or after an
    EXT-X-DISCONTINUITY; it must come before both."""
    first = _first_segment_line(ctx)
    discontinuity = ctx.tag("EXT-X-DISCONTINUITY")
    for tag in ctx.tags("EXT-X-DISCONTINUITY-SEQUENCE"):
        if first is not None and tag.line > first:
            yield Issue("EXT-X-DISCONTINUITY-SEQUENCE comes after the first segment "
                        f"(line {first})", line=tag.line)
        elif discontinuity is not None and tag.line > discontinuity.line:
            yield Issue("EXT-X-DISCONTINUITY-SEQUENCE comes after an EXT-X-DISCONTINUITY "
                        f"(line {discontinuity.line})", line=tag.line)


_FMP4 = (".mp4", ".m4s", ".m4v", ".m4a", ".cmfv", ".cmfa", ".cmft", ".cmfm")


@rule("HLS205", "fmp4-map-missing", WARNING, scope="media",
      reference="RFC 8216 3.3; Apple HLS 8.20",
      hint='add #EXT-X-MAP:URI="<init segment>" before the first fMP4 segment',
      passing=[FMP4.replace("#EXTINF", '#EXT-X-MAP:URI="init.mp4"\n#EXTINF')],
      failing=[FMP4])
def fmp4_map_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A segment named like fragmented MPEG-4 (.m4s, .mp4, .cmfv...) with no EXT-X-MAP in
    effect: every fMP4 segment MUST have one (RFC 8216bis 3.1.2), without its initialization
    section a player cannot decode it. A warning, not an error, because the name is the only
    evidence of the format. I-frame playlists are exempt (their resources may begin with the
    initialization section)."""
    if ctx.playlist.iframes_only or ctx.lines.has("EXT-X-SKIP"):
        return  # a delta update skips the EXT-X-MAP with the segments before it (4.4.5.2)
    for segment in ctx.segments:
        path = without_query(segment.uri).lower()
        if segment.map is None and path.endswith(_FMP4):
            yield Issue(f"segment {segment.uri!r} looks like fMP4, but no EXT-X-MAP applies "
                        "to it", line=segment.line, uri=ctx.object_uri(segment.uri))
            return


@rule("HLS206", "live-playlist-too-short", INFO, scope="media",
      reference="RFC 8216 6.2.2",
      hint="keep at least three target durations of segments in a live playlist",
      passing=[HEAD + "#EXT-X-MEDIA-SEQUENCE:7\n" + SEG * 4, HEAD + SEG],
      failing=[HEAD + "#EXT-X-MEDIA-SEQUENCE:7\n" + SEG])
def live_playlist_too_short(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live playlist (no EXT-X-ENDLIST, no PLAYLIST-TYPE) with EXT-X-MEDIA-SEQUENCE above
    0 that lasts less than three target durations. A server must not remove a segment if
    that leaves less (players stall on it); one snapshot cannot tell whether segments were
    removed or the numbering just starts high, so this is information."""
    target = ctx.playlist.target_duration
    if (ctx.playlist.endlist or ctx.playlist.playlist_type or not target or not ctx.segments
            or ctx.playlist.media_sequence == 0 or is_delta_update(ctx.playlist)):
        return  # a delta update's skipped segments still count: its length is not known
    total = ctx.playlist.total_duration
    if total < 3 * target:
        tag = ctx.tag("EXT-X-MEDIA-SEQUENCE")
        yield Issue(f"the live playlist lasts {total:.3f} s, less than three target "
                    f"durations ({3 * target} s); if segments were removed "
                    f"(EXT-X-MEDIA-SEQUENCE:{ctx.playlist.media_sequence}), too many were",
                    line=tag.line if tag else None, observed=f"{total:.3f} s",
                    expected=f">= {3 * target} s")


@rule("HLS207", "start-offset-out-of-range", WARNING, scope="media",
      reference="RFC 8216 4.3.5.2",
      hint="set TIME-OFFSET within the playlist (and, live, at least three target durations "
           "from its end)",
      passing=[VOD + "#EXT-X-START:TIME-OFFSET=4.0\n" + SEG + END],
      failing=[VOD + "#EXT-X-START:TIME-OFFSET=30.0\n" + SEG + END,
               HEAD + "#EXT-X-START:TIME-OFFSET=-5\n" + SEG * 4])
def start_offset_out_of_range(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-START's TIME-OFFSET beyond the playlist's duration, or (live) within three
    target durations of its end."""
    tag = ctx.tag("EXT-X-START")
    offset = as_float(tag.attr("TIME-OFFSET"), signed=True) if tag is not None else None
    if tag is None or offset is None or not ctx.segments:
        return
    total = ctx.playlist.total_duration
    target = ctx.playlist.target_duration or 0
    if abs(offset) > total:
        yield Issue(f"TIME-OFFSET {offset:g} s is beyond the playlist's {total:.3f} s",
                    line=tag.line, observed=f"{offset:g}", expected=f"within ±{total:.3f}")
    elif not ctx.playlist.endlist and target:
        position = offset if offset >= 0 else total + offset
        if total - position < 3 * target:
            yield Issue(f"TIME-OFFSET {offset:g} s starts {total - position:.3f} s from the "
                        f"end of a live playlist, less than three target durations",
                        line=tag.line)
