"""Bytes to a parsed playlist, and the references a playlist makes.

The m3u8 library accepts almost anything (HTML, JSON and empty files parse as empty
playlists) and raises bare exceptions without line numbers, so the text is checked here
first (strict UTF-8, no BOM, no control characters, `#EXTM3U` on line one) and every parser
exception becomes one `playlist-parse-error` finding with the line that caused it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import m3u8

# C0/C1 controls but CR and LF (RFC 8216 4.1), and the separators str.splitlines() also
# splits on, which would make m3u8 see lines that are not there
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_LONE_CR = re.compile("\r(?!\n)")
"""HLS lines end in LF or CRLF (RFC 8216 4.1); m3u8 would also split on a lone CR."""
_URI_ATTR = re.compile(r'URI="([^"]*)"')
_BISECT_LIMIT = 100_000
_ATTRIBUTE_TAGS = {
    "BANDWIDTH": ("#EXT-X-STREAM-INF", "#EXT-X-I-FRAME-STREAM-INF"),
    "ID": ("#EXT-X-DATERANGE",),
    "METHOD": ("#EXT-X-KEY", "#EXT-X-SESSION-KEY"),
}
"""Tags that carry an attribute m3u8 may miss only lines later."""
_MAX_DURATION = 1e9
"""Seconds; about 31 years. Anything longer is a typo or an attack, not a segment."""


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
    stray_lines: list[int] = field(default_factory=list)
    """URI lines that m3u8 drops: no EXTINF (or BYTERANGE) or STREAM-INF before them."""
    problems: list[tuple[str, int]] = field(default_factory=list)
    """Faults that do not stop parsing (a byte order mark): message and line."""
    dangling_lines: list[int] = field(default_factory=list)
    """EXTINF or EXT-X-STREAM-INF tags that no URI line follows."""

    @cached_property
    def lines(self) -> list[str]:
        """The text split into lines as numbered in findings (LF or CRLF endings)."""
        return self.text.replace("\r\n", "\n").split("\n")

    @property
    def is_multivariant(self) -> bool:
        return bool(self.parsed.is_variant)

    @property
    def segments(self) -> list[Any]:
        """Complete media segments; a trailing run of parts with no URI is not one."""
        return [s for s in self.parsed.segments if s.uri]

    @property
    def total_duration(self) -> float:
        """Sum of the EXTINF durations, the playlist's length in seconds."""
        return sum(float(s.duration or 0) for s in self.segments)

    def line_of(self, uri: str | None) -> int | None:
        return self.uri_lines.get(uri) if uri is not None else None

    def line_of_tag(self, prefix: str) -> int | None:
        """The first line starting with `prefix` (a tag), for findings about that tag."""
        for number, line in enumerate(self.lines, start=1):
            if line.strip().startswith(prefix):
                return number
        return None


