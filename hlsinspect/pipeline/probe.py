"""Stage 4b, probe (`--probe sample|all`): a few kilobytes of each chosen segment, read with
ranged GETs through the title's store, say what the segment really holds.

Sizes come from the verify stage (HEAD or listing), so no extra request finds them. Only
present, unencrypted, non-GAP segments of media playlists are read; I-frame playlists
(EXT-X-I-FRAMES-ONLY) are not. `sample` takes `ProbeSettings.sample`
segments of each media playlist: the first, the last and an even spread between. An init
segment (EXT-X-MAP) is read once per playlist, whole up to `INIT_LIMIT`.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from hlsinspect.checks.probed import InitProblem, PlaylistProbe, SegmentProbe
from hlsinspect.media.bits import DAMAGE
from hlsinspect.media.bmff import Track, init_tracks
from hlsinspect.media.result import Probed, Reader
from hlsinspect.media.segment import Container, expected_containers, probe_segment
from hlsinspect.model import Segment
from hlsinspect.pipeline.check import Checked
from hlsinspect.pipeline.fetch import Fetched
from hlsinspect.progress import Progress
from hlsinspect.references import ResolvedRef
from hlsinspect.settings import ProbeSettings
from hlsinspect.storage.base import ErrorKind, Existence, ObjectState, Storage, StorageError
from hlsinspect.storage.workers import map_concurrently

INIT_LIMIT = 1024 * 1024
WHOLE_LIMIT = 32 * 1024 * 1024
"""The largest segment read whole when its origin ignores Range (one per worker at once)."""


@dataclass(frozen=True)
class ProbeJob:
    """One segment to probe: which bytes of which object, what they should hold, and the
    playlist probe its result goes to."""

    owner: PlaylistProbe
    probe: SegmentProbe
    key: str
    base: int
    size: int
    expected: tuple[Container, ...]
    init: dict[int, Track] | None
    ranged: bool = False
    """An EXT-X-BYTERANGE of a larger object."""


@dataclass
class OriginSeen:
    """What the title's store showed of itself while probing: whether it answered a Range
    request with the whole object (then no further byte range of the title is asked)."""

    ignored: threading.Event = field(default_factory=threading.Event)
    message: str = ""
    first: PlaylistProbe | None = None
    """The playlist whose byte range showed it first."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, exc: StorageError, owner: PlaylistProbe) -> None:
        with self.lock:
            if not self.ignored.is_set():
                self.message, self.first = exc.message, owner
                self.ignored.set()


def chosen(count: int, settings: ProbeSettings) -> list[int]:
    """The indexes of the segments probed among `count`."""
    if settings.mode == "all" or count <= settings.sample:
        return list(range(count))
    last = count - 1
    return sorted({round(i * last / (settings.sample - 1)) for i in range(settings.sample)})


def probe_title(found: Fetched, checked: Sequence[Checked], known: Mapping[str, ObjectState],
                settings: ProbeSettings, workers: int, progress: Progress,
                early: Mapping[str, SegmentProbe] | None = None) -> dict[str, PlaylistProbe]:
    """Each media playlist's probe, by the playlist's URI. `early` holds the probes made
    already, with the objects' states (`pipeline.early`), by key: they are not made again."""
    if settings.mode == "none":
        return {}
    storage = found.storage
    parents = _parents(found)
    probes: dict[str, PlaylistProbe] = {}
    jobs: list[ProbeJob] = []
    origin = OriginSeen()
    for item in _media(checked):
        assert item.context is not None
        probe = parents.get(item.entry.loaded.key, PlaylistProbe())
        probe.independent |= item.context.tag("EXT-X-INDEPENDENT-SEGMENTS") is not None
        probes[item.uri] = probe
        jobs += _plan(storage, item, known, settings, probe, origin)
    made = dict(early or {})
    todo = [job for job in jobs if not (_plain(job) and job.key in made)]
    progress.expect(len(todo))
    results = iter(map_concurrently(lambda job: run_job(storage, job, origin), todo, workers,
                                    progress.advance))
    for job in jobs:  # in the plan's order, whichever were made early
        done = made.pop(job.key, None) if _plain(job) else None
        job.owner.segments.append(done if done is not None else next(results))
    if origin.first is not None:
        origin.first.range_ignored = origin.message
    return probes


