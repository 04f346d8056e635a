"""Rules across the media playlists of one multivariant playlist (RFC 8216 6.2.4).

A rendition noticeably shorter than its siblings is the classic truncated transcode; the
variants of one title must also agree on target duration, playlist type, discontinuities,
server control and dates; and each variant's BANDWIDTH must cover what its segments weigh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from hlsinspect.checks.context import Member, TitleContext
from hlsinspect.checks.registry import ERROR, INFO, WARNING, Issue, rule
from hlsinspect.checks.windows import date_ranges, discontinuities, overlaps, span
from hlsinspect.playlists import Playlist

TS = b"\x47" + b"\x00" * 187


def _media(target: int, durations: list[float], *, vod: bool = True, extra: str = "",
           prefix: str = "") -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}"]
    if vod:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    if extra:
        lines.append(extra)
    for n, duration in enumerate(durations):
        lines += [f"#EXTINF:{duration},", f"{prefix}s{n}.ts"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def _live(sequence: int, count: int, head: str = "", at: dict[int, str] | None = None) -> str:
    """A live window of `count` 6-second segments from media sequence `sequence`, with
    `at[n]` written above segment n."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:6",
             f"#EXT-X-MEDIA-SEQUENCE:{sequence}", *([head] if head else [])]
    for n in range(count):
        lines += [*([at[n]] if at and n in at else []), "#EXTINF:6.000,", f"s{n}.ts"]
    return "\n".join([*lines, ""])


def _pdt(seconds: int) -> str:
    return f"#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:{seconds // 60:02d}:{seconds % 60:02d}.000Z"


def _ad(ident: str, seconds: int) -> str:
    return (f'#EXT-X-DATERANGE:ID="{ident}",START-DATE="2026-01-01T00:{seconds // 60:02d}:'
            f'{seconds % 60:02d}.000Z",DURATION=3.000')


def _title(a: str, b: str, master_extra: str = "", a_attrs: str = "",
           b_attrs: str = "") -> dict[str, str | bytes]:
    """A two-variant title: master.m3u8, a/index.m3u8, b/index.m3u8 and small segments."""
    return _ladder([a, b], master_extra, [a_attrs, b_attrs])


def _ladder(media: list[str], master_extra: str = "",
            attrs: list[str] | None = None) -> dict[str, str | bytes]:
    """A title of one variant per media playlist, named a/, b/, c/ ..., and small segments."""
    names = "abcdefgh"[:len(media)]
    master = [f"#EXTM3U\n{master_extra}"]
    files: dict[str, str | bytes] = {}
    for n, (name, text) in enumerate(zip(names, media, strict=True)):
        extra = attrs[n] if attrs else ""
        master.append(f"#EXT-X-STREAM-INF:BANDWIDTH={100000 * (n + 1)}{extra}\n"
                      f"{name}/index.m3u8\n")
        files[f"{name}/index.m3u8"] = text
        for segment in range(text.count("#EXTINF")):
            files[f"{name}/s{segment}.ts"] = TS
    return {"master.m3u8": "".join(master), **files}


def _subtitled(video: str, subtitles: str) -> dict[str, str | bytes]:
    """A one-variant title (v.m3u8, segments s*.ts) with an English subtitles rendition
    (en.m3u8, segments en-s*.ts)."""
    files: dict[str, str | bytes] = {
        "master.m3u8": '#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",NAME="English",'
                       'LANGUAGE="en",URI="en.m3u8"\n'
                       '#EXT-X-STREAM-INF:BANDWIDTH=100000,SUBTITLES="s"\nv.m3u8\n',
        "v.m3u8": video, "en.m3u8": subtitles}
    files.update({f"s{n}.ts": TS for n in range(video.count("#EXTINF"))})
    files.update({f"en-s{n}.ts": TS for n in range(subtitles.count("#EXTINF"))})
    return files


def _vod_like(playlist: Playlist) -> bool:
    return playlist.endlist


