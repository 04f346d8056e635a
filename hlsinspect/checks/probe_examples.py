"""Small synthetic segments for the probe rules' own examples (`hlsinspect rules` shows them,
the test suite runs them with `--probe all`): MPEG-TS with AAC frames and, when asked, H.264
pictures, and packed audio. Real encoder output is in fixtures/media; these are the least
bytes that carry the property a rule looks at.
"""

from __future__ import annotations

from collections.abc import Mapping

from hlsinspect.checks.registry import Example

SPS_160X90 = bytes.fromhex("674d401eeca146fc9808800000030080000019078b16cb")
"""The SPS libx264 wrote for 160x90 Main@3.0 (fixtures/media/ts-h264)."""
AUDIO_PID, VIDEO_PID, PMT_PID = 0x101, 0x100, 0x1000
FRAME_TICKS = 1920
"""One AAC frame (1024 samples at 48 kHz) on the 90 kHz clock."""
VIDEO_TICKS = 3600
"""One picture at 25 fps."""
HTML = b"<!DOCTYPE html>\n<html><body><h1>404 Not Found</h1></body></html>\n"


def _packet(pid: int, payload: bytes, start: bool, counter: int) -> bytes:
    header = bytes([0x47, (0x40 if start else 0) | pid >> 8, pid & 0xFF])
    if len(payload) >= 184:
        return header + bytes([0x10 | counter & 15]) + payload[:184]
    stuffing = 183 - len(payload)
    field = bytes([stuffing]) + (bytes([0]) + b"\xff" * (stuffing - 1) if stuffing else b"")
    return header + bytes([0x30 | counter & 15]) + field + payload


def _packets(pid: int, data: bytes) -> bytes:
    return b"".join(_packet(pid, data[at:at + 184], at == 0, counter)
                    for counter, at in enumerate(range(0, len(data), 184)))


def _pes(stream_id: int, pts: int, payload: bytes) -> bytes:
    stamp = bytes([0x21 | (pts >> 29) & 0x0E, (pts >> 22) & 0xFF, (pts >> 14) & 0xFE | 1,
                   (pts >> 7) & 0xFF, (pts << 1) & 0xFE | 1])
    body = bytes([0x80, 0x80, 5]) + stamp + payload
    size = len(body) if stream_id != 0xE0 else 0
    return b"\x00\x00\x01" + bytes([stream_id]) + size.to_bytes(2, "big") + body


def _adts(payload: int = 10) -> bytes:
    length = 7 + payload
    return bytes([0xFF, 0xF1, 0x4C, 0x80 | length >> 11, (length >> 3) & 0xFF,
                  (length & 7) << 5 | 0x1F, 0xFC]) + bytes(payload)


def _tables(video: bool) -> bytes:
    pat = bytes([0, 0xB0, 13, 0, 1, 0xC1, 0, 0, 0, 1, 0xE0 | PMT_PID >> 8,
                 PMT_PID & 0xFF]) + bytes(4)
    streams = bytes([0x0F, 0xE0 | AUDIO_PID >> 8, AUDIO_PID & 0xFF, 0xF0, 0])
    if video:
        streams = bytes([0x1B, 0xE0 | VIDEO_PID >> 8, VIDEO_PID & 0xFF, 0xF0, 0]) + streams
    pmt = bytes([2, 0xB0, 13 + len(streams), 0, 1, 0xC1, 0, 0, 0xE0 | AUDIO_PID >> 8,
                 AUDIO_PID & 0xFF, 0xF0, 0]) + streams + bytes(4)
    return _packet(0, b"\x00" + pat, True, 0) + _packet(PMT_PID, b"\x00" + pmt, True, 0)


def ts_segment(start: float = 10.0, seconds: float = 2.0, video: str | None = None,
               sps: bool = False, picture: int = 2) -> bytes:
    """MPEG-TS of `seconds` of AAC from `start`; with `video` ("idr" or "slice", the first
    picture's kind) H.264 pictures too, each of `picture` bytes of slice data, the first one
    after an SPS when `sps`."""
    base = round(start * 90_000)
    units: list[tuple[int, bytes]] = []  # (PTS, packets), muxed in PTS order as muxers do
    if video is not None:
        for index in range(round(seconds * 25)):
            kind = b"\x65" if index == 0 and video == "idr" else b"\x41"
            nals = (b"\x00\x00\x00\x01" + SPS_160X90 if sps and index == 0 else b"") + \
                b"\x00\x00\x00\x01" + kind + b"\x88" * picture
            pts = base + index * VIDEO_TICKS
            units.append((pts, _packets(VIDEO_PID, _pes(0xE0, pts, nals))))
    for index in range(round(seconds * 48_000 / 1024)):
        pts = base + index * FRAME_TICKS
        units.append((pts, _packets(AUDIO_PID, _pes(0xC0, pts, _adts()))))
    return _tables(video is not None) + b"".join(p for _, p in sorted(units, key=lambda u: u[0]))


def packed_audio(start: float | None = 10.0, seconds: float = 2.0) -> bytes:
    """ADTS frames after an ID3 tag with the PRIV timestamp (none when `start` is None)."""
    frames = _adts() * round(seconds * 48_000 / 1024)
    if start is None:
        return frames
    owner = b"com.apple.streaming.transportStreamTimestamp\x00"
    frame = b"PRIV" + (len(owner) + 8).to_bytes(4, "big") + b"\x00\x00" + owner + \
        round(start * 90_000).to_bytes(8, "big")
    return b"ID3\x04\x00\x00" + len(frame).to_bytes(4, "big") + frame + frames


def media_playlist(*segments: tuple[str, float], extra: str = "") -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4",
             "#EXT-X-PLAYLIST-TYPE:VOD", *([extra] if extra else [])]
    for uri, seconds in segments:
        lines += [f"#EXTINF:{seconds:.3f},", uri]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def probed(files: Mapping[str, str | bytes], note: str = "") -> Example:
    """An example checked with `--probe all`; the first file is the target."""
    return Example(dict(files), (next(iter(files)),), note, probe="all")


def variant(codecs: str, resolution: str = "160x90") -> Example:
    """A multivariant playlist over one TS variant of H.264 160x90 and AAC-LC."""
    return probed({
        "index.m3u8": "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                      f'#EXT-X-STREAM-INF:BANDWIDTH=200000,CODECS="{codecs}",'
                      f"RESOLUTION={resolution}\nv.m3u8\n",
        "v.m3u8": media_playlist(("a.ts", 2.0)),
        "a.ts": ts_segment(video="idr", sps=True)})
