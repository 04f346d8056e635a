"""What a playlist points at: objects of a media playlist, playlists of a multivariant one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hlsinspect.locations import resolve
from hlsinspect.playlists import Playlist


@dataclass(frozen=True)
class ObjectRef:
    """One URI in a playlist that names an object to verify."""

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
    """`n[@o]` as (length, offset or None); ValueError unless both are whole and n > 0."""
    length_text, _, offset_text = str(text).strip().partition("@")
    length = int(length_text)
    offset = int(offset_text) if offset_text else None
    if length <= 0 or (offset is not None and offset < 0):
        raise ValueError(text)
    return length, offset


def _same_resource(playlist: Playlist, a: str, b: str) -> bool:
    """`a.ts` and `./a.ts` are one resource: compare the keys they resolve to."""
    if a == b:
        return True
    key_a, key_b = resolve(playlist.key, a, None).key, resolve(playlist.key, b, None).key
    return key_a is not None and key_a == key_b


def object_refs(playlist: Playlist) -> tuple[list[ObjectRef], list[ByterangeProblem]]:
    """Every object a media playlist needs, in playlist order, and the byte ranges that fail."""
    refs, problems = _segment_refs(playlist)
    seen: set[tuple[str, str, object]] = {(r.kind, r.uri, r.byterange) for r in refs}

    def add_once(kind: str, uri: str | None, byterange: tuple[int, int] | None = None) -> None:
        if uri and (kind, uri, byterange) not in seen:
            seen.add((kind, uri, byterange))
            refs.append(ObjectRef(kind, uri, playlist.line_of(uri), byterange))

    parsed = playlist.parsed
    for segment in playlist.segments:
        init = segment.init_section
        if init is not None and init.uri:
            add_once("init", init.uri, _init_range(playlist, init, problems))
    for ref in key_refs(parsed.keys, playlist):
        add_once(ref.kind, ref.uri)
    for segment in parsed.segments:
        for part in segment.parts:
            add_once("part", part.uri)
    if parsed.preload_hint is not None and parsed.preload_hint.uri:
        add_once("preload-hint", parsed.preload_hint.uri)
    return refs, problems


def key_refs(keys: list[Any], playlist: Playlist) -> list[ObjectRef]:
    """Every EXT-X-KEY (or EXT-X-SESSION-KEY) with a URI; a playlist may rotate many keys."""
    return [
        ObjectRef("key", key.uri, playlist.line_of(key.uri))
        for key in keys
        if key is not None and key.uri and str(key.method).upper() != "NONE"
    ]


def _segment_refs(playlist: Playlist) -> tuple[list[ObjectRef], list[ByterangeProblem]]:
    refs: list[ObjectRef] = []
    problems: list[ByterangeProblem] = []
    previous: tuple[str, int] | None = None  # (uri, end of the last sub-range)
    for index, segment in enumerate(playlist.segments):
        line = playlist.segment_lines[index] if index < len(playlist.segment_lines) else None
        byterange = None
        if segment.byterange:
            try:
                length, offset = _parse_range(segment.byterange)
            except ValueError:
                problems.append(ByterangeProblem(
                    segment.uri, line, f"EXT-X-BYTERANGE {segment.byterange!r} is not n[@o] "
                    "with a positive length"))
                previous = None
                refs.append(ObjectRef("segment", segment.uri, line))
                continue
            if offset is None:
                if previous is None or not _same_resource(playlist, previous[0], segment.uri):
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
    return refs, problems


def _init_range(playlist: Playlist, init: Any, problems: list[ByterangeProblem]
                ) -> tuple[int, int] | None:
    """EXT-X-MAP's BYTERANGE; without an offset it starts at byte 0."""
    if not init.byterange:
        return None
    try:
        length, offset = _parse_range(init.byterange)
    except ValueError:
        problems.append(ByterangeProblem(
            init.uri, playlist.line_of(init.uri),
            f"EXT-X-MAP BYTERANGE {init.byterange!r} is not n[@o] with a positive length"))
        return None
    return (offset or 0, length)


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
