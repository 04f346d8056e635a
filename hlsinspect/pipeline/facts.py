"""The facts of one playlist for the report: durations, counts, the ladder.

Values are reported as written (a PLAYLIST-TYPE of LIVE shows as LIVE, with its finding),
and each variant's measured bit rates stand beside its declared ones.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Mapping

from hlsinspect.checks.context import Member, TitleContext
from hlsinspect.checks.probed import PlaylistProbe, SegmentProbe
from hlsinspect.pipeline.fetch import Entry
from hlsinspect.playlists import Playlist
from hlsinspect.probe_report import ProbeReport, SegmentMeasure
from hlsinspect.references import ResolvedRef
from hlsinspect.report import (
    ObjectCounts,
    PlaylistReport,
    Rendition,
    Timeline,
    Variant,
    shared,
)
from hlsinspect.storage.base import Existence, ObjectState, Storage
from hlsinspect.syntax.attributes import as_float, as_int, as_resolution
from hlsinspect.syntax.lines import Tag


def playlist_report(storage: Storage, entry: Entry, counts: ObjectCounts | None,
                    title: TitleContext | None,
                    probes: Mapping[str, ProbeReport] | None = None,
                    timeline: Timeline | None = None) -> PlaylistReport:
    loaded = entry.loaded
    uri = sys.intern(storage.uri(loaded.key))
    parent = shared(entry.parent)
    playlist = loaded.playlist
    if playlist is None:
        return PlaylistReport(uri=uri, kind="media", parent=parent,
                              load_status=loaded.status)
    if playlist.is_multivariant:
        return PlaylistReport(
            uri=uri, kind="multivariant", parent=parent, version=playlist.version,
            variants=tuple(_variants(playlist, title, probes or {})),
            renditions=tuple(_renditions(playlist, title)))
    return PlaylistReport(
        uri=uri, kind="media", parent=parent, version=playlist.version,
        target_duration=playlist.target_duration, media_sequence=playlist.media_sequence,
        playlist_type=shared(playlist.written_type),
        endlist=playlist.endlist, segment_count=len(playlist.segments),
        total_duration=round(playlist.total_duration, 6), objects=counts or ObjectCounts(),
        probe=(probes or {}).get(uri), segments=timeline)


def timeline(storage: Storage, playlist: Playlist, refs: list[ResolvedRef],
             known: Mapping[str, ObjectState], suspicious: set[str]) -> Timeline:
    """Each segment's duration, size and state, from what verification learnt (the HTML
    report draws it); a segment that no object was asked for (a GAP, another host, an
    unresolved variable) is `x`."""
    count = len(playlist.segments)
    durations = array("d", (s.duration or 0.0 for s in playlist.segments))
    sizes = array("q", [-1] * count)
    states = ["x"] * count
    marked: dict[int, str] = {}
    for item in refs:
        index = item.ref.segment
        if item.ref.kind != "segment" or index is None or index >= count:
            continue
        state = known.get(item.key)
        uri = storage.uri(item.key)
        if state is None:
            marked[index] = uri
            continue
        if state.existence is Existence.PRESENT:
            letter = "s" if uri in suspicious else "p"
            if state.size is not None:
                sizes[index] = item.byterange[1] if item.byterange else state.size
        else:
            letter = "m" if state.existence is Existence.MISSING else "u"
        states[index] = letter
        if letter != "p":
            marked[index] = uri
    for index in range(count):
        if states[index] == "x":
            marked.setdefault(index, playlist.segments[index].uri or "")
    return Timeline(durations, sizes, "".join(states),
                    tuple((i, shared(u) or "") for i, u in sorted(marked.items())))


def probe_report(mode: str, probe: PlaylistProbe) -> ProbeReport:
    """The report's view of one media playlist's probe."""
    return ProbeReport(mode, tuple(_measure(s) for s in probe.segments))


def _measure(segment: SegmentProbe) -> SegmentMeasure:
    found = segment.found
    if found is None:
        return SegmentMeasure(segment.uri, segment.extinf, error=segment.failure)
    return SegmentMeasure(
        segment.uri, segment.extinf, found.container,
        round(found.start, 6) if found.start is not None else None,
        round(found.duration, 6) if found.duration is not None else None,
        found.keyframe, found.codecs,
        f"{found.resolution[0]}x{found.resolution[1]}" if found.resolution else None,
        found.bytes_read, "; ".join(p.message for p in found.problems) or None)


def _named(title: TitleContext | None) -> dict[int, str]:
    """How reports name the playlist each multivariant tag references, by the tag's line:
    discovery resolved every reference once already."""
    return ({m.tag.line: sys.intern(m.uri) for m in title.members}
            if title is not None else {})


def _resolution(tag: Tag) -> str | None:
    value = as_resolution(tag.attr("RESOLUTION"))
    return sys.intern(f"{value[0]}x{value[1]}") if value else None


def ladder(playlist: Playlist, named: Mapping[int, str]
           ) -> tuple[tuple[Variant, ...], tuple[Rendition, ...]]:
    """A multivariant playlist's variants and renditions as declared, each named by `named`
    (tag line -> URI) where given: the ladder of a report with no title measured (`watch`)."""
    return tuple(_variants(playlist, None, {}, named)), tuple(_renditions(playlist, None, named))


def _variants(playlist: Playlist, title: TitleContext | None,
              probes: Mapping[str, ProbeReport],
              named: Mapping[int, str] | None = None) -> list[Variant]:
    """EXT-X-STREAM-INF entries, then EXT-X-I-FRAME-STREAM-INF entries."""
    structure = playlist.structure
    named = _named(title) if named is None else named
    members: dict[int, Member] = {}
    if title is not None:
        members = {m.tag.line: m for m in title.members if m.role in ("variant", "iframe")}
    out = []
    for entry in [*structure.variants, *structure.iframes]:
        tag = entry.tag
        member = members.get(tag.line)
        combined = title.combination(member) if title is not None and member else None
        probe = probes.get(named.get(tag.line, ""))
        out.append(Variant(
            uri=named.get(tag.line, entry.uri),
            bandwidth=as_int(tag.attr("BANDWIDTH")),
            average_bandwidth=as_int(tag.attr("AVERAGE-BANDWIDTH")),
            resolution=_resolution(tag), codecs=shared(tag.attr("CODECS")),
            frame_rate=None if entry.iframe else as_float(tag.attr("FRAME-RATE")),
            iframe=entry.iframe,
            measured_bandwidth=combined.peak if combined else None,
            measured_average_bandwidth=combined.average if combined else None,
            line=tag.line, groups=_groups(tag),
            probed_duration=probe.measured_duration if probe else None,
            probed_codecs=probe.codecs if probe else None,
            probed_resolution=probe.resolution if probe else None))
    return out


def _renditions(playlist: Playlist, title: TitleContext | None,
                named: Mapping[int, str] | None = None) -> list[Rendition]:
    named = _named(title) if named is None else named
    return [
        Rendition(type=tag.attr("TYPE"), group_id=tag.attr("GROUP-ID"), name=tag.attr("NAME"),
                  language=tag.attr("LANGUAGE"), uri=named.get(tag.line, tag.attr("URI")),
                  line=tag.line)
        for tag in playlist.structure.renditions
    ]


def _groups(tag: Tag) -> tuple[str, ...]:
    """The GROUP-IDs a variant tag names, AUDIO, VIDEO, SUBTITLES, CLOSED-CAPTIONS."""
    named = (tag.attr(kind) for kind in ("AUDIO", "VIDEO", "SUBTITLES", "CLOSED-CAPTIONS"))
    return tuple(sys.intern(group) for group in named if group and group != "NONE")
