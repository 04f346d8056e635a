"""A fragment's timing from its `moof`: `tfhd` defaults, `tfdt` and the `trun` samples."""

from __future__ import annotations

import struct

from hlsinspect import limits
from hlsinspect.media.bits import MediaError
from hlsinspect.media.bmff import Box, Fragment, Track, children


def moof_fragments(data: bytes, moof: Box, tracks: dict[int, Track],
                   room: int = limits.MAX_SAMPLES_PER_SEGMENT) -> list[Fragment]:
    """Per track fragment (traf) of a complete moof, in order; MediaError past `room`
    samples in all (what is left of the segment's `limits.MAX_SAMPLES_PER_SEGMENT`)."""
    found: list[Fragment] = []
    for traf in children(data, moof).get(b"traf", []):
        kids = children(data, traf)
        if b"tfhd" not in kids:
            raise MediaError("traf without tfhd")
        fragment, duration, flags, size = _tfhd(data, kids[b"tfhd"][0], tracks)
        if b"tfdt" in kids:
            box = kids[b"tfdt"][0]
            at = box.start + box.header
            version = data[at]
            fragment.start = (struct.unpack_from(">Q", data, at + 4)[0] if version == 1
                              else struct.unpack_from(">I", data, at + 4)[0])
        for trun in kids.get(b"trun", []):
            _trun(data, trun, fragment, (duration, flags, size),
                  room - sum(len(f.durations) for f in found) - len(fragment.durations))
        found.append(fragment)
    return found


def _tfhd(data: bytes, box: Box, tracks: dict[int, Track]
          ) -> tuple[Fragment, int, int, int]:
    """The fragment, with the sample defaults that apply to it: the tfhd's, else the trex's
    (duration, flags and size, in that order)."""
    at = box.start + box.header
    flags = int.from_bytes(data[at + 1:at + 4], "big")
    track_id = struct.unpack_from(">I", data, at + 4)[0]
    track = tracks.get(track_id)
    duration = track.default_duration if track else 0
    sample_flags = track.default_flags if track else 0
    size = track.default_size if track else 0
    at += 8
    at += 8 if flags & 0x1 else 0
    at += 4 if flags & 0x2 else 0
    if flags & 0x8:
        duration = struct.unpack_from(">I", data, at)[0]
        at += 4
    if flags & 0x10:
        size = struct.unpack_from(">I", data, at)[0]
        at += 4
    if flags & 0x20:
        sample_flags = struct.unpack_from(">I", data, at)[0]
    fragment = Fragment(track_id)
    # sample positions count from the moof's start only under default-base-is-moof (CMAF)
    fragment.data = 0 if flags & 0x20000 and not flags & 0x1 else None
    return fragment, duration, sample_flags, size


def _trun(data: bytes, box: Box, fragment: Fragment, defaults: tuple[int, int, int],
          room: int) -> None:
    """The samples of one track run: per sample, its duration and size (the trun's, else
    the defaults) and composition offset (signed in version 1); at most `room` of them."""
    duration, flags, size = defaults
    at = box.start + box.header
    version = data[at]
    run_flags = int.from_bytes(data[at + 1:at + 4], "big")
    count = struct.unpack_from(">I", data, at + 4)[0]
    if run_flags & 0x1 and fragment.data is not None and not fragment.sizes:
        fragment.data = struct.unpack_from(">i", data, at + 8)[0]
    elif not fragment.sizes:
        fragment.data = None  # after the previous track's data: not known from here
    at += 8 + (4 if run_flags & 0x1 else 0)
    first = None
    if run_flags & 0x4:
        first = struct.unpack_from(">I", data, at)[0]
        at += 4
    fields = [bit for bit in (0x100, 0x200, 0x400, 0x800) if run_flags & bit]
    if at + 4 * len(fields) * count > box.end:
        raise MediaError("trun claims more samples than it holds")
    if count > room:
        raise MediaError(f"holds more than {limits.MAX_SAMPLES_PER_SEGMENT:,} samples "
                         "(its trun boxes claim so): its timing is not read")
    for index in range(count):
        values = dict(zip(fields, struct.unpack_from(f">{len(fields)}I", data, at), strict=True))
        at += 4 * len(fields)
        fragment.durations.append(values.get(0x100, duration))
        fragment.sizes.append(values.get(0x200, size))
        offset = values.get(0x800, 0)
        fragment.offsets.append(offset - (1 << 32) if version and offset >= 1 << 31 else offset)
        if index == 0 and fragment.first_flags is None:
            fragment.first_flags = first if first is not None else values.get(0x400, flags)


def is_sync(flags: int) -> bool:
    """sample_is_non_sync_sample is clear."""
    return not (flags >> 16) & 1