def _shortfalls(members: list[Member], *, majority: bool = False,
                judges: list[Member] | None = None, near: float | None = None
                ) -> Iterator[tuple[Member, Member, float, int]]:
    """Each member with the one it is measured against, how many seconds shorter it is
    (negative: longer), and the target duration allowed between the two (the larger).

    The yardstick is the longest of `judges` (all members when not given), or with
    `majority` the longest of those a strict majority of them agree with (within the
    allowance): when two renditions of three agree and the third is longer, it is the odd
    one, not the two that agree. Without a majority (two renditions, or two pairs) the
    longest stands, as a cut transcode is the usual fault. Two renditions agree within
    `near` seconds when given, else within the allowance."""
    if len(members) < 2:
        return
    pool = judges or members
    longest = max(pool, key=_duration)
    if majority:
        def close(one: Member, other: Member) -> bool:
            return (abs(_duration(one) - _duration(other)) <= near if near is not None
                    else _close(one, other))

        agreed = [m for m in pool if 2 * sum(close(m, other) for other in pool) > len(pool)]
        longest = max(agreed, key=_duration) if agreed else longest
    for member in members:
        yield (member, longest, _duration(longest) - _duration(member), _allowed(member, longest))


def _duration(member: Member) -> float:
    return member.media.total_duration if member.media is not None else 0.0


def _allowed(one: Member, other: Member) -> int:
    """The difference two renditions may have: one target duration, the larger of theirs."""
    assert one.media is not None and other.media is not None
    return max(one.media.target_duration or 0, other.media.target_duration or 0)


def _close(one: Member, other: Member) -> bool:
    return abs(_duration(one) - _duration(other)) <= _allowed(one, other)


@rule("HLS040", "variant-duration-mismatch", ERROR, scope="title",
      reference="RFC 8216 6.2.4; Apple HLS 8.3",
      hint="a rendition shorter than the others was cut short: transcode it again",
      passing=[_title(_media(4, [4, 4, 4]), _media(4, [4, 4, 3.9])),
               _ladder([_media(4, [4, 4]), _media(4, [4, 4]), _media(4, [4, 4, 3])])],
      failing=[_title(_media(4, [4, 4, 4, 4]), _media(4, [4, 4])),
               _ladder([_media(4, [4, 4]), _media(4, [4, 4]), _media(4, [4, 4, 4, 4])]),
               _subtitled(_media(4, [4, 4]), _media(4, [4, 4, 4, 4], prefix="en-"))])
def variant_duration_mismatch(ctx: TitleContext) -> Iterator[Issue]:
    """Finished media playlists of one multivariant playlist that differ in total duration by
    more than one target duration: a truncated rendition, or one longer than the others
    agree on (most renditions agreeing, the one that does not is named). A subtitles
    rendition that ends before the others is info: packagers (Shaka Packager) end it with
    its last cue, and no cue is lost. The yardstick is taken from the audio and video
    renditions, so short subtitles never make the video look too long."""
    finished = [m for m in ctx.media if m.media and _vod_like(m.media) and m.media.segments]
    judges = [m for m in finished if m.role != "subtitles"]
    for member, other, gap, tolerance in _shortfalls(finished, majority=True, judges=judges):
        assert member.media is not None and other.media is not None
        if abs(gap) <= tolerance:
            continue
        lasts = f"{member.role} playlist lasts {member.media.total_duration:.3f} s"
        hint, severity = None, None
        if gap > 0 and member.role == "subtitles":
            message = (f"{lasts}, {gap:.3f} s less than {other.uri} "
                       f"({other.media.total_duration:.3f} s): subtitles may end with their "
                       "last cue, but check that no cue is missing at the end")
            hint, severity = ("nothing to fix when the last cue ends there; a subtitles "
                              "file cut short loses its last cues: write it again"), INFO
        elif gap > 0:
            message = (f"{lasts}, {gap:.3f} s less than {other.uri} "
                       f"({other.media.total_duration:.3f} s); more than one target duration "
                       f"({tolerance} s) short: the rendition looks truncated")
        else:
            message = (f"{lasts}, {-gap:.3f} s more than the other renditions agree on "
                       f"({other.uri}: {other.media.total_duration:.3f} s); more than one "
                       f"target duration ({tolerance} s) long")
            hint = ("a rendition longer than the others: compare its EXTINF durations and its "
                    "segments with the others', and transcode it again")
        yield Issue(message, uri=member.uri, line=member.tag.line, hint=hint,
                    severity=severity, observed=f"{member.media.total_duration:.3f} s",
                    expected=f"{other.media.total_duration:.3f} s ± {tolerance} s")


