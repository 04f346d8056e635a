"""What the lines of a playlist describe: media segments, or variants and renditions.

Built from the line view alone, following RFC 8216: every URI line of a media playlist is a
media segment (one without EXTINF is a finding, not a line to drop), the tags before it apply
to it, EXT-X-KEY and EXT-X-MAP apply until the next one, an EXT-X-STREAM-INF describes the
URI line after it. Each piece keeps its line numbers, so every finding can point at one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hlsinspect.syntax.attributes import as_float, as_int
from hlsinspect.syntax.lines import Lines, Tag, UriLine
from hlsinspect.syntax.tags import MEDIA_SIDE, Category, extinf_parts

Kind = Literal["media", "multivariant"]


@dataclass(slots=True)
class Segment:
    """One media segment: its URI line and the tags that apply to it."""

    index: int
    uri: str
    line: int
    """The URI line."""
    tags: list[Tag]
    """Every tag between the previous URI line and this one, in order."""
    extinf: Tag | None = None
    duration: float | None = None
    """EXTINF seconds; None when there is no EXTINF or its duration is not a number."""
    byterange: Tag | None = None
    keys: tuple[Tag, ...] = ()
    """The EXT-X-KEY tags in effect, one per KEYFORMAT; none when unencrypted."""
    map: Tag | None = None
    """The EXT-X-MAP in effect."""
    bitrate: Tag | None = None
    """The EXT-X-BITRATE in effect (it does not apply to byte-range segments)."""
    discontinuity: bool = False
    gap: bool = False
    parts: list[Tag] = field(default_factory=list)
    """EXT-X-PART tags of this (parent) segment."""
    media_sequence: int = 0
    discontinuity_sequence: int = 0

    @property
    def line_of_extinf(self) -> int:
        return self.extinf.line if self.extinf is not None else self.line


@dataclass(slots=True)
class VariantEntry:
    """An EXT-X-STREAM-INF and its URI line, or an EXT-X-I-FRAME-STREAM-INF."""

    tag: Tag
    uri: str | None
    uri_line: int | None
    iframe: bool = False

    @property
    def line(self) -> int:
        return self.uri_line if self.uri_line is not None else self.tag.line


@dataclass
class Structure:
    """The pieces of one playlist."""

    kind: Kind
    mixed: bool = False
    """Both multivariant tags and media or segment tags are present (an invalid playlist)."""
    segments: list[Segment] = field(default_factory=list)
    trailing: list[Tag] = field(default_factory=list)
    """Tags after the last URI line of a media playlist (parts of a segment still being
    written, a dangling EXTINF, ENDLIST...)."""
    dangling: list[Tag] = field(default_factory=list)
    """EXTINF, EXT-X-BYTERANGE or EXT-X-STREAM-INF tags that no URI line follows before the
    next such tag: what they describe is lost."""
    stray: list[UriLine] = field(default_factory=list)
    """URI lines of a multivariant playlist that no EXT-X-STREAM-INF introduces."""
    variants: list[VariantEntry] = field(default_factory=list)
    iframes: list[VariantEntry] = field(default_factory=list)
    renditions: list[Tag] = field(default_factory=list)


def playlist_kind(lines: Lines) -> tuple[Kind, bool]:
    """Media or multivariant, by the tags present (RFC 8216bis 4.1), and whether mixed.

    Any multivariant tag makes a multivariant playlist. A playlist with neither kind of tag
    (only #EXTM3U, say) is read as an empty media playlist, which is what it is in practice:
    a transcode that wrote nothing.
    """
    multivariant = media = False
    for entry in lines.entries:
        if isinstance(entry, UriLine):
            continue
        category = entry.spec.category if entry.spec else None
        multivariant = multivariant or category is Category.MULTIVARIANT
        media = media or category in MEDIA_SIDE
    return ("multivariant" if multivariant else "media"), multivariant and media


def build(lines: Lines) -> Structure:
    kind, mixed = playlist_kind(lines)
    structure = Structure(kind, mixed)
    if kind == "media":
        _media(lines, structure)
    else:
        _multivariant(lines, structure)
    return structure


def _media(lines: Lines, out: Structure) -> None:
    first = lines.first("EXT-X-MEDIA-SEQUENCE")
    sequence = as_int(first.value) if first is not None else None
    sequence = sequence or 0
    dseq_tag = lines.first("EXT-X-DISCONTINUITY-SEQUENCE")
    dseq = (as_int(dseq_tag.value) if dseq_tag is not None else None) or 0
    keys: dict[str, Tag] = {}
    current_map: Tag | None = None
    bitrate: Tag | None = None
    pending: list[Tag] = []
    for entry in lines.entries:
        if isinstance(entry, Tag):
            pending.append(entry)
            if entry.name == "EXT-X-KEY":
                if (entry.attr("METHOD") or "").strip() == "NONE":
                    keys.clear()
                else:
                    keys[entry.attr("KEYFORMAT") or "identity"] = entry
            elif entry.name == "EXT-X-MAP":
                current_map = entry
            elif entry.name == "EXT-X-BITRATE":
                bitrate = entry
            elif entry.name == "EXT-X-SKIP":
                sequence += as_int(entry.attr("SKIPPED-SEGMENTS")) or 0
            continue
        segment = Segment(len(out.segments), entry.uri, entry.line, pending,
                          keys=tuple(keys.values()), map=current_map)
        _apply(segment, pending, out)
        segment.media_sequence = sequence + segment.index
        if segment.discontinuity:
            dseq += 1
        segment.discontinuity_sequence = dseq
        if segment.byterange is None:
            segment.bitrate = bitrate
        out.segments.append(segment)
        pending = []
    out.trailing = pending
    for tag in pending:
        if tag.name in ("EXTINF", "EXT-X-BYTERANGE"):
            out.dangling.append(tag)


def _apply(segment: Segment, tags: list[Tag], out: Structure) -> None:
    """Fill the segment from the tags before its URI line; a second EXTINF leaves the first
    dangling."""
    for tag in tags:
        name = tag.name
        if name == "EXTINF":
            if segment.extinf is not None:
                out.dangling.append(segment.extinf)
            segment.extinf = tag
            segment.duration = as_float(extinf_parts(tag.value)[0])
        elif name == "EXT-X-BYTERANGE":
            if segment.byterange is not None:
                out.dangling.append(segment.byterange)
            segment.byterange = tag
        elif name == "EXT-X-DISCONTINUITY":
            segment.discontinuity = True
        elif name == "EXT-X-GAP":
            segment.gap = True
        elif name == "EXT-X-PART":
            segment.parts.append(tag)


def _multivariant(lines: Lines, out: Structure) -> None:
    pending: Tag | None = None
    for entry in lines.entries:
        if isinstance(entry, UriLine):
            if pending is not None:
                out.variants.append(VariantEntry(pending, entry.uri, entry.line))
                pending = None
            else:
                out.stray.append(entry)
            continue
        if entry.name == "EXT-X-STREAM-INF":
            if pending is not None:
                out.dangling.append(pending)
            pending = entry
        elif entry.name == "EXT-X-I-FRAME-STREAM-INF":
            out.iframes.append(VariantEntry(entry, entry.attr("URI"), entry.line, iframe=True))
        elif entry.name == "EXT-X-MEDIA":
            out.renditions.append(entry)
    if pending is not None:
        out.dangling.append(pending)
