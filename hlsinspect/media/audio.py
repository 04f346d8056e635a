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


MPEG_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
"""MPEG audio sample rates by version (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5)."""
MPEG_KBPS = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
"""Bit rates by (version, layer: 3 Layer I, 2 Layer II, 1 Layer III); MPEG-2.5 as MPEG-2,
Layer III of MPEG-2 as its Layer II."""
AC3_RATES = (48000, 44100, 32000)
AC3_KBPS = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
            576, 640)
EAC3_BLOCKS = (1, 2, 3, 6)
MAX_FRAMES = 100_000


@dataclass(frozen=True)
class Frame:
    """One audio frame's header: its length in bytes and in samples, and its sample rate."""

    size: int
    samples: int
    rate: int


def mpeg_audio_frame(data: bytes, at: int) -> Frame | None:
    """The MPEG audio (MP1/MP2/MP3) frame header at `at`: Layer I holds 384 samples, Layer
    II 1152, Layer III 1152 in MPEG-1 and 576 in MPEG-2 and 2.5."""
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    version, layer = (data[at + 1] >> 3) & 3, (data[at + 1] >> 1) & 3
    index, rate_index = data[at + 2] >> 4, (data[at + 2] >> 2) & 3
    if version == 1 or layer == 0 or index in (0, 15) or rate_index == 3:
        return None  # reserved, or free format (no length in the header)
    rate = MPEG_RATES[version][rate_index]
    kbps = MPEG_KBPS[(3 if version == 3 else 2, 2 if version != 3 and layer == 1 else layer)]
    bits = kbps[index] * 1000
    padding = (data[at + 2] >> 1) & 1
    if layer == 3:
        return Frame((12 * bits // rate + padding) * 4, 384, rate)
    samples = 576 if layer == 1 and version != 3 else 1152
    return Frame(samples // 8 * bits // rate + padding, samples, rate)


def ac3_frame(data: bytes, at: int) -> Frame | None:
    """The AC-3 or E-AC-3 syncframe header at `at`. AC-3 (bsid up to 8): 1536 samples at the
    rate of fscod, its length from frmsizecod. E-AC-3 (bsid 11 to 16): 256 samples per audio
    block, numblkscod blocks (6 when fscod is 3, the half rates); a dependent substream, or
    an independent one but the first, adds no time (0 samples)."""
    if at + 6 > len(data) or data[at:at + 2] != b"\x0b\x77":
        return None
    bsid = data[at + 5] >> 3
    if bsid <= 8:
        fscod, code = data[at + 4] >> 6, data[at + 4] & 0x3F
        if fscod == 3 or code >= 2 * len(AC3_KBPS):
            return None
        rate = AC3_RATES[fscod]
        words = AC3_KBPS[code // 2] * 1000 * 1536 // rate // 16 + \
            (code & 1 if rate == 44100 else 0)
        return Frame(2 * words, 1536, rate)
    if not 11 <= bsid <= 16:
        return None
    kind, substream = data[at + 2] >> 6, (data[at + 2] >> 3) & 7
    size = 2 * ((((data[at + 2] & 7) << 8) | data[at + 3]) + 1)
    fscod = data[at + 4] >> 6
    if fscod == 3:
        code2 = (data[at + 4] >> 4) & 3
        if code2 == 3:
            return None
        rate, blocks = AC3_RATES[code2] // 2, 6
    else:
        rate, blocks = AC3_RATES[fscod], EAC3_BLOCKS[(data[at + 4] >> 4) & 3]
    independent = kind in (0, 2) and substream == 0
    return Frame(size, 256 * blocks if independent else 0, rate)


def frames_samples(data: bytes) -> tuple[int, int] | None:
    """(samples, sample rate) of the whole frames that `data` (a PES payload) holds, of
    ADTS, MPEG audio, AC-3 or E-AC-3 by its first header; None when it begins with none.
    An audio PES often holds several frames, so the step between two PES is not the
    duration of the last."""
    if is_adts(data):
        frames = adts_frames(data, 0)
        return frames.frames * 1024, frames.rate
    read = ac3_frame if data[:2] == b"\x0b\x77" else mpeg_audio_frame
    at, samples, rate = 0, 0, 0
    for _ in range(MAX_FRAMES):
        frame = read(data, at)
        if frame is None or frame.size <= 0 or at + frame.size > len(data):
            break
        samples, rate, at = samples + frame.samples, rate or frame.rate, at + frame.size
    return (samples, rate) if rate else None
