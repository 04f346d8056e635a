"""What a rule sees, one context type per scope.

Contexts hold data only: a rule reads them and yields issues, it never fetches, prints or
resolves a URI itself (`ctx.object_uri` asks the store that read the playlist).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from hlsinspect.bitrate import Combined, Measured, combine
from hlsinspect.model import Segment
from hlsinspect.playlists import Playlist
from hlsinspect.references import ResolvedRef
from hlsinspect.storage.base import ObjectState
from hlsinspect.syntax.lines import Lines, Tag


@dataclass
class PlaylistContext:
    """One parsed playlist (scopes `line`, `media`, `multivariant`)."""

    playlist: Playlist
    uri: str
    """How reports name the playlist."""
    object_uri: Callable[[str], str] = field(default=lambda raw: raw)
    """A URI as written in the playlist -> how reports name what it points at."""
    profile: str = "rfc"

    @property
    def lines(self) -> Lines:
        return self.playlist.lines

    @property
    def segments(self) -> list[Segment]:
        return self.playlist.structure.segments

    def tags(self, name: str) -> list[Tag]:
        return self.playlist.lines.all(name)

    def tag(self, name: str) -> Tag | None:
        return self.playlist.lines.first(name)


@dataclass
class Member:
    """A media playlist of a title, with the multivariant tag that references it."""

    role: str
    """`variant`, `iframe`, or the rendition TYPE in lower case (`audio`, `subtitles`...)."""
    uri: str
    tag: Tag
    """The EXT-X-STREAM-INF, EXT-X-I-FRAME-STREAM-INF or EXT-X-MEDIA tag."""
    playlist: Playlist | None
    """None when it could not be read or parsed (reported on its own)."""
    measured: Measured | None = None
    """Bit rates from the verified object sizes, when every segment's size is known."""

    @property
    def media(self) -> Playlist | None:
        """The playlist when it is a parsed media playlist."""
        playlist = self.playlist
        return playlist if playlist is not None and not playlist.is_multivariant else None


@dataclass
class TitleContext:
    """A multivariant playlist and what it references (scope `title`)."""

    master: PlaylistContext
    members: list[Member]
    _groups: dict[tuple[str, str], list[Member]] | None = field(default=None, init=False,
                                                                 repr=False)

    def group(self, kind: str, group_id: str | None) -> list[Member]:
        """The rendition members of TYPE `kind` (AUDIO...) in GROUP-ID `group_id`. Indexed
        once: asked for each of 3,000 variants, a scan of 6,000 members each time was
        quadratic."""
        if group_id is None:
            return []
        if self._groups is None:
            self._groups = {}
            for member in self.members:
                named = member.tag.attr("GROUP-ID")
                if named is not None:
                    self._groups.setdefault((member.role, named), []).append(member)
        return list(self._groups.get((kind.lower(), group_id), ()))

    def combination(self, variant: Member) -> Combined | None:
        """The variant's measured bit rates with the renditions it plays with, if known."""
        tag = variant.tag
        if variant.role == "iframe":
            return combine(variant.measured, [])
        # a rendition whose playlist is the variant's own (an audio-only variant that is
        # also its group's audio, RFC 8216bis 9.6) is not played a second time
        def others(kind: str) -> list[Measured | None]:
            return [m.measured for m in self.group(kind, tag.attr(kind)) if m.uri != variant.uri]

        return combine(variant.measured, [others("AUDIO"), others("SUBTITLES")],
                       others("VIDEO"))

    @property
    def media(self) -> list[Member]:
        """Members that are parsed media playlists, each once (first reference wins)."""
        seen: set[str] = set()
        out = []
        for member in self.members:
            if member.media is not None and member.uri not in seen:
                seen.add(member.uri)
                out.append(member)
        return out


@dataclass
class ObjectContext:
    """A playlist's verified references (scope `object`)."""

    playlist: PlaylistContext
    refs: list[ResolvedRef]
    states: Mapping[str, ObjectState]
    key_uri: Callable[[str], str]
    """A store key -> how reports name the object."""
    measured: Measured | None = None

    @cached_property
    def first_uses(self) -> list[tuple[ResolvedRef, int]]:
        """Each referenced key once (its first reference) and how often it is referenced;
        worked out once for the several rules that walk the objects of a playlist."""
        first: dict[str, ResolvedRef] = {}
        uses: dict[str, int] = {}
        for item in self.refs:
            first.setdefault(item.key, item)
            uses[item.key] = uses.get(item.key, 0) + 1
        return [(item, uses[key]) for key, item in first.items()]
