"""Packed audio (RFC 8216 3.4): ADTS frames after an ID3 tag whose PRIV frame holds the
MPEG-TS timestamp of the first frame; and AAC's AudioSpecificConfig as fMP4 carries it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hlsinspect.media.bits import MediaError

RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000,
         7350)
TIMESTAMP_OWNER = b"com.apple.streaming.transportStreamTimestamp\x00"


@dataclass(frozen=True)
class Adts:
    """The first frame's header and how many whole frames were seen."""

    codec: str
    rate: int
    channels: int
    frames: int
    bytes: int
    """Bytes of the frames counted."""


def id3_length(data: bytes) -> int:
    """The size of the ID3v2 tag at the start of `data` (0 when there is none)."""
    if len(data) < 10 or data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if data[5] & 0x10 else 0)


def id3_timestamp(data: bytes) -> int | None:
    """The 33-bit PTS of the transportStreamTimestamp PRIV frame, if the tag has one."""
    at = data.find(TIMESTAMP_OWNER, 0, id3_length(data))
    if at == -1 or at + len(TIMESTAMP_OWNER) + 8 > len(data):
        return None
    value = data[at + len(TIMESTAMP_OWNER):at + len(TIMESTAMP_OWNER) + 8]
    return int.from_bytes(value, "big") & ((1 << 33) - 1)


def is_adts(data: bytes, offset: int = 0) -> bool:
    return len(data) >= offset + 7 and data[offset] == 0xFF and data[offset + 1] & 0xF6 == 0xF0


def adts_frames(data: bytes, offset: int) -> Adts:
    """The ADTS frames of `data` from `offset` to the first that is cut or damaged."""
    if not is_adts(data, offset):
        raise MediaError("no ADTS frame where packed audio should begin")
    first = data[offset:offset + 7]
    profile, index = first[2] >> 6, (first[2] >> 2) & 0x0F
    if index >= len(RATES):
        raise MediaError("ADTS header with an invalid sampling rate")
    channels = ((first[2] & 1) << 2) | (first[3] >> 6)
    frames, start = 0, offset
    while is_adts(data, offset):
        length = ((data[offset + 3] & 3) << 11) | (data[offset + 4] << 3) | (data[offset + 5] >> 5)
        if length < 7 or offset + length > len(data):
            break
        frames += 1
        offset += length
    return Adts(f"mp4a.40.{profile + 1}", RATES[index], channels, frames, offset - start)


def audio_specific_config(data: bytes) -> str:
    """`mp4a.40.N` from an AudioSpecificConfig (N: the audio object type)."""
    if not data:
        raise MediaError("empty AudioSpecificConfig")
    kind = data[0] >> 3
    if kind == 31 and len(data) >= 2:
        kind = 32 + (((data[0] & 7) << 3) | (data[1] >> 5))
    return f"mp4a.40.{kind}"
