"""What a playlist points at: the objects to verify, and the playlists a multivariant names.

References are listed as written; the store resolves each one once (`Storage.resolve`), and
only then are byte ranges placed: an EXT-X-BYTERANGE without an offset continues the previous
segment's sub-range of the same resource (RFC 8216 4.3.2.2), and "the same resource" means
the same resolved key, so `a.ts` and `./a.ts` are one file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from hlsinspect import limits
from hlsinspect.playlists import Playlist, fill, substitute_known, substituted_length
from hlsinspect.quick_init import quick_init
from hlsinspect.syntax.attributes import as_int
from hlsinspect.syntax.lines import Tag
from hlsinspect.syntax.tags import parse_byterange
from hlsinspect.uri.keys import Reference

OBJECT_KINDS = ("segment", "init", "key", "part", "preload-hint", "session-data")


@quick_init
@dataclass(frozen=True)
class ObjectRef:
    """One URI in a playlist that names an object to verify."""

    kind: str
    """One of OBJECT_KINDS."""
    uri: str
    line: int
    segment: int | None = None
    """The media segment it belongs to (segments and their parts)."""
    length: int | None = None
    """Sub-range length, when the reference is a byte range."""
    offset: int | None = None
    """Sub-range offset as written; None with a length means "continues the previous one"."""
    fetched: bool = True
    """False for an EXT-X-GAP segment or a GAP=YES part: it has no media to verify, but its
    byte range still counts for the range after it."""
    unresolved: tuple[str, ...] = ()
    """Variables `uri` still refers to (`{$NAME}` left as written): their values are not
    known here."""


@quick_init
@dataclass(frozen=True)
class ResolvedRef:
    """An object reference, the store key it resolved to, and its placed byte range."""

    ref: ObjectRef
    key: str
    byterange: tuple[int, int] | None = None
    """(offset, length), with the offset inferred where the playlist leaves it out."""


@dataclass(frozen=True)
class RangeProblem:
    """A byte range that cannot be placed in its resource."""

    ref: ObjectRef
    message: str


@dataclass(frozen=True)
class PlaylistRef:
    """One playlist a multivariant playlist references."""

    role: str
    """`variant`, `iframe`, or the rendition TYPE in lower case (`audio`, `subtitles`...)."""
    uri: str
    line: int
    tag: Tag
    unresolved: tuple[str, ...] = ()
    """Variables `uri` still refers to, as in ObjectRef."""


def object_refs(playlist: Playlist, variables: Mapping[str, str] | None = None
                ) -> list[ObjectRef]:
    """Every object the playlist names, in playlist order; EXT-X-GAP segments and GAP=YES
    parts are marked not to be fetched.

    Variable references in URIs are substituted from `variables` (the playlist's own by
    default); a reference to a variable whose value is not known stays as written and is
    named in `unresolved`: the object is still listed, never dropped.
    """
    refs = _session_refs(playlist) if playlist.is_multivariant else _media_refs(playlist)
    return _substituted(playlist, refs, variables)


R = TypeVar("R", ObjectRef, PlaylistRef)


def _substituted(playlist: Playlist, refs: list[R],
                 variables: Mapping[str, str] | None = None) -> list[R]:
    """`refs` with the known variables substituted in their URIs, the unknown ones named."""
    if "{$" not in playlist.text:
        return refs
    values = playlist.variables() if variables is None else variables
    out = []
    for ref in refs:
        if substituted_length(ref.uri, values) > limits.MAX_URI_LENGTH:
            continue  # never built: value-out-of-range names it
        uri, unknown = substitute_known(ref.uri, values)
        out.append(replace(ref, uri=uri, unresolved=unknown))
    return out


@quick_init
@dataclass(frozen=True)
class Located:
    """Where a reference points, and whether that is all the store needs to know."""

    where: Reference
    known: bool = True
    """False when the variables it still refers to change what the store is asked for: the
    object cannot be verified (`where` is the URI as written, for reports to name)."""


def locate(resolve: Callable[[str], Reference], uri: str,
           unresolved: tuple[str, ...] = ()) -> Located:
    """`uri` resolved by `resolve`. With variables whose values are not known, it is resolved
    with two different values: when both name the same thing (an S3 or local key drops the
    query, no store sees a fragment), that is what the URI names whatever the value."""
    if not unresolved:
        return Located(resolve(uri))
    one, other = (resolve(fill(uri, unresolved, value)) for value in ("0", "1"))
    if one == other:
        return Located(one)
    return Located(resolve(uri), known=False)


def _media_refs(playlist: Playlist) -> list[ObjectRef]:
    refs: list[ObjectRef] = []
    seen_tags: set[int] = set()

    def once(tag: Tag | None) -> bool:
        if tag is None or tag.line in seen_tags:
            return False
        seen_tags.add(tag.line)
        return True

    for segment in playlist.segments:
        for key in segment.keys:
            if once(key) and key.attr("URI"):
                refs.append(ObjectRef("key", str(key.attr("URI")), key.line))
        if once(segment.map) and segment.map is not None and segment.map.attr("URI"):
            length, offset = _range(segment.map.attr("BYTERANGE"))
            refs.append(ObjectRef("init", str(segment.map.attr("URI")), segment.map.line,
                                  length=length, offset=offset))
        for part in segment.parts:
            if part.attr("URI"):
                length, offset = _range(part.attr("BYTERANGE"))
                refs.append(ObjectRef("part", str(part.attr("URI")), part.line, segment.index,
                                      length, offset, part.attr("GAP") != "YES"))
        value = segment.byterange.value if segment.byterange is not None else None
        length, offset = _range(value)
        refs.append(ObjectRef("segment", segment.uri, segment.line, segment.index, length,
                              offset, not segment.gap))
    for tag in playlist.structure.trailing:
        if tag.name == "EXT-X-PART" and tag.attr("URI"):
            length, offset = _range(tag.attr("BYTERANGE"))
            refs.append(ObjectRef("part", str(tag.attr("URI")), tag.line, None, length, offset,
                                  tag.attr("GAP") != "YES"))
    for hint in playlist.lines.all("EXT-X-PRELOAD-HINT"):
        if hint.attr("URI"):
            start = as_int(hint.attr("BYTERANGE-START"))
            length = as_int(hint.attr("BYTERANGE-LENGTH"))
            refs.append(ObjectRef("preload-hint", str(hint.attr("URI")), hint.line,
                                  length=length, offset=(start or 0) if length else None))
    return refs


def _session_refs(playlist: Playlist) -> list[ObjectRef]:
    refs = []
    for tag in playlist.lines.all("EXT-X-SESSION-KEY"):
        if tag.attr("URI") and tag.attr("METHOD") != "NONE":
            refs.append(ObjectRef("key", str(tag.attr("URI")), tag.line))
    for tag in playlist.lines.all("EXT-X-SESSION-DATA"):
        if tag.attr("URI"):
            refs.append(ObjectRef("session-data", str(tag.attr("URI")), tag.line))
    return refs


def range_reference(kind: str) -> str | None:
    """Where the byte range of a reference of `kind` is defined, when not in EXT-X-BYTERANGE
    (RFC 8216 4.3.2.2): an EXT-X-PART's BYTERANGE is RFC 8216bis 4.4.4.9's, a preload hint's
    BYTERANGE-START and -LENGTH 4.4.5.3's."""
    return {"part": "RFC 8216bis 4.4.4.9", "preload-hint": "RFC 8216bis 4.4.5.3"}.get(kind)