@rule("HLS606", "variant-shorter-than-siblings", WARNING, scope="title",
      reference="RFC 8216 6.2.4; Apple HLS 8.3, 8.7", apple_severity=ERROR,
      hint="a variant shorter than the others lost the end of its content: transcode it "
           "again",
      passing=[_title(_media(4, [4, 4, 4]), _media(4, [4, 4, 3.8])),
               _ladder([_media(4, [4, 4, 2]), _media(4, [4, 4, 2]), _media(4, [4, 4, 3.5])])],
      failing=[_title(_media(4, [4, 4, 4]), _media(4, [4, 4])),
               _ladder([_media(4, [4, 4, 4]), _media(4, [4, 4, 4]), _media(4, [4, 4, 2.5])])])
def variant_shorter_than_siblings(ctx: TitleContext) -> Iterator[Issue]:
    """A finished variant (EXT-X-STREAM-INF) shorter than its title's length by more than
    half a second, but by no more than one target duration (beyond that,
    variant-duration-mismatch is an error). RFC 8216 lets content present in one variant
    only stand at the start or end, up to one target duration; a whole last segment missing
    from one variant of a VOD ladder is still the classic truncated transcode, and Apple
    requires VOD playlists to cover exactly the same time range. The title's length is the
    longest one that most of its audio and video renditions agree on within half a second:
    when one variant is longer than the others, they are not the ones that lost their end."""
    variants = [m for m in ctx.media if m.role == "variant" and m.media is not None
                and _vod_like(m.media) and m.media.segments]
    judges = [m for m in ctx.media if m.role != "subtitles" and m.media is not None
              and _vod_like(m.media) and m.media.segments and not m.media.iframes_only]
    for member, longest, gap, tolerance in _shortfalls(variants, majority=True, judges=judges,
                                                       near=0.5):
        assert member.media is not None and longest.media is not None
        if 0.5 < gap <= tolerance:
            yield Issue(
                f"variant playlist lasts {member.media.total_duration:.3f} s, {gap:.3f} s less "
                f"than {longest.uri} ({longest.media.total_duration:.3f} s)", uri=member.uri,
                line=member.tag.line, observed=f"{member.media.total_duration:.3f} s",
                expected=f"{longest.media.total_duration:.3f} s")


@rule("HLS041", "target-duration-mismatch", ERROR, scope="title",
      reference="RFC 8216 6.2.4; Apple HLS 8.2",
      hint="segment every rendition with the same target duration",
      passing=[_title(_media(4, [4, 4]), _media(4, [4, 4]))],
      failing=[_title(_media(4, [4, 4]), _media(6, [6, 2]))])
def target_duration_mismatch(ctx: TitleContext) -> Iterator[Issue]:
    """Media playlists of one title with different target durations (only subtitles and
    I-frame playlists may differ, and only when they are PLAYLIST-TYPE:VOD)."""
    def exempt(member: Member) -> bool:
        assert member.media is not None
        vod = member.media.playlist_type == "VOD"
        return vod and (member.role == "subtitles" or member.media.iframes_only)

    compared = [m for m in ctx.media if not exempt(m)]
    values = [m.media.target_duration for m in compared if m.media is not None]
    known = [v for v in values if v is not None]
    if len(set(known)) < 2:
        return
    common = max(set(known), key=known.count)
    for member in compared:
        assert member.media is not None
        value = member.media.target_duration
        if value is not None and value != common:
            yield Issue(f"{member.role} playlist has EXT-X-TARGETDURATION:{value}, the others "
                        f"{common}", uri=member.uri, observed=str(value), expected=str(common))


@rule("HLS042", "playlist-type-mismatch", ERROR, scope="title", reference="RFC 8216 6.2.4",
      hint="put the same EXT-X-PLAYLIST-TYPE on every media playlist, or on none",
      passing=[_title(_media(4, [4, 4]), _media(4, [4, 4]))],
      failing=[_title(_media(4, [4, 4]), _media(4, [4, 4], vod=False))])
def playlist_type_mismatch(ctx: TitleContext) -> Iterator[Issue]:
    """EXT-X-PLAYLIST-TYPE on some media playlists of a title and not on others, or
    different values."""
    members = [m for m in ctx.media if m.media is not None]
    types = {m.media.playlist_type for m in members if m.media is not None}
    if len(types) < 2:
        return
    listing = ", ".join(f"{m.uri}: {m.media.written_type or 'none'}" for m in members
                        if m.media is not None)
    yield Issue(f"EXT-X-PLAYLIST-TYPE differs between media playlists ({listing})")


