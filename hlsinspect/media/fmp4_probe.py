"""An fMP4 segment: its boxes walked from the head, each later `moof` read after skipping
the `mdat` before it, so a segment of several fragments costs one small read per fragment.

Timing comes from the timed track (video, else audio): `tfdt` of its first fragment, plus
the sum of its sample durations, in the init segment's timescale.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect import limits
from hlsinspect.media.bits import MediaError
from hlsinspect.media.bmff import Box, Fragment, Track, boxes
from hlsinspect.media.fragments import is_sync, moof_fragments
from hlsinspect.media.result import Probed, Problem, Reader

WINDOW = 4 * 1024
"""Bytes read at each box header after the head: a moof of a few seconds of video fits."""
MAX_MOOF = 8 * 1024 * 1024


def probe(read: Reader, size: int, head: bytes, tracks: dict[int, Track] | None) -> Probed:
    if tracks is None:
        raise MediaError("no init segment (EXT-X-MAP) was readable to interpret it")
    fragments: list[Fragment] = []
    for box, data in _walk(read, size, head):
        if box.end > size:
            return Probed("fmp4", problems=(Problem(
                "truncated", f"its {box.kind.decode('latin-1')} box at byte {box.start} "
                f"claims {box.size} bytes, past the segment's end ({size} bytes): cut short"),))
        if box.kind == b"moof":
            room = limits.MAX_SAMPLES_PER_SEGMENT - sum(len(f.durations) for f in fragments)
            fragments += moof_fragments(data, Box(box.kind, 0, box.size, box.header), tracks,
                                        room)
    if not fragments:
        return Probed("fmp4", problems=(Problem("malformed", "has no moof box"),))
    timed = _timed_track(tracks, fragments)
    track = tracks[timed]
    mine = [f for f in fragments if f.track_id == timed]
    video = track.handler == "vide"
    first = mine[0]
    start = first.start / track.timescale if first.start is not None else None
    keyframe = is_sync(first.first_flags) if video and first.first_flags is not None else None
    codecs = tuple(t.codec for t in tracks.values() if t.codec)
    info = next((t.video for t in tracks.values() if t.video), None)
    return Probed("fmp4", start=start,
                  duration=sum(sum(f.durations) for f in mine) / track.timescale,
                  keyframe=keyframe, codecs=codecs,
                  resolution=(info.width, info.height) if info else None)


def _walk(read: Reader, size: int, head: bytes) -> Iterator[tuple[Box, bytes]]:
    """(box, bytes of a moof from its start) for each top-level box, in order."""
    buffer, base = head, 0
    offset = 0
    for _ in range(limits.MAX_BOXES_PER_SEGMENT):
        if offset >= size:
            return
        if offset + 16 > base + len(buffer):
            buffer, base = read(offset, min(WINDOW, size - offset)), offset
            if len(buffer) < 8:
                raise MediaError(f"the box at byte {offset} is cut short")
        found = next(boxes(buffer, offset - base), None)
        if found is None:
            raise MediaError(f"no box header at byte {offset}")
        box = Box(found.kind, offset, found.size, found.header)
        data = b""
        if box.kind == b"moof" and box.end <= size:
            if box.size > MAX_MOOF:
                raise MediaError(f"a moof of {box.size} bytes")
            if box.end > base + len(buffer):
                buffer, base = read(offset, box.size), offset
            data = buffer[offset - base:box.end - base]
        yield box, data
        offset = box.end
    raise MediaError(f"holds more than {limits.MAX_BOXES_PER_SEGMENT:,} boxes: the rest is not "
                     "read")


def _timed_track(tracks: dict[int, Track], fragments: list[Fragment]) -> int:
    present = [f.track_id for f in fragments if f.track_id in tracks]
    if not present:
        raise MediaError("its fragments name no track of the init segment")
    video = [t for t in present if tracks[t].handler == "vide"]
    audio = [t for t in present if tracks[t].handler == "soun"]
    return (video or audio or present)[0]
