"""MPEG-TS: 188-byte packets, the PAT and PMT, PES timestamps and the first access unit.

A probe reads a segment's head and tail. The head gives the programme (PAT, PMT, stream
types), the first presentation timestamps, whether the first video packet is a random access
point, and the SPS; the tail gives the last timestamps. Either part alone is parsed as
packets from its first whole packet, so a tail read from any offset works.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from hlsinspect.media.bits import MediaError

PACKET = 188
SYNC = 0x47
LATER = 8
STREAM_TYPES = {0x1B: "h264", 0x24: "h265", 0x0F: "aac", 0x11: "aac-latm", 0x03: "mp3",
                0x04: "mp3", 0x81: "ac3", 0x87: "ec3", 0x15: "id3", 0xDB: "h264-encrypted",
                0xCF: "aac-encrypted", 0xC1: "ac3-encrypted", 0xC2: "ec3-encrypted"}
VIDEO = {"h264", "h265", "h264-encrypted"}
CODECS = {name for name in STREAM_TYPES.values() if name != "id3"}
"""What a stream can carry that CODECS names; every other stream (SCTE-35 0x86, ID3 0x15,
DVB subtitles or teletext in private data 0x06, any private or metadata type) is data."""
PRIVATE = 0x06
AC3, EC3 = 0x81, 0x87
AUDIO_DESCRIPTORS = {0x6A: AC3, 0x7A: EC3}
"""DVB's AC-3 and enhanced AC-3 descriptors, which make private data (0x06) audio."""
REGISTRATIONS = {b"AC-3": AC3, b"EAC3": EC3}


@dataclass
class Packets:
    """What the packets of one stretch of a segment hold."""

    pmt_pids: set[int] = field(default_factory=set)
    streams: dict[int, int] = field(default_factory=dict)
    """Elementary stream PID -> stream_type, from the PMT."""
    pts: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    """PID -> the PTS of each PES that starts here, in stream order."""
    dts: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    """PID -> the DTS of each PES that starts here (its PTS when it has no DTS)."""
    random_access: dict[int, bool] = field(default_factory=dict)
    """PID -> whether its first packet here carries random_access_indicator."""
    first_pes: dict[int, bytearray] = field(default_factory=dict)
    """PID -> the payload of its first PES here (as much as this stretch holds)."""
    last_pes: dict[int, bytearray] = field(default_factory=dict)
    """PID -> the payload of its last PES here (an audio PES holds several frames: its
    length is the last one's duration)."""
    closed: set[int] = field(default_factory=set)
    later_pes: dict[int, list[bytearray]] = field(default_factory=lambda: defaultdict(list))
    """PID -> the payloads of the PES after its first one here, `LATER` at most (an open
    GOP's leading pictures follow its first picture)."""
    had_pat: bool = False


def parse(data: bytes, known: dict[int, int] | None = None) -> Packets:
    """The packets of `data`, which must begin on a packet (MediaError if no sync byte)."""
    out = Packets(streams=dict(known or {}))
    for offset in range(0, len(data) - PACKET + 1, PACKET):
        packet = data[offset:offset + PACKET]
        if packet[0] != SYNC:
            raise MediaError(f"MPEG-TS sync byte missing at byte {offset}")
        _packet(packet, out)
    return out


def aligned(data: bytes, offset: int) -> bytes:
    """`data`, read from `offset` in the segment, from its first whole packet on."""
    skip = (-offset) % PACKET
    return data[skip:]


def _packet(packet: bytes, out: Packets) -> None:
    start = packet[1] & 0x40
    pid = ((packet[1] & 0x1F) << 8) | packet[2]
    control = (packet[3] >> 4) & 3
    payload = 4
    flags = 0
    if control & 2:
        length = packet[4]
        flags = packet[5] if length else 0
        payload = 5 + length
    body = b"" if not control & 1 or payload >= PACKET else packet[payload:]
    if pid == 0 and start:
        out.had_pat = True
        out.pmt_pids.update(_pat(body))
    elif pid in out.pmt_pids and start:
        out.streams.update(_pmt(body))
    elif pid in out.streams:
        _elementary(pid, start, bool(flags & 0x40), body, out)


