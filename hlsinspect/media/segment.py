"""One segment probed from its head and tail: what it is, when it starts, how long it lasts,
whether it starts on a keyframe and which codecs it carries.

`probe_segment` asks for byte ranges through `read(offset, length)`; MPEG-TS takes a head
and a tail, fMP4 the head and, for a segment of several fragments, each later `moof` found by
skipping `mdat`s (box headers say where the next one is), packed audio and WebVTT the head.
Damage of any kind is a `Problem` in the result, never an exception.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from hlsinspect import limits
from hlsinspect.media import adts_probe, fmp4_probe, ts_probe
from hlsinspect.media.bits import DAMAGE, MediaError
from hlsinspect.media.bmff import TOP_LEVEL, Track
from hlsinspect.media.result import Probed, Problem, Reader
from hlsinspect.media.webvtt import header, is_webvtt
from hlsinspect.uri.keys import without_query

Container = Literal["ts", "fmp4", "audio", "webvtt"]
HEAD = 32 * 1024
TAIL = 32 * 1024
NAMES = {"ts": "MPEG-TS", "fmp4": "fMP4", "audio": "packed audio", "webvtt": "WebVTT"}


def expected_containers(uri: str, has_map: bool) -> tuple[Container, ...]:
    """What a playlist implies a segment is: fMP4 under EXT-X-MAP, else by its extension."""
    if has_map:
        return ("fmp4",)
    path = without_query(uri).lower()
    for suffixes, kinds in ((("ts",), ("ts",)), (("aac", "adts", "ac3", "ec3", "mp3"),
                                                 ("audio",)),
                            (("vtt", "webvtt"), ("webvtt",)), (("m4s", "mp4", "cmfv",
                                                                 "cmfa"), ("fmp4",))):
        if path.rsplit(".", 1)[-1] in suffixes:
            return kinds  # type: ignore[return-value]
    return ("ts", "fmp4", "audio", "webvtt")


def sniff(head: bytes) -> str | None:
    """The container the first bytes show, "html" for a web page, or None."""
    if head[:1] == b"\x47" and (len(head) <= 188 or head[188:189] == b"\x47"):
        return "ts"
    if len(head) >= 8 and head[4:8] in TOP_LEVEL:
        return "fmp4"
    if is_webvtt(head):
        return "webvtt"
    if head[:3] == b"ID3" or head[:2] == b"\x0b\x77" or (  # ID3, AC-3 or E-AC-3 sync
            len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):  # ADTS or MP3
        return "audio"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:256].lower()
    if text.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"{")):
        return "html" if not text.startswith(b"{") else "json"
    return None


def probe_segment(read: Reader, size: int, expected: tuple[Container, ...],
                  tracks: dict[int, Track] | None = None) -> Probed:
    counted = _Counted(read)
    try:
        result = _probe(counted, size, expected, tracks)
    except DAMAGE as exc:
        result = Probed(problems=(Problem("malformed", str(exc) or type(exc).__name__),))
    return replace(result, bytes_read=counted.total)


def _probe(read: _Counted, size: int, expected: tuple[Container, ...],
           tracks: dict[int, Track] | None) -> Probed:
    head = read(0, min(size, HEAD))
    found = sniff(head)
    wanted = " or ".join(NAMES[e] for e in expected)
    if found in ("html", "json"):
        # named, not quoted: a page may carry anything (a token), and reports reach CI logs
        return _not_media(f"holds {'an HTML or XML page' if found == 'html' else 'JSON'}, "
                          f"not {wanted}: an error page stored as a segment?")
    if found is None:
        return _not_media(f"is not {wanted}: its first bytes are {head[:8].hex(' ')}")
    if found not in expected:
        return _not_media(f"holds {NAMES[found]}, not {wanted} as its playlist implies")
    if found == "ts":
        return ts_probe.probe(read, size, head, TAIL)
    if found == "fmp4":
        return fmp4_probe.probe(read, size, head, tracks)
    if found == "audio":
        return adts_probe.probe(read, size, head)
    problems = () if header(head).mpegts is not None else (
        Problem("timestamp-missing", "has no X-TIMESTAMP-MAP in its WebVTT header"),)
    return Probed("webvtt", problems=problems)


def _not_media(message: str) -> Probed:
    return Probed(problems=(Problem("not-media", message),))


class _Counted:
    """A reader that adds up the bytes it returns, and refuses to make more than
    `limits.MAX_PROBE_READS` requests for one segment."""

    def __init__(self, read: Reader) -> None:
        self.read = read
        self.total = 0
        self.reads = 0

    def __call__(self, offset: int, length: int) -> bytes:
        if length > 0:
            self.reads += 1
            if self.reads > limits.MAX_PROBE_READS:
                raise MediaError(f"needs more than {limits.MAX_PROBE_READS} reads to walk: the "
                                 "rest is not read")
        data = self.read(offset, length) if length > 0 else b""
        self.total += len(data)
        return data
