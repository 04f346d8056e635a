"""Bytes to a parsed playlist, and the references a playlist makes.

The m3u8 library accepts almost anything (HTML, JSON and empty files parse as empty
playlists) and raises bare exceptions without line numbers, so the text is checked here
first (strict UTF-8, no BOM, no control characters, `#EXTM3U` on line one) and every parser
exception becomes one `playlist-parse-error` finding with the line that caused it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import m3u8

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_URI_ATTR = re.compile(r'URI="([^"]*)"')
_BISECT_LIMIT = 50_000


class ParseFailure(Exception):
    """Why the bytes are not a playlist, and on which line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Playlist:
    """A parsed playlist with the line numbers m3u8 does not keep."""

    key: str
    text: str
    parsed: Any
    """The `m3u8.M3U8` object."""
    segment_lines: list[int] = field(default_factory=list)
    """Line of each segment's URI line, in order (media playlists)."""
    extinf_lines: list[int] = field(default_factory=list)
    """Line of each segment's EXTINF tag (0 when there is none)."""
    uri_lines: dict[str, int] = field(default_factory=dict)
    """First line where each URI (a URI line or a URI="..." attribute) appears."""

    @property
    def is_multivariant(self) -> bool:
        return bool(self.parsed.is_variant)

    @property
    def segments(self) -> list[Any]:
        """Complete media segments; a trailing run of parts with no URI is not one."""
        return [s for s in self.parsed.segments if s.uri]

    def line_of(self, uri: str | None) -> int | None:
        return self.uri_lines.get(uri) if uri is not None else None


def decode(data: bytes) -> str:
    """Strict UTF-8 text of a playlist, or ParseFailure naming the line (RFC 8216 4.1)."""
    if not data.strip():
        raise ParseFailure("the file is empty", 1)
    if data.startswith(b"\xef\xbb\xbf"):
        raise ParseFailure("the file starts with a UTF-8 byte order mark, which HLS forbids", 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        kind = "binary data" if b"\x00" in data[:1024] else "invalid UTF-8"
        raise ParseFailure(f"not a text playlist: {kind} at byte {exc.start}", line) from None
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise ParseFailure(
            f"control character U+{ord(control.group()):04X}: not a text playlist", line
        )
    first = text.split("\n", 1)[0].rstrip("\r").strip()
    if first != "#EXTM3U":
        shown = first[:40] + ("..." if len(first) > 40 else "")
        what = " (this looks like HTML)" if first.lower().startswith("<") else ""
        raise ParseFailure(f"the first line must be #EXTM3U, found {shown!r}{what}", 1)
    return text


def parse(key: str, data: bytes) -> Playlist:
    """Decode and parse; ParseFailure (with a line number where one is known) otherwise."""
    text = decode(data)
    lines = text.replace("\r\n", "\n").split("\n")
    try:
        parsed = m3u8.loads(text)
    except Exception as exc:  # m3u8 raises ValueError, KeyError, TypeError, bare Exception
        line = _failing_line(lines)
        raise ParseFailure(_describe(exc, lines, line), line) from None
    playlist = Playlist(key=key, text=text, parsed=parsed)
    _index_lines(playlist, lines)
    return playlist


def _describe(exc: Exception, lines: list[str], line: int | None) -> str:
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if line is not None and 0 < line <= len(lines):
        return f"the parser rejects {lines[line - 1][:80]!r} ({detail})"
    return f"the parser rejects the playlist ({detail})"


def _failing_line(lines: list[str]) -> int | None:
    """The first line whose prefix of the playlist no longer parses (bisection)."""
    if len(lines) > _BISECT_LIMIT:
        return None

    def fails(count: int) -> bool:
        try:
            m3u8.loads("\n".join(lines[:count]))
        except Exception:
            return True
        return False

    low, high = 1, len(lines)
    if not fails(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if fails(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _index_lines(playlist: Playlist, lines: list[str]) -> None:
    """Record where segments and URIs stand, for findings that cite a line."""
    extinf = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#EXTINF"):
                extinf = number
            for uri in _URI_ATTR.findall(line):
                playlist.uri_lines.setdefault(uri, number)
            continue
        playlist.uri_lines.setdefault(line, number)
        if not playlist.is_multivariant:
            playlist.segment_lines.append(number)
            playlist.extinf_lines.append(extinf)
            extinf = 0