def decode(data: bytes) -> str:
    """Strict UTF-8 text of a playlist, or ParseFailure naming the line (RFC 8216 4.1)."""
    if not data.strip():
        raise ParseFailure("the file is empty", 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        kind = "binary data" if b"\x00" in data[:1024] else "invalid UTF-8"
        raise ParseFailure(f"not a text playlist: {kind} at byte {exc.start}", line) from None
    first = text.split("\n", 1)[0].rstrip("\r").strip()
    if first != "#EXTM3U":
        shown = first[:40] + ("..." if len(first) > 40 else "")
        what = " (this looks like HTML)" if first.lower().startswith("<") else ""
        raise ParseFailure(f"the first line must be #EXTM3U, found {shown!r}{what}", 1)
    control = _CONTROL.search(text) or _LONE_CR.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        what = ("a lone carriage return (lines end in LF or CRLF)" if control.group() == "\r"
                else f"control character U+{ord(control.group()):04X}")
        raise ParseFailure(f"{what}: not a valid playlist line", line)
    return text


BOM = b"\xef\xbb\xbf"


def parse(key: str, data: bytes) -> Playlist:
    """Decode and parse; ParseFailure (with a line number where one is known) otherwise.

    A UTF-8 byte order mark is forbidden (RFC 8216 4.1) but harmless to read past, so it is
    recorded as a problem and the playlist is still parsed and its segments verified.
    """
    bom = data.startswith(BOM)
    text = decode(data[len(BOM):] if bom else data)
    lines = text.replace("\r\n", "\n").split("\n")
    try:
        parsed = m3u8.loads(text)
    except Exception as exc:  # m3u8 raises ValueError, KeyError, TypeError, bare Exception
        message, line = _describe(exc, lines, _failing_line(text, lines))
        raise ParseFailure(message, line) from None
    playlist = Playlist(key=key, text=text, parsed=parsed)
    if bom:
        playlist.problems.append(("the file starts with a UTF-8 byte order mark, which HLS "
                                  "forbids: some players reject the playlist", 1))
    _index_lines(playlist, lines)
    _check_numbers(playlist)
    return playlist


def _check_numbers(playlist: Playlist) -> None:
    """NaN, infinite, negative or absurd durations would poison every sum after them."""
    target = playlist.parsed.target_duration
    if target is not None and not _is_duration(target):
        raise ParseFailure(f"EXT-X-TARGETDURATION:{str(target)[:20]} is not a duration",
                           playlist.line_of_tag("#EXT-X-TARGETDURATION"))
    for index, segment in enumerate(playlist.segments):
        if segment.duration is not None and not _is_duration(segment.duration):
            line = playlist.extinf_lines[index] if index < len(playlist.extinf_lines) else 0
            raise ParseFailure(f"EXTINF:{str(segment.duration)[:20]} is not a duration",
                               line or None)


def _is_duration(value: object) -> bool:
    try:
        return 0 <= float(value) < _MAX_DURATION  # type: ignore[arg-type]
    except (OverflowError, TypeError, ValueError):
        return False


def _describe(exc: Exception, lines: list[str], line: int | None) -> tuple[str, int | None]:
    """The message and line; which attribute is missing where m3u8 raises KeyError/TypeError.

    m3u8 may notice a missing attribute only on the URI line after the tag, so the tag
    is the nearest tag line at or before the failing line.
    """
    text = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else ""
    missing = None
    if isinstance(exc, KeyError) and exc.args:
        missing = str(exc.args[0]).upper().replace("_", "-")
    elif isinstance(exc, TypeError):
        found = re.search(r"required positional argument: '(\w+)'", str(exc))
        missing = found.group(1).upper().replace("_", "-") if found else None
    owners = _ATTRIBUTE_TAGS.get(missing or "", ("#EXT",))
    tag_line = next((n for n in range(line, 0, -1)
                     if lines[n - 1].strip().startswith(owners)),
                    None) if line is not None and 0 < line <= len(lines) else None
    tag = lines[tag_line - 1].strip().split(":", 1)[0].lstrip("#") if tag_line else None
    if tag and missing:
        return f"{tag} lacks the required attribute {missing}", tag_line
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if text:
        return f"the parser rejects {text[:80]!r} ({detail})", line
    return f"the parser rejects the playlist ({detail})", line


def _failing_line(text: str, lines: list[str]) -> int | None:
    """The line m3u8 failed on.

    Parsing again while m3u8 reports each tag line it reaches gives, in one linear pass,
    the line of a failing tag, or of the tag before a failing URI line (the one lacking an
    attribute). When parsing passes and building the model fails, bisect over prefixes.
    """
    reached = [0]

    def note(line: str, lineno: int, data: object, state: object) -> bool:
        reached[0] = lineno
        return False

    try:
        m3u8.parser.parse(text, custom_tags_parser=note)
    except Exception:
        return reached[0] or None
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
    """Record where segments and URIs stand, tokenising as m3u8 does.

    m3u8 takes a URI line as a segment only after EXTINF or EXT-X-BYTERANGE, and as a
    variant only after EXT-X-STREAM-INF; other URI lines it drops silently. Those are
    recorded as stray so that a finding can name them, and line numbers stay exact.
    """
    extinf = 0
    expect_segment = False
    stream_inf = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#EXTINF"):
                if extinf:
                    playlist.dangling_lines.append(extinf)
                extinf, expect_segment = number, True
            elif line.startswith("#EXT-X-BYTERANGE"):
                expect_segment = True
            elif line.startswith("#EXT-X-STREAM-INF"):
                if stream_inf:
                    playlist.dangling_lines.append(stream_inf)
                stream_inf = number
            for uri in _URI_ATTR.findall(line):
                playlist.uri_lines.setdefault(uri, number)
            continue
        playlist.uri_lines.setdefault(line, number)
        if stream_inf:
            stream_inf = 0
        elif expect_segment:
            playlist.segment_lines.append(number)
            playlist.extinf_lines.append(extinf)
            extinf, expect_segment = 0, False
        else:
            playlist.stray_lines.append(number)
    if stream_inf:
        playlist.dangling_lines.append(stream_inf)
    if extinf:
        playlist.dangling_lines.append(extinf)
