"""NAL units of an Annex B byte stream (H.264 and H.265 in MPEG-TS), and what they are.

A segment that a player can start on begins with a random access point: an IDR picture in
H.264 (NAL type 5), an IRAP picture in H.265 (types 16 to 23).
"""

from __future__ import annotations

from collections.abc import Iterator

H264_IDR, H264_SPS = 5, 7
H265_IRAP = range(16, 24)
H265_SPS = 33
H265_IDR = {19, 20}
H265_OPEN = {16, 17, 18, 21}
"""BLA (16 to 18) and CRA (21): IRAP pictures that may have RASL pictures, which refer to
pictures before them and cannot be decoded when playback starts here."""
H265_RASL = {8, 9}
H265_LEADING = range(6, 10)
"""RADL (6, 7) and RASL (8, 9): pictures before their IRAP in output order, which come
right after it in decoding order, ahead of every trailing picture."""


def annexb_units(data: bytes) -> Iterator[bytes]:
    """The NAL units between start codes (00 00 01), start codes and trailing zeros removed."""
    start = data.find(b"\x00\x00\x01")
    while start != -1:
        begin = start + 3
        end = data.find(b"\x00\x00\x01", begin)
        unit = data[begin:] if end == -1 else data[begin:end]
        unit = unit.rstrip(b"\x00")
        if unit:
            yield unit
        start = end


def length_units(data: bytes, length_size: int) -> Iterator[bytes]:
    """NAL units each preceded by its length (fMP4 samples, avcC/hvcC)."""
    offset = 0
    while offset + length_size <= len(data):
        size = int.from_bytes(data[offset:offset + length_size], "big")
        offset += length_size
        if size == 0 or offset + size > len(data):
            return
        yield data[offset:offset + size]
        offset += size


def rbsp(unit: bytes) -> bytes:
    """The payload without emulation prevention bytes (00 00 03 -> 00 00)."""
    if b"\x00\x00\x03" not in unit:
        return unit
    out = bytearray()
    zeros = 0
    for byte in unit:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def h264_type(unit: bytes) -> int:
    return unit[0] & 0x1F


def h265_type(unit: bytes) -> int:
    return (unit[0] >> 1) & 0x3F


def is_random_access(unit: bytes, hevc: bool) -> bool:
    return h265_type(unit) in H265_IRAP if hevc else h264_type(unit) == H264_IDR


def skipped_leading(pictures: list[int]) -> bool | None:
    """Whether the H.265 pictures after an open IRAP (CRA or BLA), their NAL types in
    decoding order, hold a RASL picture: True at the first RASL, False at the first trailing
    picture (no leading picture comes after one), None when every one seen is RADL."""
    for kind in pictures:
        if kind in H265_RASL:
            return True
        if kind not in H265_LEADING:
            return False
    return None


def is_idr(kind: int, hevc: bool) -> bool:
    """An IDR picture's NAL type (H.264 5; H.265 IDR_W_RADL 19, IDR_N_LP 20)."""
    return kind in H265_IDR if hevc else kind == H264_IDR


def nal_type(unit: bytes, hevc: bool) -> int:
    return h265_type(unit) if hevc else h264_type(unit)


def is_picture(unit: bytes, hevc: bool) -> bool:
    """A VCL NAL unit: a slice of a picture (not a parameter set, SEI or delimiter)."""
    return h265_type(unit) < 32 if hevc else 1 <= h264_type(unit) <= 5
