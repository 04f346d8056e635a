"""A packed audio segment (ADTS AAC after an ID3 tag) from its head; of other packed audio
(AC-3, E-AC-3, MP3) only the ID3 timestamp.

Its start is the ID3 PRIV timestamp that RFC 8216 3.4 requires; its duration is its frame
count times 1024 samples, counted when the head holds the whole segment, else estimated from
the mean frame size of the head.
"""

from __future__ import annotations

from hlsinspect.media.audio import adts_frames, id3_length, id3_timestamp, is_adts
from hlsinspect.media.result import Probed, Problem, Reader

CLOCK = 90_000


def probe(read: Reader, size: int, head: bytes) -> Probed:
    del read  # the head is enough
    tag = id3_length(head)
    pts = id3_timestamp(head) if tag else None
    problems = []
    if pts is None:
        problems.append(Problem("timestamp-missing", "has no ID3 PRIV "
                                "com.apple.streaming.transportStreamTimestamp before its audio"))
    if not is_adts(head, tag):
        # AC-3, E-AC-3 or MP3 packed audio: its timestamp is checked, its frames are not read
        return Probed("audio", start=pts / CLOCK if pts is not None else None,
                      problems=tuple(problems))
    frames = adts_frames(head, tag)
    whole = len(head) >= size
    if whole and tag + frames.bytes < size:
        problems.append(Problem("truncated", f"ends inside an ADTS frame after {frames.frames} "
                                             "whole frames: it is cut short"))
    count = frames.frames if whole else (size - tag) * frames.frames / max(frames.bytes, 1)
    return Probed("audio", start=pts / CLOCK if pts is not None else None,
                  duration=round(count * 1024 / frames.rate, 6), codecs=(frames.codec,),
                  problems=tuple(problems))
