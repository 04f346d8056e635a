"""What the probe rules look at: one media playlist's probed segments, in playlist order,
with what the playlists around it declare (CODECS, RESOLUTION, EXT-X-INDEPENDENT-SEGMENTS)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.media.result import Probed
from hlsinspect.syntax.lines import Tag


@dataclass(frozen=True)
class SegmentProbe:
    """One probed segment of the playlist."""

    index: int
    """Its position in the playlist (0-based)."""
    uri: str
    """How reports name its object."""
    line: int
    """Its EXTINF line (else its URI line)."""
    extinf: float | None
    discontinuity: bool
    """An EXT-X-DISCONTINUITY precedes it: its timestamps may restart."""
    found: Probed | None = None
    failure: str | None = None
    """Why its bytes could not be read (the store's message)."""
    range_ignored: bool = False
    """Not read because its origin answers Range requests with the whole file (reported once
    for the title, by origin-ignores-range, not for each segment)."""


def named(uri: str, playlist: str | None) -> str:
    """How a probe finding's message names an object: relative to its playlist's directory
    (`seg001.ts`, `v1/index.m3u8`), as the other rules quote a reference; the finding's
    `uri` carries the full path, so the message need not repeat it."""
    if playlist:
        directory = playlist.rpartition("/")[0] + "/"
        if uri.startswith(directory) and len(uri) > len(directory):
            return uri[len(directory):]
    return uri.rpartition("/")[2] or uri


@dataclass(frozen=True)
class InitProblem:
    uri: str
    line: int
    message: str


@dataclass
class PlaylistProbe:
    """Every probed segment of one media playlist."""

    segments: list[SegmentProbe] = field(default_factory=list)
    inits: list[InitProblem] = field(default_factory=list)
    independent: bool = False
    """EXT-X-INDEPENDENT-SEGMENTS applies (in the playlist or its multivariant playlist)."""
    variants: list[Tag] = field(default_factory=list)
    """The EXT-X-STREAM-INF tags that name this playlist."""
    master: str | None = None
    """The multivariant playlist those tags are in."""
    range_ignored: str | None = None
    """How the origin answered a Range request on a byte range of this playlist with the
    whole file; set on one playlist of a title only, so that it is reported once."""
    plays: list[tuple[Tag, list[PlaylistProbe]]] = field(default_factory=list)
    """For each EXT-X-STREAM-INF that names this playlist as its variant: the probes of
    the audio renditions (with a URI) of the AUDIO group it plays, whose codecs its CODECS
    must cover too."""

    def measured(self) -> list[tuple[SegmentProbe, Probed]]:
        """The segments whose bytes were read and understood, with what was found."""
        return [(s, s.found) for s in self.segments
                if s.found is not None and not s.found.problems]


@dataclass
class ProbeContext:
    playlist: PlaylistContext
    probe: PlaylistProbe
    tolerance: float
    gap: float

    def measured(self) -> list[tuple[SegmentProbe, Probed]]:
        """The playlist's segments whose bytes were read and understood."""
        return self.probe.measured()
