"""Sequence parameter sets of H.264 and H.265: profile, level and the picture's size.

The size is what a player displays: the coded size less the cropping window (an SPS says
1920x1088 cropped by 8 rows for 1080p). The codec is named as RFC 6381 writes it in CODECS
(`avc1.4D401E`, `hvc1.1.6.L60.90`), so a playlist's claim can be compared with the stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from hlsinspect.media.bits import BitReader, MediaError
from hlsinspect.media.nal import rbsp

HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}


@dataclass(frozen=True)
class VideoInfo:
    """What one SPS says."""

    codec: str
    """As RFC 6381 names it: avc1.PPCCLL or hvc1.P.C.TL.B."""
    profile: int
    level: int
    width: int
    height: int
    frame: float | None = None
    """Seconds per frame from the VUI timing info, when the SPS has it (H.264 only)."""


def h264_sps(unit: bytes, sample_entry: str = "avc1") -> VideoInfo:
    """An H.264 SPS NAL unit (header byte included)."""
    data = rbsp(unit)
    if len(data) < 4:
        raise MediaError("H.264 SPS cut short")
    profile, constraints, level = data[1], data[2], data[3]
    bits = BitReader(data[4:])
    bits.ue()  # seq_parameter_set_id
    chroma = 1
    if profile in HIGH_PROFILES:
        chroma = bits.ue()
        if chroma == 3 and bits.flag():
            chroma = 0  # separate colour planes: cropped as monochrome
        bits.ue()
        bits.ue()
        bits.skip(1)
        if bits.flag():
            _skip_scaling_lists(bits, 8 if chroma != 3 else 12)
    bits.ue()  # log2_max_frame_num_minus4
    _skip_poc(bits)
    bits.ue()
    bits.skip(1)
    width_mbs, height_units = bits.ue() + 1, bits.ue() + 1
    frame_mbs_only = bits.flag()
    if not frame_mbs_only:
        bits.skip(1)
    bits.skip(1)
    crop = [bits.ue() for _ in range(4)] if bits.flag() else [0, 0, 0, 0]
    frame = _vui_frame(bits) if bits.flag() else None
    unit_x = 1 if chroma in (0, 3) else 2
    unit_y = (1 if chroma in (0, 2, 3) else 2) * (2 - frame_mbs_only)
    width = width_mbs * 16 - unit_x * (crop[0] + crop[1])
    height = (2 - frame_mbs_only) * height_units * 16 - unit_y * (crop[2] + crop[3])
    return VideoInfo(f"{sample_entry}.{profile:02X}{constraints:02X}{level:02X}", profile,
                     level, width, height, frame)


def _vui_frame(bits: BitReader) -> float | None:
    """Seconds per frame from an H.264 VUI's timing info (two ticks a frame), if present;
    a VUI cut short is no frame rate, not damage."""
    try:
        if bits.flag() and bits.bits(8) == 255:
            bits.skip(32)  # sample aspect ratio
        if bits.flag():
            bits.skip(1)  # overscan
        if bits.flag():
            bits.skip(4)
            if bits.flag():
                bits.skip(24)  # colour description
        if bits.flag():
            bits.ue()
            bits.ue()
        if not bits.flag():
            return None
        ticks, scale = bits.bits(32), bits.bits(32)
    except MediaError:
        return None
    return 2 * ticks / scale if ticks and scale else None


def _skip_scaling_lists(bits: BitReader, count: int) -> None:
    for index in range(count):
        if not bits.flag():
            continue
        last = following = 8
        for _ in range(16 if index < 6 else 64):
            if following:
                following = (last + bits.se() + 256) % 256
            last = following or last


def _skip_poc(bits: BitReader) -> None:
    kind = bits.ue()
    if kind == 0:
        bits.ue()
    elif kind == 1:
        bits.skip(1)
        bits.se()
        bits.se()
        cycle = bits.ue()
        if cycle > 255:
            raise MediaError("H.264 SPS: invalid picture order count cycle")
        for _ in range(cycle):
            bits.se()


def h265_sps(unit: bytes, sample_entry: str = "hvc1") -> VideoInfo:
    """An H.265 SPS NAL unit (two header bytes included)."""
    bits = BitReader(rbsp(unit)[2:])
    bits.skip(4)
    sub_layers = bits.bits(3)
    bits.skip(1)
    codec, profile, level = _profile_tier_level(bits, sub_layers, sample_entry)
    bits.ue()
    chroma = bits.ue()
    if chroma == 3:
        bits.skip(1)
    width, height = bits.ue(), bits.ue()
    if bits.flag():
        left, right, top, bottom = (bits.ue() for _ in range(4))
        sub_w = 2 if chroma in (1, 2) else 1
        sub_h = 2 if chroma == 1 else 1
        width -= sub_w * (left + right)
        height -= sub_h * (top + bottom)
    return VideoInfo(codec, profile, level, width, height)


def _profile_tier_level(bits: BitReader, sub_layers: int, entry: str) -> tuple[str, int, int]:
    space, tier, profile = bits.bits(2), bits.bits(1), bits.bits(5)
    compatibility = bits.bits(32)
    constraints = bits.bits(48)
    level = bits.bits(8)
    present = [(bits.flag(), bits.flag()) for _ in range(sub_layers)]
    if sub_layers:
        bits.skip(2 * (8 - sub_layers))
    for has_profile, has_level in present:
        bits.skip(88 if has_profile else 0)
        bits.skip(8 if has_level else 0)
    return hevc_codec(entry, space, tier, profile, compatibility, constraints, level), \
        profile, level


def hevc_codec(entry: str, space: int, tier: int, profile: int, compatibility: int,
               constraints: int, level: int) -> str:
    """The RFC 6381 / ISO 14496-15 E.3 string of an HEVC stream."""
    reversed_flags = int(f"{compatibility:032b}"[::-1], 2)
    parts = [entry, f"{'' if space == 0 else 'ABC'[space - 1]}{profile}",
             f"{reversed_flags:X}", f"{'LH'[tier]}{level}"]
    raw = constraints.to_bytes(6, "big").rstrip(b"\x00")
    parts += [f"{byte:X}" for byte in raw]
    return ".".join(parts)
