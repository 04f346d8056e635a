"""An MPEG-TS segment from its head and tail: programme, timing, keyframe, codecs.

The timed stream is the first video stream (else the first audio stream). It starts at the
lowest PTS of the head. From a random access point on, pictures are presented at the pace
they are decoded, delayed by a fixed reordering delay, so the presentation lasts from the
first DTS to the last one, plus a frame, whatever the B-frame pattern (and an open GOP's
leading pictures): the tail needs one PES start of the stream. A frame is the SPS's VUI
timing, else the smallest step between two DTS values of the head or of the tail.
"""

from __future__ import annotations

import itertools

from hlsinspect.media import ts
from hlsinspect.media.audio import adts_frames, frames_samples, is_adts
from hlsinspect.media.nal import (
    H264_SPS,
    H265_OPEN,
    H265_SPS,
    annexb_units,
    h264_type,
    h265_type,
    is_idr,
    is_picture,
    is_random_access,
    nal_type,
    skipped_leading,
)
from hlsinspect.media.result import Probed, Problem, Reader
from hlsinspect.media.sps import VideoInfo, h264_sps, h265_sps

CLOCK = 90_000
WRAP = 1 << 33
MAX_TAIL = 2 * 1024 * 1024
MAX_HEAD = 2 * 1024 * 1024
OPEN_TAIL_PES = 4
AUDIO = {"aac", "mp3", "ac3", "ec3"}
"""Audio whose frame headers say how many samples a PES holds."""


def probe(read: Reader, size: int, head: bytes, tail_size: int) -> Probed:
    problems = []
    if size % ts.PACKET:
        problems.append(Problem("truncated", f"is {size} bytes, not a whole number of "
                                             "188-byte MPEG-TS packets: it is cut short"))
    first = ts.parse(head[:len(head) - len(head) % ts.PACKET])
    if not first.had_pat or not first.streams:
        what = "PAT" if not first.had_pat else "PMT"
        return Probed("ts", problems=(*problems, Problem(
            "malformed", f"has no {what} in its first {len(head)} bytes")))
    timed = _timed_pid(first.streams)
    video = _video(first, timed)
    frame = round(video.frame * CLOCK) if video is not None and video.frame else None
    keyframe = irap = idr = None
    if ts.kind_of(first.streams[timed]) in ts.VIDEO:
        keyframe = irap = _starts_on_keyframe(first, timed)
        idr = _starts_on_idr(first, timed)
        if irap and ts.kind_of(first.streams[timed]) == "h265":
            keyframe = not _rasl_follows(read, size, head, first, timed)
    wanted = 1 if frame or len(first.dts.get(timed, [])) >= 2 else 2
    if irap is False:
        wanted = OPEN_TAIL_PES
    last = first if len(head) >= size else \
        _tail(read, size, len(head), tail_size, first, timed, wanted)
    start, duration = _timing(first, last, timed, irap is not False, frame)
    if ts.kind_of(first.streams[timed]) in AUDIO and start is not None:
        duration = _audio_duration(first, last, timed) or duration
    return Probed("ts", start=start, duration=duration if not problems else None,
                  keyframe=keyframe, idr=idr, codecs=_codecs(first, last, video),
                  resolution=(video.width, video.height) if video else None,
                  problems=tuple(problems))


def _tail(read: Reader, size: int, after: int, tail_size: int, first: ts.Packets,
          timed: int, wanted: int) -> ts.Packets:
    """The packets of the segment's tail, grown (four times as long each time, up to `MAX_TAIL`,
    reading only what it lacks) until it holds `wanted` PES starts of the timed stream: one
    is enough when the SPS or the head gives the frame step, two otherwise; after a first
    picture that is no random access point (no reordering delay known), `OPEN_TAIL_PES`, so
    the last picture presented is among them."""
    offset, data = size, b""
    while True:
        start = max(after, size - tail_size)
        data = read(start, offset - start) + data
        offset = start
        last = ts.parse(ts.aligned(data, offset), first.streams)
        if len(last.dts.get(timed, [])) >= wanted or offset == after or \
                tail_size >= MAX_TAIL:
            return last
        tail_size *= 4


def _timed_pid(streams: dict[int, int]) -> int:
    kinds = {pid: ts.kind_of(kind) for pid, kind in streams.items()}
    video = [pid for pid, kind in kinds.items() if kind in ts.VIDEO]
    audio = [pid for pid, kind in kinds.items() if kind.startswith(("aac", "mp3", "ac3", "ec3"))]
    return (video or audio or list(streams))[0]


