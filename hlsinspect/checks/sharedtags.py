"""Rules about the tags a multivariant playlist and its media playlists may both carry
(RFC 8216bis 4.4.2.1, 4.4.2.2): EXT-X-INDEPENDENT-SEGMENTS and EXT-X-START.

Written in the multivariant playlist, they apply to every media playlist; repeating them
below invites the two to disagree, and where they do clients ignore the media playlist's.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.context import Member, TitleContext
from hlsinspect.checks.media_support import media, title
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.syntax.attributes import as_float
from hlsinspect.syntax.lines import Tag

INDEPENDENT = "#EXT-X-INDEPENDENT-SEGMENTS\n"


def _title(master_tag: str, media_tag: str) -> dict[str, str | bytes]:
    return title(f"#EXTM3U\n{master_tag}#EXT-X-STREAM-INF:BANDWIDTH=1000\nv/index.m3u8\n",
                 {"v/index.m3u8": media(head=media_tag)})


def _repeating(ctx: TitleContext, name: str) -> list[tuple[Member, Tag]]:
    """The media playlists that repeat tag `name` of the multivariant playlist."""
    if not ctx.master.lines.has(name):
        return []
    found = []
    for member in ctx.media:
        assert member.media is not None
        tag = member.media.lines.first(name)
        if tag is not None:
            found.append((member, tag))
    return found


def _repeated(ctx: TitleContext, name: str) -> Iterator[Issue]:
    """One finding per title: which media playlists repeat the tag."""
    found = _repeating(ctx, name)
    if found:
        member, tag = found[0]
        more = f" and {len(found) - 1} more media playlists" if len(found) > 1 else ""
        yield Issue(f"#{name} is in the multivariant playlist and again in {member.uri}{more}",
                    line=tag.line, uri=member.uri, playlist=member.uri)


@rule("HLS420", "independent-segments-repeated", WARNING, scope="title",
      reference="RFC 8216bis 4.4.2.1",
      hint="keep EXT-X-INDEPENDENT-SEGMENTS in the multivariant playlist only",
      passing=[_title(INDEPENDENT, ""), _title("", INDEPENDENT)],
      failing=[_title(INDEPENDENT, INDEPENDENT)])
def independent_segments_repeated(ctx: TitleContext) -> Iterator[Issue]:
    """EXT-X-INDEPENDENT-SEGMENTS in the multivariant playlist and again in a media playlist
    it references, which should not carry it. One finding per title."""
    yield from _repeated(ctx, "EXT-X-INDEPENDENT-SEGMENTS")


@rule("HLS421", "start-repeated", WARNING, scope="title", reference="RFC 8216bis 4.4.2.2",
      hint="keep EXT-X-START in the multivariant playlist only",
      passing=[_title("#EXT-X-START:TIME-OFFSET=2.0\n", "")],
      failing=[_title("#EXT-X-START:TIME-OFFSET=2.0\n", "#EXT-X-START:TIME-OFFSET=2.0\n")])
def start_repeated(ctx: TitleContext) -> Iterator[Issue]:
    """EXT-X-START in the multivariant playlist and again in a media playlist it references,
    which should not carry it. One finding per title."""
    yield from _repeated(ctx, "EXT-X-START")


def _start(tag: Tag) -> tuple[float | None, str]:
    """TIME-OFFSET and PRECISE (NO when absent)."""
    return as_float(tag.attr("TIME-OFFSET"), signed=True), tag.attr("PRECISE") or "NO"


@rule("HLS422", "start-mismatch", ERROR, scope="title", reference="RFC 8216bis 4.4.2.2",
      hint="remove EXT-X-START from the media playlist, or give it the multivariant "
           "playlist's value",
      passing=[_title("#EXT-X-START:TIME-OFFSET=2.0\n", "#EXT-X-START:TIME-OFFSET=2\n")],
      failing=[_title("#EXT-X-START:TIME-OFFSET=2.0\n",
                      "#EXT-X-START:TIME-OFFSET=2.0,PRECISE=YES\n")])
def start_mismatch(ctx: TitleContext) -> Iterator[Issue]:
    """An EXT-X-START in a media playlist that differs from the multivariant playlist's
    (TIME-OFFSET, or PRECISE, whose absence means NO): the two must agree, and clients
    ignore the media playlist's."""
    master = ctx.master.tag("EXT-X-START")
    if master is None:
        return
    for member, tag in _repeating(ctx, "EXT-X-START"):
        if _start(tag) != _start(master):
            yield Issue(f"EXT-X-START:{tag.value} differs from the multivariant playlist's "
                        f"EXT-X-START:{master.value} (line {master.line})", line=tag.line,
                        uri=member.uri, playlist=member.uri, observed=tag.value,
                        expected=master.value)
