"""ISO BMFF (fMP4, CMAF): boxes, an init segment's tracks and a fragment's timing.

The init segment (`moov`) gives each track's handler, timescale, codec box (avcC, hvcC, esds)
and the `trex` defaults; a media segment's `moof` gives, per track, `tfdt` (its start) and the
`trun` sample durations and flags (its length, and whether its first sample is a sync sample).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from hlsinspect.media.audio import audio_specific_config
from hlsinspect.media.bits import MediaError
from hlsinspect.media.nal import H264_SPS, H265_SPS, h264_type, h265_type
from hlsinspect.media.sps import VideoInfo, h264_sps, h265_sps

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex", b"moof", b"traf",
              b"edts", b"dinf", b"sinf"}
TOP_LEVEL = {b"ftyp", b"styp", b"moov", b"moof", b"mdat", b"sidx", b"emsg", b"prft",
             b"free", b"skip", b"uuid", b"mfra", b"meta", b"ssix", b"pdin"}


@dataclass(frozen=True)
class Box:
    kind: bytes
    start: int
    """Offset of the box header in the buffer it was found in."""
    size: int
    header: int

    @property
    def end(self) -> int:
        return self.start + self.size


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """The boxes of `data[start:end]`; one reaching past `end` is yielded as it claims."""
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, start)
        header = 8
        if size == 1:
            if start + 16 > end:
                return
            size = struct.unpack_from(">Q", data, start + 8)[0]
            header = 16
        elif size == 0:
            size = end - start
        if size < header:
            raise MediaError(f"box {kind!r} with an impossible size {size}")
        yield Box(kind, start, size, header)
        start += size


def children(data: bytes, parent: Box) -> dict[bytes, list[Box]]:
    found: dict[bytes, list[Box]] = {}
    for box in boxes(data, parent.start + parent.header, min(parent.end, len(data))):
        found.setdefault(box.kind, []).append(box)
    return found


def find(data: bytes, parent: Box, *path: bytes) -> Box | None:
    box: Box | None = parent
    for kind in path:
        found = children(data, box).get(kind) if box is not None else None
        box = found[0] if found else None
    return box


@dataclass
class Track:
    track_id: int
    handler: str
    timescale: int
    codec: str | None = None
    video: VideoInfo | None = None
    default_duration: int = 0
    default_size: int = 0
    default_flags: int = 0
    nal: str | None = None
    """"h264" or "h265" for video whose samples are NAL units (avcC or hvcC)."""
    length_size: int = 4
    """Bytes of the length before each NAL unit of a sample (avcC or hvcC)."""


def init_tracks(data: bytes) -> dict[int, Track]:
    """The tracks of an init segment's `moov`, by track_ID; MediaError without a moov."""
    moov = next((b for b in boxes(data) if b.kind == b"moov"), None)
    if moov is None or moov.end > len(data):
        raise MediaError("no complete moov box: not an fMP4 init segment")
    tracks: dict[int, Track] = {}
    for trak in children(data, moov).get(b"trak", []):
        track = _track(data, trak)
        if track is not None:
            tracks[track.track_id] = track
    mvex = find(data, moov, b"mvex")
    for trex in children(data, mvex).get(b"trex", []) if mvex else []:
        body = data[trex.start + trex.header:trex.end]
        if len(body) >= 24:
            track_id, _, duration, size, flags = struct.unpack_from(">5I", body, 4)
            if track_id in tracks:
                tracks[track_id].default_duration = duration
                tracks[track_id].default_size = size
                tracks[track_id].default_flags = flags
    return tracks


def _track(data: bytes, trak: Box) -> Track | None:
    tkhd, mdhd = find(data, trak, b"tkhd"), find(data, trak, b"mdia", b"mdhd")
    hdlr = find(data, trak, b"mdia", b"hdlr")
    if tkhd is None or mdhd is None or hdlr is None:
        return None
    body = tkhd.start + tkhd.header
    track_id = struct.unpack_from(">I", data, body + (20 if data[body] == 1 else 12))[0]
    body = mdhd.start + mdhd.header
    timescale = struct.unpack_from(">I", data, body + (20 if data[body] == 1 else 12))[0]
    handler = data[hdlr.start + hdlr.header + 8:hdlr.start + hdlr.header + 12].decode("latin-1")
    track = Track(track_id, handler, timescale)
    stsd = find(data, trak, b"mdia", b"minf", b"stbl", b"stsd")
    if stsd is not None:
        _sample_entry(data, stsd, track)
    return track


