"""Rules about partial segments (RFC 8216bis 3.2, 4.4.3.7, 4.4.3.8, 4.4.4.9, 6.2.2): EXT-X-PART,
EXT-X-PART-INF and the PART-HOLD-BACK that low-latency players start behind.

A part longer than the Part Target Duration, or a hold-back too short for it, makes a
low-latency player stall at the live edge.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext, TitleContext
from hlsinspect.checks.media_support import is_live, part_target, server_control, title
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.playlists import Playlist
from hlsinspect.syntax.attributes import as_float
from hlsinspect.syntax.lines import Tag

EPSILON = 1e-6
ROUNDED = 0.001
"""How far a hold-back may fall short of a multiple of PART-TARGET: targets are written
rounded (a third of a second as 0.33334), so PART-HOLD-BACK=1.0 means three parts."""
PARENT_TAGS = ("EXT-X-DISCONTINUITY", "EXT-X-KEY", "EXT-X-MAP", "EXT-X-PROGRAM-DATE-TIME")


def low_latency(body: str, *, control: str = "PART-HOLD-BACK=3.0", target: str = "1.0",
                head: str = "", tail: str = '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="next.ts"\n'
                ) -> str:
    """A live low-latency playlist for an example: target duration 4, the given parts."""
    return ("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:4\n"
            f"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,{control}\n"
            f"#EXT-X-PART-INF:PART-TARGET={target}\n{head}"
            "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z\n" + body + tail)


def parent(name: str, *durations: float, extra: str = "") -> str:
    """A parent segment (EXTINF and URI line) after its parts, the first one independent."""
    parts = "".join(f'#EXT-X-PART:DURATION={d},URI="{name}.{n}.ts"'
                    f"{',INDEPENDENT=YES' if n == 0 else ''}\n" for n, d in enumerate(durations))
    return f"{extra}{parts}#EXTINF:{sum(durations):.3f},\n{name}.ts\n"


def part(name: str, duration: float, attrs: str = "") -> str:
    return f'#EXT-X-PART:DURATION={duration},URI="{name}.ts"{attrs}\n'


FULL = "#EXTINF:4.000,\nold.ts\n" + parent("s0", 1.0, 1.0, 1.0, 1.0) + parent("s1", 1.0, 1.0,
                                                                             1.0, 1.0)


def part_groups(playlist: Playlist) -> list[tuple[list[Tag], list[Tag], bool]]:
    """Per parent segment: its tags, its EXT-X-PART tags, and whether it is complete (the
    parts after the last segment belong to a parent still being written)."""
    groups = [(s.tags, s.parts, True) for s in playlist.segments if s.parts]
    trailing = playlist.structure.trailing
    parts = [t for t in trailing if t.name == "EXT-X-PART"]
    return [*groups, (trailing, parts, False)] if parts else groups


def _duration(tag: Tag) -> float | None:
    return as_float(tag.attr("DURATION"))


@rule("HLS360", "part-inf-missing", ERROR, scope="media", reference="RFC 8216bis 4.4.3.7",
      hint="add #EXT-X-PART-INF:PART-TARGET=<the longest part duration>",
      passing=[low_latency(FULL)],
      failing=[low_latency(FULL).replace("#EXT-X-PART-INF:PART-TARGET=1.0\n", "")])
def part_inf_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-PART without EXT-X-PART-INF: players need the Part Target Duration to pace
    their requests, and the tag is required with partial segments."""
    first = ctx.tag("EXT-X-PART")
    if first is not None and not ctx.lines.has("EXT-X-PART-INF"):
        yield Issue("the playlist has EXT-X-PART tags but no EXT-X-PART-INF", line=first.line,
                    expected="#EXT-X-PART-INF:PART-TARGET=<s>")


@rule("HLS361", "part-duration-exceeds-target", ERROR, scope="media",
      reference="RFC 8216bis 4.4.4.9",
      hint="cut parts no longer than PART-TARGET, or raise PART-TARGET",
      passing=[low_latency(FULL)],
      failing=[low_latency(parent("s0", 1.0, 1.25, 1.0, 0.75))])
