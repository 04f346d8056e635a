"""What the variant and rendition tags of a multivariant playlist say, read one way for every
rule about them (variants, groups, renditions, session data and the Apple profile).

Values are read as written. A malformed value reads as unknown here, so the rules built on
these helpers stay quiet about it: the attribute rules of checks/syntax.py report it.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.syntax.lines import Tag

STREAM_INF, IFRAME_INF, MEDIA = "EXT-X-STREAM-INF", "EXT-X-I-FRAME-STREAM-INF", "EXT-X-MEDIA"
TYPES = ("AUDIO", "VIDEO", "SUBTITLES", "CLOSED-CAPTIONS")
"""The rendition TYPEs; each is also the name of the variant attribute naming its group."""
VIDEO_CODECS = frozenset({
    "avc1", "avc2", "avc3", "avc4", "hvc1", "hev1", "hvc2", "hev2", "lhv1", "lhe1", "dvh1",
    "dvhe", "dva1", "dvav", "dav1", "av01", "vp08", "vp09", "mp4v", "vvc1", "vvi1", "evc1",
    "mjpg", "s263"})
"""Sample entry codes (the first element of an RFC 6381 format) of video formats."""

HEAD = "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
"""The top of the examples' multivariant playlists."""
AVC = 'CODECS="avc1.64001f,mp4a.40.2"'
AAC = 'BANDWIDTH=64000,CODECS="mp4a.40.2"'
"""The attributes of an audio-only variant, for examples."""
SD = 'BANDWIDTH=1000000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=640x360'
"""The attributes of a video variant, for examples."""


def variant(attributes: str, uri: str = "v.m3u8") -> str:
    """An EXT-X-STREAM-INF line and its URI line, for examples."""
    return f"#EXT-X-STREAM-INF:{attributes}\n{uri}\n"


def iframe(attributes: str, uri: str = "i.m3u8") -> str:
    """An EXT-X-I-FRAME-STREAM-INF line, for examples."""
    return f'#EXT-X-I-FRAME-STREAM-INF:{attributes},URI="{uri}"\n'


def media(attributes: str) -> str:
    """An EXT-X-MEDIA line, for examples."""
    return f"#EXT-X-MEDIA:{attributes}\n"


def variant_tags(ctx: PlaylistContext) -> list[Tag]:
    """EXT-X-STREAM-INF and EXT-X-I-FRAME-STREAM-INF tags, in playlist order."""
    return sorted(ctx.tags(STREAM_INF) + ctx.tags(IFRAME_INF), key=lambda t: t.line)


def is_yes(tag: Tag, name: str) -> bool:
    """An enumerated YES/NO attribute is YES (absent means NO for every one of them)."""
    return tag.attr(name) == "YES"


def codec_entries(value: str | None) -> list[str]:
    """The formats of a CODECS value, white space around them removed, empty ones dropped."""
    return [entry.strip() for entry in (value or "").split(",") if entry.strip()]


def sample_entries(tag: Tag) -> set[str]:
    """The sample entry codes CODECS names (`avc1` of `avc1.64001f`)."""
    return {entry.split(".")[0] for entry in codec_entries(tag.attr("CODECS"))}


def names_video(tag: Tag) -> bool:
    """CODECS names a video format."""
    return bool(sample_entries(tag) & VIDEO_CODECS)


def carries_video(tag: Tag) -> bool:
    """The variant says it has video: an I-frame stream, a video format in CODECS, a
    RESOLUTION, or a VIDEO group. A variant that says nothing is not assumed to have any."""
    return (tag.name == IFRAME_INF or names_video(tag) or "RESOLUTION" in tag.attrs
            or "VIDEO" in tag.attrs)


def characteristics(tag: Tag) -> set[str]:
    return {c.strip() for c in (tag.attr("CHARACTERISTICS") or "").split(",") if c.strip()}


def rendition_type(tag: Tag) -> str | None:
    """TYPE of an EXT-X-MEDIA when it is one of the four; None when absent or malformed."""
    kind = tag.attr("TYPE")
    return kind if kind in TYPES else None


def groups(ctx: PlaylistContext) -> dict[tuple[str, str], list[Tag]]:
    """The EXT-X-MEDIA tags by (TYPE, GROUP-ID), in playlist order (RFC 8216bis 4.4.6.1.1)."""
    found: dict[tuple[str, str], list[Tag]] = {}
    for tag in ctx.tags(MEDIA):
        kind, group = rendition_type(tag), tag.attr("GROUP-ID")
        if kind is not None and group is not None:
            found.setdefault((kind, group), []).append(tag)
    return found


def group_references(ctx: PlaylistContext) -> Iterator[tuple[Tag, str, str]]:
    """(variant tag, TYPE, GROUP-ID) for every quoted AUDIO, VIDEO, SUBTITLES or
    CLOSED-CAPTIONS value of EXT-X-STREAM-INF and VIDEO value of EXT-X-I-FRAME-STREAM-INF
    (the only group attribute that tag defines, RFC 8216bis 4.4.6.3)."""
    for tag in variant_tags(ctx):
        for kind in TYPES if tag.name == STREAM_INF else ("VIDEO",):
            item = tag.attrs.get(kind)
            if item is not None and item.quoted and item.value:
                yield tag, kind, item.value
