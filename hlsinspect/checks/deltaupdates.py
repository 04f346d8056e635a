"""Rules about EXT-X-SERVER-CONTROL and Playlist Delta Updates (RFC 8216bis 4.4.3.8, 4.4.5.2,
6.2.5.1): hold-back distances, skip boundaries and EXT-X-SKIP.

A hold-back too short starts players where segments are still missing; a skip boundary too
short, or an EXT-X-SKIP where none may be, leaves players with holes in the timeline.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.media_support import server_control
from hlsinspect.checks.registry import ERROR, Issue, rule
from hlsinspect.syntax.lines import Tag

SEGMENTS = "#EXTINF:4.000,\ns.ts\n" * 3
SKIP = "#EXT-X-SKIP:SKIPPED-SEGMENTS=10\n"


def live(control: str, body: str = SEGMENTS, head: str = "") -> str:
    """A live playlist (target duration 4) with the given EXT-X-SERVER-CONTROL attributes."""
    return (f"#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:4\n"
            f"#EXT-X-SERVER-CONTROL:{control}\n#EXT-X-MEDIA-SEQUENCE:100\n{head}{body}")


def _control(ctx: PlaylistContext) -> Tag | None:
    return ctx.tag("EXT-X-SERVER-CONTROL")


def _under_target_durations(ctx: PlaylistContext, name: str, times: int,
                            words: str) -> Iterator[Issue]:
    """EXT-X-SERVER-CONTROL's `name` below `times` target durations (`words` says how many)."""
    value, target = server_control(ctx.playlist, name), ctx.playlist.target_duration
    control = _control(ctx)
    if value is not None and target and control is not None and value < times * target:
        yield Issue(f"{name} is {value:g} s, less than {words} target durations "
                    f"({times * target} s)", line=control.line, observed=f"{value:g}",
                    expected=f">= {times * target}")


@rule("HLS380", "hold-back-too-small", ERROR, scope="media", reference="RFC 8216bis 4.4.3.8",
      hint="set HOLD-BACK to at least three target durations, or leave it out (that is its "
           "default)",
      passing=[live("HOLD-BACK=12.0"), live("CAN-BLOCK-RELOAD=YES")],
      failing=[live("HOLD-BACK=8.0")])
def hold_back_too_small(ctx: PlaylistContext) -> Iterator[Issue]:
    """HOLD-BACK under three target durations: players would start so close to the live
    edge that the next segment is not there yet."""
    yield from _under_target_durations(ctx, "HOLD-BACK", 3, "three")


@rule("HLS381", "can-skip-until-too-small", ERROR, scope="media",
      reference="RFC 8216bis 4.4.3.8",
      hint="set CAN-SKIP-UNTIL to at least six target durations",
      passing=[live("CAN-SKIP-UNTIL=24.0")],
      failing=[live("CAN-SKIP-UNTIL=12.0")])
def can_skip_until_too_small(ctx: PlaylistContext) -> Iterator[Issue]:
    """A Skip Boundary (CAN-SKIP-UNTIL) under six target durations: delta updates would
    skip segments that clients may still need."""
    yield from _under_target_durations(ctx, "CAN-SKIP-UNTIL", 6, "six")


@rule("HLS382", "can-skip-dateranges-without-can-skip-until", ERROR, scope="media",
      reference="RFC 8216bis 4.4.3.8",
      hint="add CAN-SKIP-UNTIL=<at least six target durations>, or drop CAN-SKIP-DATERANGES",
      passing=[live("CAN-SKIP-UNTIL=24.0,CAN-SKIP-DATERANGES=YES")],
      failing=[live("CAN-SKIP-DATERANGES=YES")])
def can_skip_dateranges_without_can_skip_until(ctx: PlaylistContext) -> Iterator[Issue]:
    """CAN-SKIP-DATERANGES without CAN-SKIP-UNTIL, which it requires: skipping date ranges
    is a kind of delta update, and delta updates are announced by CAN-SKIP-UNTIL."""
    control = _control(ctx)
    if (control is not None and "CAN-SKIP-DATERANGES" in control.attrs
            and "CAN-SKIP-UNTIL" not in control.attrs):
        yield Issue("EXT-X-SERVER-CONTROL has CAN-SKIP-DATERANGES but no CAN-SKIP-UNTIL",
                    line=control.line, expected="CAN-SKIP-UNTIL")


@rule("HLS383", "skip-without-can-skip-until", ERROR, scope="media",
      reference="RFC 8216bis 6.2.5.1",
      hint="serve delta updates only for playlists whose EXT-X-SERVER-CONTROL has "
           "CAN-SKIP-UNTIL",
      passing=[live("CAN-SKIP-UNTIL=24.0", head=SKIP)],
      failing=[live("CAN-BLOCK-RELOAD=YES", head=SKIP)])
def skip_without_can_skip_until(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-SKIP in a playlist without CAN-SKIP-UNTIL: a server must ignore the request for
    a delta update unless the playlist announces them, so this delta update should not
    exist."""
    skip = ctx.tag("EXT-X-SKIP")
    if skip is not None and server_control(ctx.playlist, "CAN-SKIP-UNTIL") is None:
        yield Issue("EXT-X-SKIP in a playlist whose EXT-X-SERVER-CONTROL has no CAN-SKIP-UNTIL",
                    line=skip.line)


@rule("HLS384", "skip-with-endlist", ERROR, scope="media", reference="RFC 8216bis 6.2.5.1",
      hint="serve the whole playlist once it has EXT-X-ENDLIST",
      passing=[live("CAN-SKIP-UNTIL=24.0", head=SKIP)],
      failing=[live("CAN-SKIP-UNTIL=24.0", head=SKIP) + "#EXT-X-ENDLIST\n"])
def skip_with_endlist(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-SKIP in a playlist with EXT-X-ENDLIST: a finished playlist is never served as a
    delta update."""
    skip = ctx.tag("EXT-X-SKIP")
    if skip is not None and ctx.playlist.endlist:
        yield Issue("EXT-X-SKIP in a playlist with EXT-X-ENDLIST", line=skip.line)


@rule("HLS385", "skip-misplaced", ERROR, scope="media", reference="RFC 8216bis 4.4.5.2",
      hint="put EXT-X-SKIP before the first segment: it stands for the oldest segments",
      passing=[live("CAN-SKIP-UNTIL=24.0", head=SKIP)],
      failing=[live("CAN-SKIP-UNTIL=24.0", body=SEGMENTS + SKIP + SEGMENTS)])
def skip_misplaced(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-SKIP after the first media segment. It replaces the oldest segments of the
    playlist, so it stands before every segment left; after one, the Media Sequence Numbers
    of the segments around it are undefined. No keyword says so; it is an error because the
    delta update cannot be applied."""
    skip = ctx.tag("EXT-X-SKIP")
    segments = ctx.segments
    if skip is not None and segments and skip.line > segments[0].line:
        yield Issue(f"EXT-X-SKIP comes after the first segment (line {segments[0].line})",
                    line=skip.line)