@rule("HLS043", "discontinuity-mismatch", WARNING, scope="title",
      reference="RFC 8216 6.2.4; Apple HLS 8.15",
      hint="put the discontinuities at the same points in every rendition",
      passing=[_title(_media(4, [4, 4]), _media(4, [4, 4])),
               # live windows a moment apart: the second has dropped the discontinuity
               _title(_live(0, 6, "#EXT-X-DISCONTINUITY-SEQUENCE:0",
                            {3: "#EXT-X-DISCONTINUITY"}),
                      _live(3, 4, "#EXT-X-DISCONTINUITY-SEQUENCE:1"))],
      failing=[_title(_media(4, [4, 4]), _media(4, [4, 4]).replace(
          "#EXTINF:4,\ns1", "#EXT-X-DISCONTINUITY\n#EXTINF:4,\ns1")),
               _title(_live(0, 6, "#EXT-X-DISCONTINUITY-SEQUENCE:0",
                            {3: "#EXT-X-DISCONTINUITY"}),
                      _live(3, 4, "#EXT-X-DISCONTINUITY-SEQUENCE:0"))])
def discontinuity_mismatch(ctx: TitleContext) -> Iterator[Issue]:
    """Media playlists of one title (subtitles aside) whose segments in common would have
    different discontinuity sequence numbers: a different count of EXT-X-DISCONTINUITY
    tags, or a different EXT-X-DISCONTINUITY-SEQUENCE where both start at one segment.
    Live windows that start at different segments are compared at their newest segment."""
    marks = {}
    for member in ctx.media:
        if member.role == "subtitles" or member.media is None:
            continue
        found = discontinuities(member.media)
        if found is not None:
            marks[member.uri] = found
    if all(a.agrees(b) for a in marks.values() for b in marks.values()):
        return
    listing = ", ".join(f"{uri}: {m.first} to {m.last} from segment {m.first_sequence}"
                        for uri, m in marks.items())
    yield Issue("media playlists disagree on their segments' discontinuity sequence numbers "
                f"({listing})")


@rule("HLS600", "iframe-playlist-not-iframes-only", ERROR, scope="title",
      reference="RFC 8216 4.3.4.3",
      hint="add #EXT-X-I-FRAMES-ONLY to the I-frame playlist (and VERSION 4 or higher)",
      passing=[{"master.m3u8": "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,"
                'URI="i.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=9000\nv.m3u8\n',
                "i.m3u8": _media(4, [4]).replace("VERSION:3", "VERSION:4\n#EXT-X-I-FRAMES-ONLY"),
                "v.m3u8": _media(4, [4]), "s0.ts": TS}],
      failing=[{"master.m3u8": "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,"
                'URI="i.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=9000\nv.m3u8\n',
                "i.m3u8": _media(4, [4]), "v.m3u8": _media(4, [4]), "s0.ts": TS}])
def iframe_playlist_not_iframes_only(ctx: TitleContext) -> Iterator[Issue]:
    """The playlist an EXT-X-I-FRAME-STREAM-INF names lacks EXT-X-I-FRAMES-ONLY, so players
    would read whole segments as single I-frames."""
    for member in ctx.members:
        if member.role == "iframe" and member.media is not None and not member.media.iframes_only:
            yield Issue("the I-frame playlist has no EXT-X-I-FRAMES-ONLY tag",
                        uri=member.uri, line=member.tag.line)


def _same_everywhere(ctx: TitleContext, describe: Callable[[Playlist], str]) -> dict[str, str]:
    """`describe` of every media playlist of the title, I-frame playlists included, by URI."""
    return {m.uri: describe(m.media) for m in ctx.media if m.media is not None}


@rule("HLS603", "server-control-mismatch", ERROR, scope="title",
      reference="RFC 8216bis 6.2.4",
      hint="give every media playlist the same EXT-X-SERVER-CONTROL, or none of them",
      passing=[_title(_media(4, [4, 4], extra="#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES"),
                      _media(4, [4, 4], extra="#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES"))],
      failing=[_title(_media(4, [4, 4], extra="#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES"),
                      _media(4, [4, 4]))])