def _range(text: str | None) -> tuple[int | None, int | None]:
    """(length, offset) of `n[@o]`; (None, None) when absent or malformed (a finding elsewhere)."""
    parsed = parse_byterange(text)
    return parsed if parsed is not None else (None, None)


def place(resolved: list[tuple[ObjectRef, str | None]]
          ) -> tuple[list[ResolvedRef], list[RangeProblem]]:
    """Give every byte range its offset; a range that cannot be placed is a problem.

    References the store did not resolve (another host, say) take part under their URI as
    written, so a range cannot continue across two files there either; only resolved ones
    come back, to be verified.
    """
    out: list[ResolvedRef] = []
    problems: list[RangeProblem] = []
    segment_end: dict[int, tuple[str, int]] = {}
    """Per segment index: (key, end of its sub-range), for the next segment to continue."""
    part_end: tuple[int | None, str, int] | None = None
    for ref, resolved_key in resolved:
        key = resolved_key if resolved_key is not None else "\0" + ref.uri
        verified = resolved_key is not None and ref.fetched
        if ref.length is None:
            if verified:
                out.append(ResolvedRef(ref, key))
            continue
        offset = ref.offset
        if offset is None and ref.kind == "segment":
            previous = segment_end.get((ref.segment or 0) - 1)
            if previous is None or previous[0] != key:
                problems.append(RangeProblem(ref, "EXT-X-BYTERANGE has no offset, but the "
                                             "previous segment is not a sub-range of the "
                                             "same resource"))
            offset = previous[1] if previous is not None and previous[0] == key else 0
        elif offset is None and ref.kind == "part":
            if part_end is None or part_end[0] != ref.segment:
                problems.append(RangeProblem(ref, "EXT-X-PART BYTERANGE has no offset, and "
                                             "the part is the first of its parent segment: "
                                             "there is no earlier part to continue"))
            elif part_end[1] != key:
                problems.append(RangeProblem(ref, "EXT-X-PART BYTERANGE has no offset, but "
                                             "the previous partial segment of the same parent "
                                             "segment is not a sub-range of the same resource"))
            offset = part_end[2] if part_end is not None and part_end[1] == key else 0
        elif offset is None and ref.kind == "init":
            problems.append(RangeProblem(ref, "EXT-X-MAP BYTERANGE needs an offset, "
                                         "\"<length>@<offset>\""))
            offset = 0
        offset = offset or 0
        if ref.length <= 0:
            problems.append(RangeProblem(ref, f"a byte range of length {ref.length} is empty"))
        if verified:
            out.append(ResolvedRef(ref, key, (offset, ref.length)))
        if ref.kind == "segment" and ref.segment is not None:
            segment_end[ref.segment] = (key, offset + ref.length)
        elif ref.kind == "part":
            part_end = (ref.segment, key, offset + ref.length)
    return out, problems


def playlist_refs(playlist: Playlist, variables: Mapping[str, str] | None = None
                  ) -> list[PlaylistRef]:
    """The variant, rendition and I-frame playlists of a multivariant playlist, in order
    (variables substituted from `variables`, the playlist's own by default; a reference to
    one whose value is not known stays as written and is named in `unresolved`)."""
    return _substituted(playlist, _playlist_refs(playlist), variables)


def _playlist_refs(playlist: Playlist) -> list[PlaylistRef]:
    structure = playlist.structure
    refs = [PlaylistRef("variant", v.uri, v.line, v.tag)
            for v in structure.variants if v.uri]
    for tag in structure.renditions:
        uri = tag.attr("URI")
        if uri:
            role = (tag.attr("TYPE") or "rendition").strip().lower()
            refs.append(PlaylistRef(role, uri, tag.line, tag))
    refs += [PlaylistRef("iframe", v.uri, v.line, v.tag) for v in structure.iframes if v.uri]
    return refs