def _sample_entry(data: bytes, stsd: Box, track: Track) -> None:
    entries = list(boxes(data, stsd.start + stsd.header + 8, min(stsd.end, len(data))))
    if not entries:
        return
    entry = entries[0]
    name = entry.kind.decode("latin-1")
    if name == "encv" or name == "enca":
        frma = find(data, Box(entry.kind, entry.start, entry.size,
                              entry.header + (78 if name == "encv" else 28)), b"sinf", b"frma")
        if frma is not None:
            name = data[frma.start + 8:frma.start + 12].decode("latin-1")
    if track.handler == "vide":
        inner = Box(entry.kind, entry.start, entry.size, entry.header + 78)
        kids = children(data, inner)
        if b"avcC" in kids:
            track.video = _avcc(data, kids[b"avcC"][0], name)
            track.nal, track.length_size = "h264", _length_size(data, kids[b"avcC"][0], 4)
        elif b"hvcC" in kids:
            track.video = _hvcc(data, kids[b"hvcC"][0], name)
            track.nal, track.length_size = "h265", _length_size(data, kids[b"hvcC"][0], 21)
        track.codec = track.video.codec if track.video else name
    elif track.handler == "soun":
        esds = find(data, Box(entry.kind, entry.start, entry.size, entry.header + 28), b"esds")
        track.codec = _esds(data, esds) if esds is not None else name
    else:
        track.codec = name


def _length_size(data: bytes, box: Box, at: int) -> int:
    """lengthSizeMinusOne + 1, from byte `at` of an avcC (4) or hvcC (21)."""
    at += box.start + box.header
    return (data[at] & 3) + 1 if at < min(box.end, len(data)) else 4


def _avcc(data: bytes, box: Box, entry: str) -> VideoInfo | None:
    body = data[box.start + box.header:box.end]
    if len(body) < 8 or body[5] & 0x1F == 0:
        return None
    size = int.from_bytes(body[6:8], "big")
    unit = body[8:8 + size]
    return h264_sps(unit, entry) if unit and h264_type(unit) == H264_SPS else None


def _hvcc(data: bytes, box: Box, entry: str) -> VideoInfo | None:
    body = data[box.start + box.header:box.end]
    offset, arrays = 23, body[22] if len(body) > 22 else 0
    for _ in range(arrays):
        if offset + 3 > len(body):
            break
        kind, count = body[offset] & 0x3F, int.from_bytes(body[offset + 1:offset + 3], "big")
        offset += 3
        for _ in range(count):
            size = int.from_bytes(body[offset:offset + 2], "big")
            unit = body[offset + 2:offset + 2 + size]
            offset += 2 + size
            if kind == H265_SPS and unit and h265_type(unit) == H265_SPS:
                return h265_sps(unit, entry)
    return None


def _esds(data: bytes, box: Box) -> str:
    """mp4a.40.N from the DecoderSpecificInfo (tag 5) inside the ES descriptor."""
    body = data[box.start + box.header + 4:box.end]
    at = 0
    while at < len(body):
        tag = body[at]
        at += 1
        length = 0
        for _ in range(4):
            if at >= len(body):
                break
            byte = body[at]
            at += 1
            length = (length << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        if tag == 3:
            at += 3  # ES_ID, flags (no optional fields from ffmpeg or most packagers)
        elif tag == 4:
            at += 13
        elif tag == 5:
            return audio_specific_config(body[at:at + length])
        else:
            at += length
    return "mp4a"


@dataclass
class Fragment:
    """One track's part of a moof: its decode start and its samples."""

    track_id: int
    start: int | None = None
    durations: list[int] = field(default_factory=list)
    first_flags: int | None = None
    offsets: list[int] = field(default_factory=list)
    """Each sample's composition offset (its presentation time minus its decode time; signed
    in a version 1 trun), 0 without one."""
    sizes: list[int] = field(default_factory=list)
    """Each sample's size in bytes (trun, else the tfhd or trex default)."""
    data: int | None = None
    """Where its first sample's bytes are, from the moof's start (base-is-moof or no base
    data offset, as CMAF writes it); None when unknown."""