def server_control_mismatch(ctx: TitleContext) -> Iterator[Issue]:
    """EXT-X-SERVER-CONTROL on some media playlists of a multivariant playlist and not on
    others, or with different attributes."""
    def describe(playlist: Playlist) -> str:
        tag = playlist.lines.first("EXT-X-SERVER-CONTROL")
        return ",".join(sorted(f"{a.name}={a.value}" for a in tag.attrs.items)) if tag else ""

    values = _same_everywhere(ctx, describe)
    if len(set(values.values())) > 1:
        listing = ", ".join(f"{uri}: {v or 'none'}" for uri, v in values.items())
        yield Issue(f"EXT-X-SERVER-CONTROL differs between media playlists ({listing})")


@rule("HLS604", "program-date-time-inconsistent", ERROR, scope="title",
      reference="RFC 8216bis 6.2.4",
      hint="write EXT-X-PROGRAM-DATE-TIME in every media playlist of the title, or in none",
      passing=[_title(_media(4, [4, 4]), _media(4, [4, 4]))],
      failing=[_title(_media(4, [4, 4], extra="#EXT-X-PROGRAM-DATE-TIME:"
                                              "2026-01-01T00:00:00.000Z"), _media(4, [4, 4]))])
def program_date_time_inconsistent(ctx: TitleContext) -> Iterator[Issue]:
    """EXT-X-PROGRAM-DATE-TIME in some media playlists of a multivariant playlist but not in
    all of them."""
    values = _same_everywhere(
        ctx, lambda p: "yes" if p.lines.has("EXT-X-PROGRAM-DATE-TIME") else "")
    without = [uri for uri, v in values.items() if not v]
    if without and len(without) < len(values):
        yield Issue("some media playlists carry EXT-X-PROGRAM-DATE-TIME and these do not: "
                    + ", ".join(without))


@rule("HLS605", "daterange-inconsistent", ERROR, scope="title",
      reference="RFC 8216bis 6.2.1, 6.2.4",
      hint="every playlist that carries date ranges carries the same set (same IDs)",
      passing=[_title(_media(4, [4]), _media(4, [4])),
               # live: the second window starts after ad1 ended, so it has dropped it
               _title(_live(0, 6, _pdt(0), {0: _ad("ad1", 0), 5: _ad("ad2", 30)}),
                      _live(1, 6, _pdt(6), {4: _ad("ad2", 30)}))],
      failing=[_title(
          _media(4, [4], extra='#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n'
                 '#EXT-X-DATERANGE:ID="ad1",START-DATE="2026-01-01T00:00:01Z"'),
          _media(4, [4], extra='#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n'
                 '#EXT-X-DATERANGE:ID="ad2",START-DATE="2026-01-01T00:00:01Z"')),
               _title(_live(0, 6, _pdt(0), {0: _ad("ad1", 3), 5: _ad("ad2", 30)}),
                      _live(0, 6, _pdt(0), {5: _ad("ad2", 30)}))])
def daterange_inconsistent(ctx: TitleContext) -> Iterator[Issue]:
    """Media playlists of one title that carry date ranges but not the same ones (by ID).
    A live playlist need only carry those that map to its own segments: each rendition
    drops a date range once its window has passed it."""
    carried: dict[str, tuple[Member, frozenset[str]]] = {}
    ranges: dict[str, tuple[datetime, datetime] | None] = {}
    for member in ctx.media:
        if member.media is None or member.role == "iframe":
            continue
        found = date_ranges(member.media)
        if found:
            carried[member.uri] = (member, frozenset(found))
            for ident, moments in found.items():
                ranges[ident] = ranges.get(ident) or moments
    if len({ids for _, ids in carried.values()}) < 2:
        return
    if all(m.media is not None and m.media.endlist for m, _ in carried.values()):
        listing = "; ".join(f"{uri}: {', '.join(sorted(ids))}"
                            for uri, (_, ids) in carried.items())
        yield Issue(f"the media playlists carry different date ranges ({listing})")
        return
    for uri, (member, ids) in carried.items():
        assert member.media is not None
        window = span(member.media)
        lacking = sorted(ident for ident, moments in ranges.items()
                         if ident not in ids and moments is not None and window is not None
                         and overlaps(moments, window))
        if lacking:
            yield Issue(f"the live playlist lacks date ranges other media playlists carry, "
                        f"though they map to its segments: {', '.join(lacking)}", uri=uri)