def _media(checked: Sequence[Checked]) -> Iterator[Checked]:
    """The media playlists probed: not I-frame playlists, whose ranges hold one picture,
    often without PAT and PMT."""
    for item in checked:
        context = item.context
        if context is not None and not context.playlist.is_multivariant and \
                not context.playlist.iframes_only:
            yield item


def _plain(job: ProbeJob) -> bool:
    """A whole object probed without an init segment: its probe needs only its size."""
    return not job.ranged and job.init is None


def early_jobs(found: Fetched, checked: Sequence[Checked], settings: ProbeSettings
               ) -> list[ProbeJob]:
    """The probes that can start with their objects' verification, before any state is
    known: whole, unencrypted segments without an init segment, each object once (its
    first segment). Sizes are 0 here: the request that verifies the object tells it."""
    if settings.mode == "none":
        return []
    jobs: dict[str, ProbeJob] = {}
    for item in _media(checked):
        assert item.context is not None
        segments = item.context.playlist.segments
        refs = {r.ref.segment: r for r in item.refs if r.ref.kind == "segment"}
        for index in chosen(len(segments), settings):
            segment, ref = segments[index], refs.get(index)
            if ref is None or ref.byterange is not None or segment.map is not None or \
                    not ref.ref.fetched or _encrypted(segment) or ref.key in jobs:
                continue
            jobs[ref.key] = _job(found.storage, PlaylistProbe(), index, segment, ref, 0, None)
    return list(jobs.values())


def _job(storage: Storage, probe: PlaylistProbe, index: int, segment: Segment,
         ref: ResolvedRef, size: int, init: dict[int, Track] | None) -> ProbeJob:
    base, size = ref.byterange or (0, size)
    return ProbeJob(probe, SegmentProbe(
        index, storage.uri(ref.key), segment.line_of_extinf, segment.duration,
        segment.discontinuity), ref.key, base, size,
        expected_containers(ref.ref.uri, segment.map is not None), init,
        ref.byterange is not None)


def _parents(found: Fetched) -> dict[str, PlaylistProbe]:
    """For each media playlist a multivariant playlist names: the EXT-X-STREAM-INF tags whose
    CODECS cover it (those that name it, or, for an audio rendition, those that play its
    group), and whether that playlist declares EXT-X-INDEPENDENT-SEGMENTS."""
    loaded = {e.loaded.key: e.loaded for e in found.entries}
    probes: dict[str, PlaylistProbe] = {}
    for master, children in found.children.items():
        parent = loaded.get(master)
        playlist = parent.playlist if parent is not None else None
        independent = playlist is not None and \
            playlist.lines.first("EXT-X-INDEPENDENT-SEGMENTS") is not None
        variants = [ref.tag for ref, _ in children if ref.role == "variant"]
        audio: dict[str, list[PlaylistProbe]] = {}
        for ref, key in children:
            probe = probes.setdefault(key, PlaylistProbe(master=found.storage.uri(master)))
            probe.independent |= independent
            if ref.role == "variant":
                probe.variants.append(ref.tag)
            elif ref.role == "audio":
                group = ref.tag.attr("GROUP-ID")
                probe.variants += [t for t in variants if group and t.attr("AUDIO") == group]
                audio.setdefault(group or "", []).append(probe)
        for ref, key in children:
            group = ref.tag.attr("AUDIO")
            if ref.role == "variant":
                probes[key].plays.append((ref.tag, audio.get(group, []) if group else []))
    return probes


def _plan(storage: Storage, item: Checked, known: Mapping[str, ObjectState],
          settings: ProbeSettings, probe: PlaylistProbe, origin: OriginSeen) -> list[ProbeJob]:
    assert item.context is not None
    segments = item.context.playlist.segments
    refs = {r.ref.segment: r for r in item.refs if r.ref.kind == "segment"}
    inits = {r.ref.line: r for r in item.refs if r.ref.kind == "init"}
    tracks: dict[int, dict[int, Track] | None] = {}
    jobs = []
    for index in chosen(len(segments), settings):
        segment, ref = segments[index], refs.get(index)
        if ref is None or not _readable(segment, ref, known):
            continue
        init = None
        if segment.map is not None:
            line = segment.map.line
            if line not in tracks:
                tracks[line] = _init(storage, inits.get(line), known, probe, origin)
            init = tracks[line]
            if init is None:
                continue  # its init segment is missing or damaged: a finding of its own
        jobs.append(_job(storage, probe, index, segment, ref, known[ref.key].size or 0, init))
    return jobs


