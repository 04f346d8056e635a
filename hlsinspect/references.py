"""What a playlist points at: objects of a media playlist, playlists of a multivariant one."""

from __future__ import annotations

from dataclasses import dataclass

from hlsinspect.playlists import Playlist


@dataclass(frozen=True)
class ObjectRef:
    """One URI in a media playlist that names an object to verify."""

    kind: str
    """`segment`, `init`, `key`, `part` or `preload-hint`."""
    uri: str
    line: int | None
    byterange: tuple[int, int] | None = None
    """(offset, length) with the offset inferred as RFC 8216 4.3.2.2 says."""


@dataclass(frozen=True)
class ByterangeProblem:
    """An EXT-X-BYTERANGE that cannot be placed in its resource."""

    uri: str
    line: int | None
    message: str


@dataclass(frozen=True)
class PlaylistRef:
    """One playlist a multivariant playlist references."""

    role: str
    """`variant`, `iframe`, or the rendition TYPE in lower case (`audio`, `subtitles`...)."""
    uri: str
    line: int | None


def _parse_range(text: str) -> tuple[int, int | None]:
    length, _, offset = str(text).strip().partition("@")
    return int(length), (int(offset) if offset else None)


def object_refs(playlist: Playlist) -> tuple[list[ObjectRef], list[ByterangeProblem]]:
    """Every object a media playlist needs, in playlist order, and the byte ranges that fail."""
    refs: list[ObjectRef] = []
    problems: list[ByterangeProblem] = []
    seen: set[tuple[str, str, object]] = set()

    def add_once(kind: str, uri: str | None, byterange: tuple[int, int] | None = None) -> None:
        if not uri or (kind, uri, byterange) in seen:
            return
        seen.add((kind, uri, byterange))
        refs.append(ObjectRef(kind, uri, playlist.line_of(uri), byterange))

    previous: tuple[str, int] | None = None  # (uri, end of the last sub-range)
    for index, segment in enumerate(playlist.segments):
        line = playlist.segment_lines[index] if index < len(playlist.segment_lines) else None
        byterange = None
        if segment.byterange:
            try:
                length, offset = _parse_range(segment.byterange)
            except ValueError:
                problems.append(ByterangeProblem(
                    segment.uri, line, f"EXT-X-BYTERANGE {segment.byterange!r} is not n[@o]"))
                length, offset = 0, 0
            if offset is None:
                if previous is None or previous[0] != segment.uri:
                    problems.append(ByterangeProblem(
                        segment.uri, line,
                        "EXT-X-BYTERANGE has no offset, but the previous segment is not a "
                        "sub-range of the same resource"))
                    offset = 0
                else:
                    offset = previous[1]
            byterange = (offset, length)
            previous = (segment.uri, offset + length)
        else:
            previous = None
        refs.append(ObjectRef("segment", segment.uri, line, byterange))
        if segment.init_section is not None and segment.init_section.uri:
            init_range = None
            if segment.init_section.byterange:
                try:
                    length, offset = _parse_range(segment.init_section.byterange)
                    init_range = (offset or 0, length)
                except ValueError:
                    problems.append(ByterangeProblem(
                        segment.init_section.uri, playlist.line_of(segment.init_section.uri),
                        f"EXT-X-MAP BYTERANGE {segment.init_section.byterange!r} is not n[@o]"))
            add_once("init", segment.init_section.uri, init_range)
        key = segment.key
        if key is not None and key.uri and str(key.method).upper() != "NONE":
            add_once("key", key.uri)
    for segment in playlist.parsed.segments:
        for part in segment.parts:
            add_once("part", part.uri)
    hint = playlist.parsed.preload_hint
    if hint is not None and hint.uri:
        add_once("preload-hint", hint.uri)
    return refs, problems


def playlist_refs(playlist: Playlist) -> list[PlaylistRef]:
    """The variant, rendition and I-frame playlists of a multivariant playlist, in order."""
    parsed = playlist.parsed
    refs: list[PlaylistRef] = []
    for variant in parsed.playlists:
        if variant.uri:
            refs.append(PlaylistRef("variant", variant.uri, playlist.line_of(variant.uri)))
    for media in parsed.media:
        if media.uri:
            role = str(media.type or "rendition").lower()
            refs.append(PlaylistRef(role, media.uri, playlist.line_of(media.uri)))
    for iframe in parsed.iframe_playlists:
        if iframe.uri:
            refs.append(PlaylistRef("iframe", iframe.uri, playlist.line_of(iframe.uri)))
    return refs