def part_duration_exceeds_target(ctx: PlaylistContext) -> Iterator[Issue]:
    """A partial segment longer than the Part Target Duration (PART-TARGET)."""
    target = part_target(ctx.playlist)
    if target is None:
        return
    for tag in ctx.tags("EXT-X-PART"):
        duration = _duration(tag)
        if duration is not None and duration > target + EPSILON:
            yield Issue(f"EXT-X-PART {tag.shown('URI')} lasts {duration:g} s, more than "
                        f"PART-TARGET {target:g} s", line=tag.line, observed=f"{duration:g}",
                        expected=f"<= {target:g}")


def _short_parts(ctx: PlaylistContext, target: float) -> Iterator[Tag]:
    """Parts under 85% of the target that none of the exemptions of 4.4.4.9 covers."""
    everything = [p for _, parts, _ in part_groups(ctx.playlist) for p in parts]
    following = dict(zip((id(p) for p in everything), [*everything[1:], None], strict=False))
    for _, parts, _complete in part_groups(ctx.playlist):
        for tag in parts[:-1]:  # the last part of a parent, or the newest one, may be short
            duration, after = _duration(tag), following[id(tag)]
            if (duration is None or duration >= 0.85 * target - EPSILON
                    or "YES" in (tag.attr("INDEPENDENT"), tag.attr("GAP"))
                    or (after is not None and after.attr("GAP") == "YES")):
                continue
            yield tag


@rule("HLS362", "part-duration-too-short", ERROR, scope="media",
      reference="RFC 8216bis 4.4.4.9",
      hint="cut parts of at least 85% of PART-TARGET (only independent, gap and final parts "
           "may be shorter)",
      passing=[low_latency(parent("s0", 1.0, 1.0, 1.0, 0.5) + parent("s1", 0.4, 1.0, 1.0)
                           + part("s2.0", 1.0, ",INDEPENDENT=YES") + part("s2.1", 0.5)
                           + part("s2.2", 1.0, ",GAP=YES") + part("s2.3", 0.5, ",GAP=YES")
                           + part("s2.4", 0.5))],
      failing=[low_latency(parent("s0", 1.0, 0.5, 1.0, 1.0))])
def part_duration_too_short(ctx: PlaylistContext) -> Iterator[Issue]:
    """A partial segment shorter than 85% of PART-TARGET. Exempt: parts with INDEPENDENT=YES
    or GAP=YES, parts followed by a GAP=YES part, the final part of a parent segment, and
    the newest part (its parent may end with it)."""
    target = part_target(ctx.playlist)
    if target is None:
        return
    for tag in _short_parts(ctx, target):
        duration = _duration(tag) or 0.0
        yield Issue(f"EXT-X-PART {tag.shown('URI')} lasts {duration:g} s, less than 85% of "
                    f"PART-TARGET {target:g} s", line=tag.line, observed=f"{duration:g}",
                    expected=f">= {0.85 * target:g}")


@rule("HLS363", "part-segment-tags-misplaced", ERROR, scope="media",
      reference="RFC 8216bis 4.4.4.9",
      hint="move the tag above the first EXT-X-PART of the segment it applies to",
      passing=[low_latency(FULL + parent("s2", 1.0, 1.0, extra="#EXT-X-DISCONTINUITY\n"
                                          "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T01:00:00.000Z\n"))],
      failing=[low_latency(FULL + parent("s2", 1.0, 1.0).replace(
          "#EXTINF", "#EXT-X-DISCONTINUITY\n#EXTINF"))])