def _signed(ticks: int) -> int:
    """A difference of 33-bit timestamps, across a wrap, as a signed number of ticks."""
    return (ticks + WRAP // 2) % WRAP - WRAP // 2


def _timing(first: ts.Packets, last: ts.Packets, pid: int, closed: bool,
            frame: int | None = None) -> tuple[float | None, float | None]:
    """(start, duration) in seconds; `closed` when the first picture is a random access
    point, so that the first presented is the first decoded plus the reordering delay. One
    frame is `frame` (ticks, from the SPS), else the smallest step between two DTS values
    of one stretch."""
    head, head_dts = first.pts.get(pid, []), first.dts.get(pid, [])
    if not head:
        return None, None
    tail, tail_dts = last.pts.get(pid, []) or head, last.dts.get(pid, []) or head_dts
    base = head[0] + min(_signed(p - head[0]) for p in head)
    end = max(_signed(p - base) for p in [*head, *tail])
    if closed:
        # pictures are presented as decoded, delayed by the time from the first decoded to
        # the first presented (the IDR, or an open GOP's leading pictures before its CRA)
        end = max(end, _signed(tail_dts[-1] - head_dts[0]))
    # a frame: from the SPS, else the smallest step between the DTS of one stretch (the head
    # and the tail are apart: a difference across them is no frame)
    steps = [_signed(b - a) for run in (head_dts, tail_dts) for a, b in itertools.pairwise(run)]
    step = frame or min((s for s in steps if s > 0), default=0)
    return base % WRAP / CLOCK, (end + step) / CLOCK


def _audio_duration(first: ts.Packets, last: ts.Packets, pid: int) -> float | None:
    """From the first PTS to the end of the last PES's frames (ADTS, MPEG audio, AC-3 or
    E-AC-3, counted from their headers): an audio PES often holds several frames, so the
    step between PES is not the last one's length."""
    payload = bytes(last.last_pes.get(pid) or first.last_pes.get(pid) or b"")
    stamps = last.pts.get(pid) or first.pts.get(pid)
    counted = frames_samples(payload) if stamps else None
    if not stamps or counted is None:
        return None
    head = first.pts[pid]
    base = head[0] + min(_signed(p - head[0]) for p in head)
    samples, rate = counted
    return (_signed(stamps[-1] - base) + samples * CLOCK / rate) / CLOCK


def _video(packets: ts.Packets, pid: int) -> VideoInfo | None:
    hevc = ts.kind_of(packets.streams[pid]) == "h265"
    for unit in annexb_units(bytes(packets.first_pes.get(pid, b""))):
        if hevc and h265_type(unit) == H265_SPS:
            return h265_sps(unit)
        if not hevc and h264_type(unit) == H264_SPS:
            return h264_sps(unit)
    return None


def _starts_on_keyframe(packets: ts.Packets, pid: int) -> bool:
    """Whether the first picture's first slice is an IDR (H.264) or IRAP (H.265) slice; the
    packet's random_access_indicator when the head holds no slice of it (parameter sets and
    SEI can fill the first packets)."""
    hevc = ts.kind_of(packets.streams[pid]) == "h265"
    for unit in annexb_units(bytes(packets.first_pes.get(pid, b""))):
        if is_picture(unit, hevc):
            return is_random_access(unit, hevc)
    return packets.random_access.get(pid, False)


def _rasl_follows(read: Reader, size: int, head: bytes, first: ts.Packets, pid: int) -> bool:
    """Whether the segment's first picture is a CRA or BLA that RASL pictures follow: they
    refer to pictures of the segment before, so the segment is no independent start (x265's
    default open GOP). The head is read further, four times as long each time up to
    `MAX_HEAD`, while it lacks the first picture, or holds after it only leading pictures
    that decode (RADL) or none."""
    packets, data = first, head
    while True:
        pictures = [_picture(p) for p in (packets.first_pes.get(pid, b""),
                                          *packets.later_pes.get(pid, []))]
        verdict = None
        if pictures[0] is not None:
            verdict = pictures[0] in H265_OPEN and \
                skipped_leading([t for t in pictures[1:] if t is not None])
        if verdict is not None or len(data) >= min(size, MAX_HEAD):
            return bool(verdict)
        data += read(len(data), min(size, MAX_HEAD, 4 * len(data)) - len(data))
        packets = ts.parse(data[:len(data) - len(data) % ts.PACKET])


def _picture(payload: bytes | bytearray) -> int | None:
    """The H.265 NAL type of the first picture (slice) in a PES payload."""
    return next((h265_type(u) for u in annexb_units(bytes(payload)) if is_picture(u, True)),
                None)


def _starts_on_idr(packets: ts.Packets, pid: int) -> bool | None:
    """Whether the first picture is an IDR (None when the head holds no slice of it)."""
    hevc = ts.kind_of(packets.streams[pid]) == "h265"
    for unit in annexb_units(bytes(packets.first_pes.get(pid, b""))):
        if is_picture(unit, hevc):
            return is_idr(nal_type(unit, hevc), hevc)
    return None


def _codecs(packets: ts.Packets, last: ts.Packets, video: VideoInfo | None
            ) -> tuple[str, ...]:
    """The codecs of the PMT's audio and video streams (data streams such as SCTE-35, ID3 or
    subtitles carry none): video from the SPS, AAC from an ADTS header of the first PES in
    the head or the last in the tail (a big IDR may push the first audio PES out of the
    head)."""
    found = []
    for pid, kind in packets.streams.items():
        name = ts.kind_of(kind)
        if name in ("h264", "h265"):
            found.append(video.codec if video else {"h264": "avc1", "h265": "hvc1"}[name])
        elif name == "aac":
            heads = (packets.first_pes.get(pid), last.last_pes.get(pid))
            payload = next((bytes(p) for p in heads if p and is_adts(bytes(p))), b"")
            found.append(adts_frames(payload, 0).codec if payload else "mp4a.40")
        elif name in ts.CODECS:
            found.append(name)
    return tuple(dict.fromkeys(found))