def _readable(segment: Segment, ref: ResolvedRef, known: Mapping[str, ObjectState]) -> bool:
    state = known.get(ref.key)
    return (state is not None and state.existence is Existence.PRESENT and bool(state.size)
            and ref.ref.fetched and not _encrypted(segment))


def _encrypted(segment: Segment) -> bool:
    return any(k.attr("METHOD") not in (None, "NONE") for k in segment.keys)


def _init(storage: Storage, ref: ResolvedRef | None, known: Mapping[str, ObjectState],
          probe: PlaylistProbe, origin: OriginSeen) -> dict[int, Track] | None:
    """The tracks of an init segment; None (and a problem noted) when it can't be had."""
    state = known.get(ref.key) if ref is not None else None
    if ref is None or state is None or state.existence is not Existence.PRESENT:
        return None  # a missing init segment is already its own finding
    base, size = ref.byterange or (0, state.size or 0)
    if ref.byterange is not None and origin.ignored.is_set():
        return None
    try:
        return init_tracks(storage.read_range(ref.key, base, min(size, INIT_LIMIT)))
    except StorageError as exc:
        if exc.kind is ErrorKind.RANGE_IGNORED and ref.byterange is not None:
            origin.saw(exc, probe)
            return None  # origin-ignores-range says so, once for the title
        message = f"could not be read to probe it: {exc.message}"
    except DAMAGE as exc:
        message = f"is not an fMP4 init segment: {exc}"
    probe.inits.append(InitProblem(storage.uri(ref.key), ref.ref.line, message))
    return None


def run_job(storage: Storage, job: ProbeJob, origin: OriginSeen,
            start: bytes = b"") -> SegmentProbe:
    """The job's probe; `start` is the object's first bytes when they were read already
    (with its state), and reads within them ask nothing more."""
    def read(offset: int, length: int) -> bytes:
        length = min(length, job.size - offset)
        if job.base == 0 and offset + length <= len(start):
            return start[offset:offset + length]
        return storage.read_range(job.key, job.base + offset, length) if length > 0 else b""

    if job.ranged and origin.ignored.is_set():
        return _skipped(job, origin.message)
    reader: Reader = read
    try:
        try:
            found = probe_segment(reader, job.size, job.expected, job.init)
        except StorageError as exc:
            if exc.kind is not ErrorKind.RANGE_IGNORED:
                raise
            if job.ranged:
                origin.saw(exc, job.owner)
                return _skipped(job, exc.message)
            found = _whole(storage, job)
    except StorageError as exc:
        return dataclasses.replace(job.probe, failure=exc.message)
    except Exception as exc:  # a fault of hlsinspect's own costs this segment, not the run
        return dataclasses.replace(job.probe, failure=f"hlsinspect stopped on "
                                   f"{type(exc).__name__}: {exc} (please report it)")
    return dataclasses.replace(job.probe, found=found)


def _whole(storage: Storage, job: ProbeJob) -> Probed:
    """A segment that is a whole object, probed from the whole of it: its origin ignores
    Range, and a player fetches it whole too (one segment in memory, never more)."""
    if job.size > WHOLE_LIMIT:
        raise StorageError(ErrorKind.RANGE_IGNORED, f"its origin answers Range requests with "
                           f"the whole object, and it is larger than {WHOLE_LIMIT >> 20} MiB "
                           "to read whole")
    data = storage.read(job.key, job.size)

    def read(offset: int, length: int) -> bytes:
        return data[offset:offset + length]

    return probe_segment(read, len(data), job.expected, job.init)


def _skipped(job: ProbeJob, message: str) -> SegmentProbe:
    return dataclasses.replace(job.probe, failure=message, range_ignored=True)
