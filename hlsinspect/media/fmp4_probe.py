"""An fMP4 segment: its boxes walked from the head, each later `moof` read after skipping
the `mdat` before it, so a segment of several fragments costs one small read per fragment.

Timing comes from the timed track (video, else audio): its first fragment's earliest
presentation time (`tfdt` plus the composition offset of the sample presented first), and
the sum of its sample durations (each the trun's, else the tfhd's default, else the trex's),
in the init segment's timescale.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect import limits
from hlsinspect.media.bits import MediaError
from hlsinspect.media.bmff import Box, Fragment, Track, boxes
from hlsinspect.media.fragments import is_sync, moof_fragments
from hlsinspect.media.nal import H265_OPEN, is_idr, is_picture, nal_type, skipped_leading
from hlsinspect.media.result import Probed, Problem, Reader

SAMPLE_WINDOW = 1024
"""Bytes read at the start of a sample for its NAL units' types."""
MAX_UNITS = 64
LATER = 8
"""Samples after an open GOP's first picture looked at for leading pictures."""
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
            found = moof_fragments(data, Box(box.kind, 0, box.size, box.header), tracks, room)
            for fragment in found:  # where its samples are, from the segment's start
                fragment.data = None if fragment.data is None else box.start + fragment.data
            fragments += found
    if not fragments:
        return Probed("fmp4", problems=(Problem("malformed", "has no moof box"),))
    timed = _timed_track(tracks, fragments)
    track = tracks[timed]
    mine = [f for f in fragments if f.track_id == timed]
    video = track.handler == "vide"
    first = mine[0]
    start = (first.start + _earliest(first)) / track.timescale \
        if first.start is not None else None
    keyframe = is_sync(first.first_flags) if video and first.first_flags is not None else None
    idr = None
    if keyframe and track.nal is not None and first.data is not None:
        keyframe, idr = _opening(_Samples(read, size, head, first, track))
    codecs = tuple(t.codec for t in tracks.values() if t.codec)
    info = next((t.video for t in tracks.values() if t.video), None)
    return Probed("fmp4", start=start,
                  duration=sum(sum(f.durations) for f in mine) / track.timescale,
                  keyframe=keyframe, idr=idr, codecs=codecs,
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


class _Samples:
    """The NAL types of the first pictures of a fragment's samples, read a window at the
    start of each sample (the head's bytes when it holds them), hopping to each later NAL
    unit's header past the window (a large SEI first)."""

    def __init__(self, read: Reader, size: int, head: bytes, fragment: Fragment,
                 track: Track) -> None:
        self.read, self.size, self.head = read, size, head
        self.fragment, self.track = fragment, track
        self.hevc = track.nal == "h265"

    def _bytes(self, offset: int, length: int) -> bytes:
        length = min(length, self.size - offset)
        if offset + length <= len(self.head):
            return self.head[offset:offset + length]
        return self.read(offset, length) if length > 0 else b""

    def picture(self, index: int) -> int | None:
        """The NAL type of sample `index`'s first picture (slice); None if it has none."""
        assert self.fragment.data is not None
        start = self.fragment.data + sum(self.fragment.sizes[:index])
        end = start + self.fragment.sizes[index]
        at, window, base = start, b"", start
        width = self.track.length_size
        for _ in range(MAX_UNITS):
            if at + width + 1 > end:
                return None
            if at + width + 1 > base + len(window):
                base, window = at, self._bytes(at, min(SAMPLE_WINDOW, end - at))
                if len(window) < width + 1:
                    return None
            length = int.from_bytes(window[at - base:at - base + width], "big")
            unit = window[at - base + width:at - base + width + 2]
            if is_picture(unit, self.hevc):
                return nal_type(unit, self.hevc)
            at += width + length
        return None

    def count(self) -> int:
        return len(self.fragment.sizes)


def _opening(samples: _Samples) -> tuple[bool, bool | None]:
    """(keyframe, idr) from the first sample's picture, a sync sample: an H.265 CRA or BLA
    is no independent start when RASL pictures follow it (an open GOP, which muxers mark as
    a sync sample all the same)."""
    first = samples.picture(0) if samples.count() else None
    if first is None:
        return True, None
    idr = is_idr(first, samples.hevc)
    if not samples.hevc or first not in H265_OPEN:
        return True, idr
    later = []
    for index in range(1, min(samples.count(), 1 + LATER)):
        kind = samples.picture(index)
        later += [kind] if kind is not None else []
        verdict = skipped_leading(later)
        if verdict is not None:
            return not verdict, idr
    return True, idr


def _earliest(fragment: Fragment) -> int:
    """When the fragment's first picture is presented, from its decode start (tfdt): the
    smallest decode time plus composition offset of its samples, which with B-frames is the
    first sample's offset (the reordering delay) and may be negative in a version 1 trun.
    MPEG-TS gives its PTS: both on the same presentation basis."""
    decoded, earliest = 0, None
    for duration, offset in zip(fragment.durations, fragment.offsets, strict=False):
        earliest = decoded + offset if earliest is None else min(earliest, decoded + offset)
        decoded += duration
    return earliest or 0


def _timed_track(tracks: dict[int, Track], fragments: list[Fragment]) -> int:
    present = [f.track_id for f in fragments if f.track_id in tracks]
    if not present:
        raise MediaError("its fragments name no track of the init segment")
    video = [t for t in present if tracks[t].handler == "vide"]
    audio = [t for t in present if tracks[t].handler == "soun"]
    return (video or audio or present)[0]