def _section(body: bytes) -> bytes:
    if not body:
        return b""
    begin = 1 + body[0]
    section = body[begin:]
    if len(section) < 3:
        return b""
    length = ((section[1] & 0x0F) << 8) | section[2]
    return section[:3 + length]


def _pat(body: bytes) -> list[int]:
    section = _section(body)
    if len(section) < 12 or section[0] != 0:
        return []
    entries = section[8:-4]
    return [((entries[i + 2] & 0x1F) << 8) | entries[i + 3]
            for i in range(0, len(entries) - 3, 4)
            if int.from_bytes(entries[i:i + 2], "big") != 0]


def _pmt(body: bytes) -> dict[int, int]:
    section = _section(body)
    if len(section) < 16 or section[0] != 2:
        return {}
    info = ((section[10] & 0x0F) << 8) | section[11]
    index, end = 12 + info, len(section) - 4
    streams = {}
    while index + 5 <= end:
        kind = section[index]
        pid = ((section[index + 1] & 0x1F) << 8) | section[index + 2]
        length = ((section[index + 3] & 0x0F) << 8) | section[index + 4]
        streams[pid] = _private(section[index + 5:index + 5 + length]) \
            if kind == PRIVATE else kind
        index += 5 + length
    return streams


def _private(descriptors: bytes) -> int:
    """The stream type private data (0x06) stands for: AC-3 or E-AC-3 when a DVB audio
    descriptor or a registration descriptor says so, else private data (subtitles, teletext
    or anything else: no codec)."""
    at = 0
    while at + 2 <= len(descriptors):
        tag, size = descriptors[at], descriptors[at + 1]
        body = descriptors[at + 2:at + 2 + size]
        if tag in AUDIO_DESCRIPTORS:
            return AUDIO_DESCRIPTORS[tag]
        if tag == 0x05 and body[:4] in REGISTRATIONS:
            return REGISTRATIONS[body[:4]]
        at += 2 + size
    return PRIVATE


def _elementary(pid: int, start: int, random: bool, body: bytes, out: Packets) -> None:
    if start:
        stamps = pes_stamps(body)
        if stamps is not None:
            out.pts[pid].append(stamps[0])
            out.dts[pid].append(stamps[1])
        out.last_pes[pid] = bytearray(_pes_payload(body))
        if pid not in out.random_access:
            out.random_access[pid] = random
            out.first_pes[pid] = out.last_pes[pid]
        elif pid in out.first_pes:
            out.closed.add(pid)
            if len(out.later_pes[pid]) < LATER:
                out.later_pes[pid].append(out.last_pes[pid])
    else:
        if pid in out.last_pes:
            out.last_pes[pid] += body
        if pid in out.first_pes and pid not in out.closed and \
                out.first_pes[pid] is not out.last_pes.get(pid):
            out.first_pes[pid] += body


def pes_stamps(body: bytes) -> tuple[int, int] | None:
    """(PTS, DTS) of a PES header (DTS = PTS when it has none), or None without a PTS."""
    if len(body) < 14 or body[:3] != b"\x00\x00\x01" or not body[7] & 0x80:
        return None
    pts = _stamp(body[9:14])
    if body[7] & 0x40 and len(body) >= 19:
        return pts, _stamp(body[14:19])
    return pts, pts


def _stamp(b: bytes) -> int:
    return (((b[0] >> 1) & 7) << 30) | (b[1] << 22) | ((b[2] >> 1) << 15) | (b[3] << 7) | \
        (b[4] >> 1)


def _pes_payload(body: bytes) -> bytes:
    if len(body) < 9 or body[:3] != b"\x00\x00\x01":
        return b""
    return body[9 + body[8]:]


def kind_of(stream_type: int) -> str:
    return STREAM_TYPES.get(stream_type, f"stream type 0x{stream_type:02X}")
