"""Rules of a live playlist's window: what a server must keep in it as it removes the
oldest segments (RFC 8216 6.2.2).

One snapshot cannot prove segments were removed; an EXT-X-MEDIA-SEQUENCE above 0 on a
live playlist is the sign of it these rules go by, as live-playlist-too-short does.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.media import HEAD, SEG
from hlsinspect.checks.media_support import is_live
from hlsinspect.checks.registry import WARNING, Issue, rule

_SLID = HEAD + "#EXT-X-MEDIA-SEQUENCE:120\n"


@rule("HLS209", "discontinuity-sequence-missing", WARNING, scope="media",
      reference="RFC 8216 6.2.2",
      hint="add #EXT-X-DISCONTINUITY-SEQUENCE:<n> above the first segment, counting the "
           "discontinuities removed with their segments",
      passing=[_SLID + "#EXT-X-DISCONTINUITY-SEQUENCE:3\n" + SEG + "#EXT-X-DISCONTINUITY\n"
               + SEG * 3,
               HEAD + SEG + "#EXT-X-DISCONTINUITY\n" + SEG * 3,
               _SLID + SEG * 4],
      failing=[_SLID + SEG + "#EXT-X-DISCONTINUITY\n" + SEG * 3])
def discontinuity_sequence_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live playlist that has removed segments (EXT-X-MEDIA-SEQUENCE above 0) and holds an
    EXT-X-DISCONTINUITY, without EXT-X-DISCONTINUITY-SEQUENCE: a server that removes
    segments from such a playlist must carry the tag, or renditions can no longer be
    matched once the discontinuity scrolls out. Under --rules apple, which makes it an
    error for every live playlist, apple-live-discontinuity-sequence-missing reports it
    instead."""
    tag = ctx.tag("EXT-X-DISCONTINUITY")
    if ctx.profile == "apple":
        return  # its stricter rule names the same tag, once
    if (tag is None or not is_live(ctx.playlist) or ctx.playlist.media_sequence == 0
            or ctx.lines.has("EXT-X-DISCONTINUITY-SEQUENCE")):
        return
    yield Issue("the live playlist has removed segments (EXT-X-MEDIA-SEQUENCE:"
                f"{ctx.playlist.media_sequence}) and holds an EXT-X-DISCONTINUITY, but no "
                "EXT-X-DISCONTINUITY-SEQUENCE", line=tag.line)