def part_segment_tags_misplaced(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-DISCONTINUITY, EXT-X-KEY, EXT-X-MAP or EXT-X-PROGRAM-DATE-TIME of a parent
    segment after its first EXT-X-PART. What applies to the parent applies to its first
    part, so these tags must come before it."""
    for tags, parts, _ in part_groups(ctx.playlist):
        first = parts[0].line
        for tag in tags:
            if tag.name in PARENT_TAGS and tag.line > first:
                yield Issue(f"#{tag.name} comes after the first EXT-X-PART of its segment "
                            f"(line {first})", line=tag.line)


@rule("HLS364", "iframes-only-parts", WARNING, scope="media",
      reference="RFC 8216bis 4.4.4.9",
      hint="drop partial segments from the I-frame playlist",
      passing=[low_latency(FULL)],
      failing=[low_latency(FULL, head="#EXT-X-I-FRAMES-ONLY\n")])
def iframes_only_parts(ctx: PlaylistContext) -> Iterator[Issue]:
    """Partial segments in an I-frame playlist (EXT-X-I-FRAMES-ONLY), which should not use
    them."""
    first = ctx.tag("EXT-X-PART")
    if first is not None and ctx.playlist.iframes_only:
        yield Issue("an EXT-X-I-FRAMES-ONLY playlist has EXT-X-PART tags", line=first.line)


@rule("HLS365", "part-not-removed", WARNING, scope="media", reference="RFC 8216bis 6.2.2",
      hint="drop the EXT-X-PART tags of segments more than three target durations from the "
           "end",
      passing=[low_latency(FULL + parent("s2", 1.0, 1.0, 1.0, 1.0))],
      failing=[low_latency(FULL + "#EXTINF:4.000,\ns2.ts\n" * 3)])
def part_not_removed(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live playlist still listing partial segments more than three target durations from
    its end: they should be removed by then, and they only make the playlist longer."""
    target = ctx.playlist.target_duration
    if not target or not is_live(ctx.playlist):
        return
    ends, total = [], 0.0
    for segment in ctx.segments:
        total += segment.duration or 0.0
        ends.append((segment, total))
    total += sum(_duration(t) or 0.0 for t in ctx.playlist.structure.trailing
                 if t.name == "EXT-X-PART")
    old = [s for s, end in ends if s.parts and total - end > 3 * target]
    if old:
        more = f" (and {len(old) - 1} more segments)" if len(old) > 1 else ""
        yield Issue(f"segment {old[0].uri!r} still lists its parts, more than three target "
                    f"durations ({3 * target} s) from the end{more}", line=old[0].parts[0].line)


@rule("HLS366", "part-hold-back-missing", ERROR, scope="media",
      reference="RFC 8216bis 4.4.3.8",
      hint="add PART-HOLD-BACK=<at least 3 x PART-TARGET> to EXT-X-SERVER-CONTROL",
      passing=[low_latency(FULL)],
      failing=[low_latency(FULL, control="HOLD-BACK=12.0")])
def part_hold_back_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-PART-INF without PART-HOLD-BACK in EXT-X-SERVER-CONTROL: low-latency players
    would not know how far behind the live edge to start."""
    tag = ctx.tag("EXT-X-PART-INF")
    control = ctx.tag("EXT-X-SERVER-CONTROL")
    if tag is not None and (control is None or "PART-HOLD-BACK" not in control.attrs):
        yield Issue("EXT-X-PART-INF is present but " + (
                        "EXT-X-SERVER-CONTROL has no PART-HOLD-BACK" if control is not None
                        else "there is no EXT-X-SERVER-CONTROL with PART-HOLD-BACK"),
                    line=control.line if control is not None else tag.line,
                    expected="PART-HOLD-BACK")


def _hold_back(ctx: PlaylistContext) -> tuple[float, float, int] | None:
    """(PART-HOLD-BACK, PART-TARGET, line of EXT-X-SERVER-CONTROL), when both are known."""
    hold, target = server_control(ctx.playlist, "PART-HOLD-BACK"), part_target(ctx.playlist)
    control = ctx.tag("EXT-X-SERVER-CONTROL")
    if hold is None or target is None or control is None:
        return None
    return hold, target, control.line


@rule("HLS367", "part-hold-back-too-small", ERROR, scope="media",
      reference="RFC 8216bis 4.4.3.8",
      hint="set PART-HOLD-BACK to at least three times PART-TARGET",
      passing=[low_latency(FULL)],
      failing=[low_latency(FULL, control="PART-HOLD-BACK=1.5")])
def part_hold_back_too_small(ctx: PlaylistContext) -> Iterator[Issue]:
    """PART-HOLD-BACK under twice the Part Target Duration, the least it may be."""
    known = _hold_back(ctx)
    if known is not None and known[0] < 2 * known[1] - ROUNDED:
        hold, target, line = known
        yield Issue(f"PART-HOLD-BACK is {hold:g} s, less than twice PART-TARGET "
                    f"(2 x {target:g} s = {2 * target:g} s)",
                    line=line, observed=f"{hold:g}", expected=f">= {2 * target:g}")


@rule("HLS368", "part-hold-back-below-three-part-targets", WARNING, scope="media",
      reference="RFC 8216bis 4.4.3.8; Apple HLS 14.3", apple_severity=ERROR,
      hint="set PART-HOLD-BACK to at least three times PART-TARGET",
      passing=[low_latency(FULL), low_latency(FULL, control="PART-HOLD-BACK=1.5"),
               low_latency(parent("s0", *[0.33334] * 12), target="0.33334",
                           control="PART-HOLD-BACK=1.0")],
      failing=[low_latency(FULL, control="PART-HOLD-BACK=2.5")])
def part_hold_back_below_three_part_targets(ctx: PlaylistContext) -> Iterator[Issue]:
    """PART-HOLD-BACK of at least two but under three Part Target Durations (under two is
    part-hold-back-too-small). Apple's specification makes three a requirement."""
    known = _hold_back(ctx)
    if known is not None and 2 * known[1] - ROUNDED <= known[0] < 3 * known[1] - ROUNDED:
        hold, target, line = known
        yield Issue(f"PART-HOLD-BACK is {hold:g} s, less than three times PART-TARGET "
                    f"({target:g} s)", line=line, observed=f"{hold:g}",
                    expected=f">= {3 * target:g}")


def _ll_title(a: str, b: str) -> dict[str, str | bytes]:
    """Two low-latency variants that report on each other."""
    def reporting(text: str, other: str) -> str:
        return text + f'#EXT-X-RENDITION-REPORT:URI="../{other}/index.m3u8",LAST-MSN=2\n'

    return title("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\na/index.m3u8\n"
                 "#EXT-X-STREAM-INF:BANDWIDTH=200000\nb/index.m3u8\n",
                 {"a/index.m3u8": reporting(a, "b"), "b/index.m3u8": reporting(b, "a")})


@rule("HLS369", "part-hold-back-below-title-part-targets", WARNING, scope="title",
      reference="RFC 8216bis 4.4.3.8",
      hint="set PART-HOLD-BACK to at least three times the largest PART-TARGET of the title",
      passing=[_ll_title(low_latency(FULL), low_latency(FULL))],
      failing=[_ll_title(low_latency(FULL), low_latency(
          parent("s0", 1.5, 1.5, 1.0) + parent("s1", 1.5, 1.5, 1.0), target="1.5",
          control="PART-HOLD-BACK=4.5"))])
def part_hold_back_below_title_part_targets(ctx: TitleContext) -> Iterator[Issue]:
    """Renditions with different Part Target Durations, and a PART-HOLD-BACK under three
    times the largest of them (three times its own is part-hold-back-below-three-part-
    targets)."""
    targets = {m.uri: part_target(m.media) for m in ctx.media if m.media is not None}
    known = [t for t in targets.values() if t is not None]
    if len(set(known)) < 2:
        return
    largest = max(known)
    for member in ctx.media:
        assert member.media is not None
        hold, own = server_control(member.media, "PART-HOLD-BACK"), targets[member.uri]
        if hold is not None and own is not None and 3 * own <= hold + ROUNDED < 3 * largest:
            yield Issue(f"PART-HOLD-BACK is {hold:g} s, less than three times the largest "
                        f"PART-TARGET of the title ({largest:g} s)", uri=member.uri,
                        playlist=member.uri, observed=f"{hold:g}",
                        expected=f">= {3 * largest:g}")
