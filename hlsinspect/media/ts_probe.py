"""An MPEG-TS segment from its head and tail: programme, timing, keyframe, codecs.

The timed stream is the first video stream (else the first audio stream). Its duration is
from the lowest PTS of the head to the highest of the tail plus one frame, the frame being
the smallest step between the PTS values seen (so B-frame reordering does not matter).
"""

from __future__ import annotations

import itertools

from hlsinspect.media import ts
from hlsinspect.media.audio import adts_frames, is_adts
from hlsinspect.media.nal import (
    H264_SPS,
    H265_SPS,
    annexb_units,
    h264_type,
    h265_type,
    is_random_access,
)
from hlsinspect.media.result import Probed, Problem, Reader
from hlsinspect.media.sps import VideoInfo, h264_sps, h265_sps

CLOCK = 90_000
WRAP = 1 << 33


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
    if len(head) >= size:
        last = first
    else:
        offset = max(len(head), size - tail_size)
        last = ts.parse(ts.aligned(read(offset, size - offset), offset), first.streams)
    start, duration = _timing(first.pts.get(timed, []), last.pts.get(timed, []))
    video = _video(first, timed)
    keyframe = None
    if ts.kind_of(first.streams[timed]) in ts.VIDEO:
        keyframe = _starts_on_keyframe(first, timed)
    return Probed("ts", start=start, duration=duration if not problems else None,
                  keyframe=keyframe, codecs=_codecs(first, video),
                  resolution=(video.width, video.height) if video else None,
                  problems=tuple(problems))


def _timed_pid(streams: dict[int, int]) -> int:
    kinds = {pid: ts.kind_of(kind) for pid, kind in streams.items()}
    video = [pid for pid, kind in kinds.items() if kind in ts.VIDEO]
    audio = [pid for pid, kind in kinds.items() if kind.startswith(("aac", "mp3", "ac3", "ec3"))]
    return (video or audio or list(streams))[0]


def _timing(head: list[int], tail: list[int]) -> tuple[float | None, float | None]:
    if not head:
        return None, None
    base = min(head)
    # offsets from the first PTS, modulo the 33-bit wrap
    values = sorted({(p - base) % WRAP for p in head + tail})
    steps = [b - a for a, b in itertools.pairwise(values) if b > a]
    step = min(steps) if steps else 0
    return base / CLOCK, (values[-1] + step) / CLOCK


def _video(packets: ts.Packets, pid: int) -> VideoInfo | None:
    hevc = ts.kind_of(packets.streams[pid]) == "h265"
    for unit in annexb_units(bytes(packets.first_pes.get(pid, b""))):
        if hevc and h265_type(unit) == H265_SPS:
            return h265_sps(unit)
        if not hevc and h264_type(unit) == H264_SPS:
            return h264_sps(unit)
    return None


def _starts_on_keyframe(packets: ts.Packets, pid: int) -> bool:
    hevc = ts.kind_of(packets.streams[pid]) == "h265"
    units = list(annexb_units(bytes(packets.first_pes.get(pid, b""))))
    if units:
        return any(is_random_access(unit, hevc) for unit in units)
    return packets.random_access.get(pid, False)


def _codecs(packets: ts.Packets, video: VideoInfo | None) -> tuple[str, ...]:
    found = []
    for pid, kind in packets.streams.items():
        name = ts.kind_of(kind)
        if name in ("h264", "h265"):
            found.append(video.codec if video else {"h264": "avc1", "h265": "hvc1"}[name])
        elif name == "aac":
            payload = bytes(packets.first_pes.get(pid, b""))
            found.append(adts_frames(payload, 0).codec if is_adts(payload) else "mp4a.40")
        elif name != "id3":
            found.append(name)
    return tuple(dict.fromkeys(found))
