"""Rules about preload hints and rendition reports (RFC 8216bis 4.4.5.3, 4.4.5.4, 6.2.6), and
the Low-Latency Server Configuration Profile (Appendix B.1) that low-latency players check
before playing close to live.

The profile's requirements are warnings under the RFC (a server that misses them is still
playable, at regular latency); Apple's specification (14.1) requires the profile for
low-latency streams, so they are errors under --rules apple.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.context import Member, PlaylistContext, TitleContext
from hlsinspect.checks.lowlatency import FULL, low_latency
from hlsinspect.checks.media_support import (
    has_scheme,
    is_delta_update,
    is_low_latency,
    resolve_against,
    title,
)
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.uri.keys import without_query

PROFILE = "RFC 8216bis B.1; Apple HLS 14.1"
HINT = '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="next.ts"\n'


def report(uri: str) -> str:
    return f'#EXT-X-RENDITION-REPORT:URI="{uri}",LAST-MSN=1,LAST-PART=3\n'


@rule("HLS386", "preload-hint-with-endlist", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.3",
      hint="remove EXT-X-PRELOAD-HINT when the playlist ends: nothing more will come",
      passing=[low_latency(FULL)],
      failing=[low_latency(FULL) + "#EXT-X-ENDLIST\n"])
def preload_hint_with_endlist(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-PRELOAD-HINT in a playlist with EXT-X-ENDLIST: it hints a resource that will
    never be added."""
    for tag in ctx.tags("EXT-X-PRELOAD-HINT"):
        if ctx.playlist.endlist:
            yield Issue("EXT-X-PRELOAD-HINT in a playlist with EXT-X-ENDLIST", line=tag.line)


@rule("HLS387", "preload-hint-duplicate", WARNING, scope="media",
      reference="RFC 8216bis 6.2.6",
      hint="hint only the next part (and its EXT-X-MAP, if it changes)",
      passing=[low_latency(FULL, tail=HINT + '#EXT-X-PRELOAD-HINT:TYPE=MAP,URI="init2.mp4"\n')],
      failing=[low_latency(FULL, tail=HINT + '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="later.ts"\n')])
def preload_hint_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
    """More than one EXT-X-PRELOAD-HINT of the same TYPE: servers should hint one part (and
    one initialization section) ahead."""
    seen: dict[str, int] = {}
    for tag in ctx.tags("EXT-X-PRELOAD-HINT"):
        kind = tag.attr("TYPE")
        if kind is None:
            continue  # attribute-missing says so
        if kind in seen:
            yield Issue(f"a second EXT-X-PRELOAD-HINT of TYPE={kind} (the first is on line "
                        f"{seen[kind]})", line=tag.line)
        seen.setdefault(kind, tag.line)


@rule("HLS388", "rendition-report-uri-not-relative", ERROR, scope="media",
      reference="RFC 8216bis 4.4.5.4",
      hint="write the URI relative to this playlist, such as ../720p/index.m3u8",
      passing=[low_latency(FULL, tail=HINT + report("../b/index.m3u8")),
               low_latency(FULL, tail=HINT + report("/live/b/index.m3u8"))],
      failing=[low_latency(FULL, tail=HINT + report("https://cdn.example.com/b/index.m3u8"))])
def rendition_report_uri_not_relative(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-RENDITION-REPORT whose URI is absolute (a scheme, or //host): it must be
    relative to the playlist that carries it."""
    for tag in ctx.tags("EXT-X-RENDITION-REPORT"):
        uri = (tag.attr("URI") or "").strip()
        if uri and (has_scheme(uri) or uri.startswith("//")):
            yield Issue(f"EXT-X-RENDITION-REPORT URI {uri!r} is not a relative reference",
                        line=tag.line, observed=uri, expected="a relative URI")


@rule("HLS389", "ll-preload-hint-missing", WARNING, scope="media", reference=PROFILE,
      apple_severity=ERROR,
      hint="add #EXT-X-PRELOAD-HINT:TYPE=PART,URI=<the next part> at the end",
      passing=[low_latency(FULL), low_latency(FULL, tail="#EXT-X-ENDLIST\n")],
      failing=[low_latency(FULL, tail="")])
def ll_preload_hint_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live playlist with partial segments but no EXT-X-PRELOAD-HINT for the next one:
    players cannot request it ahead, which costs the latency parts exist to save."""
    first = ctx.tag("EXT-X-PART")
    if first is not None and not ctx.playlist.endlist and not ctx.lines.has(
            "EXT-X-PRELOAD-HINT"):
        yield Issue("the live playlist has EXT-X-PART tags but no EXT-X-PRELOAD-HINT",
                    expected="#EXT-X-PRELOAD-HINT:TYPE=PART,URI=...")


@rule("HLS390", "ll-program-date-time-missing", WARNING, scope="media", reference=PROFILE,
      apple_severity=ERROR,
      hint="date the segments with EXT-X-PROGRAM-DATE-TIME",
      passing=[low_latency(FULL)],
      failing=[low_latency(FULL).replace(
          "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z\n", "")])
def ll_program_date_time_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live low-latency playlist (with EXT-X-PART-INF or parts) without
    EXT-X-PROGRAM-DATE-TIME, which the profile requires to map segments across renditions
    (delta updates aside: their dated segments may be skipped)."""
    playlist = ctx.playlist
    if (is_low_latency(playlist) and not is_delta_update(playlist)
            and not ctx.lines.has("EXT-X-PROGRAM-DATE-TIME")):
        yield Issue("the low-latency playlist has no EXT-X-PROGRAM-DATE-TIME")


def _reported(member: Member) -> set[str]:
    """What the member's rendition reports name, as reports name playlists (a path from
    the top of a local tree stays as written: it matches the end of a playlist's path)."""
    assert member.media is not None
    uris = (t.attr("URI") for t in member.media.lines.all("EXT-X-RENDITION-REPORT"))
    return {resolve_against(member.uri, without_query(u)) for u in uris if u}


def _needs_reports(member: Member) -> bool:
    media = member.media
    return (media is not None and member.role != "iframe" and not media.iframes_only
            and is_low_latency(media))


def _ll_title(a_tail: str, b_tail: str) -> dict[str, str | bytes]:
    return title("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\na/index.m3u8\n"
                 "#EXT-X-STREAM-INF:BANDWIDTH=200000\nb/index.m3u8\n",
                 {"a/index.m3u8": low_latency(FULL, tail=HINT + a_tail),
                  "b/index.m3u8": low_latency(FULL, tail=HINT + b_tail)})


@rule("HLS391", "ll-rendition-report-missing", WARNING, scope="title", reference=PROFILE,
      apple_severity=ERROR,
      hint="add an EXT-X-RENDITION-REPORT for every other media playlist of the title",
      passing=[_ll_title(report("../b/index.m3u8"), report("../a/index.m3u8"))],
      failing=[_ll_title(report("../b/index.m3u8"), "")])
def ll_rendition_report_missing(ctx: TitleContext) -> Iterator[Issue]:
    """A live low-latency media playlist without an EXT-X-RENDITION-REPORT for each other
    media playlist of the title (I-frame playlists aside): players switching renditions
    would first have to find how far the other one has got."""
    others = [m for m in ctx.media if m.media is not None and not m.media.iframes_only]
    for member in ctx.media:
        if not _needs_reports(member):
            continue
        reported = _reported(member)
        missing = [m.uri for m in others if m is not member
                   and not any(m.uri.endswith(r) for r in reported)]
        if missing:
            yield Issue(f"no EXT-X-RENDITION-REPORT for {', '.join(missing)}",
                        uri=member.uri, playlist=member.uri)
