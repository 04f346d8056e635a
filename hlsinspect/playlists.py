"""Bytes to a playlist: decoded text, its numbered lines, and what they describe.

Only what is not a playlist at all stops reading: no text (binary data, invalid UTF-8, an
empty file) or no `#EXTM3U` at the top (HTML, JSON, an error page). Everything else that is
wrong (a byte order mark, a control character, a tag on the wrong line) is recorded with its
line and reported by the rules, while the segments are still read and verified.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import unquote

from hlsinspect import limits
from hlsinspect.model import Segment, Structure, build
from hlsinspect.syntax.attributes import as_int
from hlsinspect.syntax.lines import Lines, read_lines

BOM = b"\xef\xbb\xbf"
# C0/C1 controls but CR and LF (RFC 8216 4.1), a CR that does not end a line, and the
# Unicode line separators some readers split on
_CONTROL = re.compile("[\x00-\x08\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


class ParseFailure(Exception):
    """Why the bytes are not a playlist, and on which line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Playlist:
    """A playlist as read: its lines, its structure, and the faults found while reading."""

    key: str
    text: str
    lines: Lines
    structure: Structure
    problems: list[tuple[str, int]] = field(default_factory=list)
    """Faults of the text itself (byte order mark, control characters): message and line."""
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    """Values several rules derive from the playlist, computed once (see checks.structure)."""

    @property
    def kind(self) -> str:
        return self.structure.kind

    @property
    def is_multivariant(self) -> bool:
        return self.structure.kind == "multivariant"

    @property
    def segments(self) -> list[Segment]:
        return self.structure.segments

    @cached_property
    def total_duration(self) -> float:
        """The sum of the EXTINF durations (segments without one count nothing)."""
        return sum(s.duration or 0.0 for s in self.structure.segments)

    def _int(self, name: str) -> int | None:
        tag = self.lines.first(name)
        return as_int(tag.value) if tag is not None else None

    @property
    def version(self) -> int | None:
        """EXT-X-VERSION as declared (None when absent or not a number)."""
        return self._int("EXT-X-VERSION")

    @property
    def effective_version(self) -> int:
        """The compatibility version clients assume: 1 without EXT-X-VERSION (4.3.1.2)."""
        return self.version or 1

    @property
    def target_duration(self) -> int | None:
        return self._int("EXT-X-TARGETDURATION")

    @property
    def media_sequence(self) -> int:
        return self._int("EXT-X-MEDIA-SEQUENCE") or 0

    @property
    def playlist_type(self) -> str | None:
        tag = self.lines.first("EXT-X-PLAYLIST-TYPE")
        value = (tag.value or "").strip() if tag is not None else ""
        return value if value in ("EVENT", "VOD") else None

    @property
    def written_type(self) -> str | None:
        """EXT-X-PLAYLIST-TYPE as written, valid or not: what reports show and rules judge."""
        tag = self.lines.first("EXT-X-PLAYLIST-TYPE")
        return (tag.value or "").strip() or None if tag is not None else None

    @property
    def endlist(self) -> bool:
        return self.lines.has("EXT-X-ENDLIST")

    @property
    def iframes_only(self) -> bool:
        return self.lines.has("EXT-X-I-FRAMES-ONLY")

    def variables(self, imported: Mapping[str, str] | None = None,
                  query: Mapping[str, str] | None = None) -> dict[str, str]:
        """Its EXT-X-DEFINE variables: NAME/VALUE pairs, IMPORTs from `imported` (the
        multivariant playlist's), and QUERYPARAMs from `query`, the parameters of the URL the
        playlist is read from (RFC 8216bis 4.4.2.3; see `query_values`). A variable whose
        value is not known here is left out."""
        found: dict[str, str] = {}
        for tag in self.lines.all("EXT-X-DEFINE"):
            name, value, wanted = tag.attr("NAME"), tag.attr("VALUE"), tag.attr("IMPORT")
            asked = tag.attr("QUERYPARAM")
            if name is not None and value is not None:
                found.setdefault(name, value)
            elif wanted is not None and imported and wanted in imported:
                found.setdefault(wanted, imported[wanted])
            elif asked is not None and query and query.get(asked):
                found.setdefault(asked, query[asked])
        return found

    def unknown_reason(self, name: str, imported: bool, query_from: str | None) -> str:
        """Why the value of the variable `name` is not known here: `imported` says whether
        the playlist was read under a multivariant playlist, `query_from` is the http(s) URL
        it was read from (None from a store that is not an HTTP origin)."""
        for tag in self.lines.all("EXT-X-DEFINE"):
            if tag.attr("QUERYPARAM") == name:
                if query_from is None:
                    return (f"QUERYPARAM {name!r} takes its value from the query of the URL a "
                            "player reads the playlist from, and this store has no URL")
                return (f"QUERYPARAM {name!r} takes its value from the query of the URL the "
                        f"playlist is read from, and {query_from} has no {name}= value")
            if tag.attr("IMPORT") == name:
                if not imported:
                    return (f"IMPORT {name!r} takes its value from the multivariant playlist, "
                            "which is not inspected with this playlist")
                return f"the multivariant playlist gives IMPORT {name!r} no value here"
        return f"no EXT-X-DEFINE defines {name!r}"


def query_values(url: str) -> dict[str, str]:
    """The query parameters of an http(s) URL, percent-decoded, the first of each name (what
    QUERYPARAM reads, RFC 8216bis 4.4.2.3: percent-decoding only, so `+` stays `+`). Any
    other URL (`s3://`, a file path) has none: nothing requests it with a query."""
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https"):
        return {}
    query = rest.partition("#")[0].partition("?")[2]
    values: dict[str, str] = {}
    for pair in query.split("&") if query else ():
        name, _, value = pair.partition("=")
        values.setdefault(unquote(name), unquote(value))
    return values


_REFERENCE = re.compile(r"\{\$([A-Za-z0-9_-]+)\}")


def substituted_length(text: str, variables: Mapping[str, str]) -> int:
    """How long `text` is once its {$name} references are replaced, without replacing them."""
    return len(text) + sum(len(variables.get(match.group(1), match.group(0)))
                           - len(match.group(0)) for match in _REFERENCE.finditer(text))


def substitute(text: str, variables: Mapping[str, str]) -> str | None:
    """`text` with its {$name} references replaced (RFC 8216bis 4.3); None when one of them
    names no variable (the variables rules report that; the URI cannot be followed), or
    when the result would be longer than `limits.MAX_URI_LENGTH` (value-out-of-range: a
    1 MB VALUE referenced 100 times is never built)."""
    if "{$" in text and substituted_length(text, variables) > limits.MAX_URI_LENGTH:
        return None
    result, missing = substitute_known(text, variables)
    return None if missing else result


def substitute_known(text: str, variables: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """`text` with the references to known variables replaced, the others left as written,
    and the names of those others in order of first use. The caller bounds the result's
    length first (`substituted_length`)."""
    if "{$" not in text:
        return text, ()
    missing: dict[str, None] = {}

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in variables:
            missing[match.group(1)] = None
            return match.group(0)
        return variables[match.group(1)]

    return _REFERENCE.sub(value, text), tuple(missing)


def fill(text: str, names: tuple[str, ...], value: str) -> str:
    """`text` with every reference to one of `names` replaced by `value`."""
    return _REFERENCE.sub(lambda m: value if m.group(1) in names else m.group(0), text)


def decode(data: bytes) -> tuple[str, list[tuple[str, int]]]:
    """Strict UTF-8 text and the faults worth a finding; ParseFailure when it is no playlist."""
    problems: list[tuple[str, int]] = []
    if data.startswith(BOM):
        data = data[len(BOM):]
        problems.append(("the file starts with a UTF-8 byte order mark, which HLS forbids: "
                         "some players reject the playlist; save it without BOM", 1))
    if not data.strip():
        raise ParseFailure("the file is empty", 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        kind = "binary data" if b"\x00" in data[:1024] else "invalid UTF-8"
        raise ParseFailure(f"not a text playlist: {kind} at byte {exc.start}", line) from None
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    first = next((n for n, line in enumerate(lines, 1) if line.strip()), 1)
    head = lines[first - 1].strip()
    if head != "#EXTM3U":
        if not head.startswith("#EXTM3U"):
            # not a playlist: nothing of it is quoted, since it may be anything at all (a
            # credentials file, a signed error page) and the report ends up in CI logs
            raise ParseFailure(f"the first line must be #EXTM3U: this is not a playlist"
                               f"{_looks_like(head)}", first)
        shown = head[:40] + ("..." if len(head) > 40 else "")
        problems.append((f"the first line must be exactly #EXTM3U, found {shown!r}", first))
    elif first != 1 or lines[0][:1].isspace():
        problems.append(("#EXTM3U must be the very first line, with nothing before it", first))
    for match in _CONTROL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - text.rfind("\n", 0, match.start()) - 1
        if match.group() == "\t" and tab_allowed(lines[line - 1], column):
            continue
        what = ("a carriage return that does not end a line (lines end in LF or CRLF)"
                if match.group() == "\r"
                else _NAMES.get(match.group(), f"the control character U+{ord(match.group()):04X}"))
        problems.append((f"{what}: playlists must not contain control characters", line))
        if len(problems) > 20:
            break
    return text, problems


def _looks_like(head: str) -> str:
    """What a first line that is no playlist's says the file is, named not quoted."""
    start = head[:1]
    if start == "<":
        return " (this looks like HTML or XML)"
    if start in ("{", "["):
        return " (this looks like JSON)"
    return ""


_NAMES = {"\t": "a TAB (U+0009)", "\x00": "a NUL byte (U+0000)", "\x0b": "a vertical tab (U+000B)",
          "\x0c": "a form feed (U+000C)"}
_REMOVED = 'RECENTLY-REMOVED-DATERANGES="'


def in_extinf_title(line: str, column: int) -> bool:
    """Column `column` of `line` stands in the title of an EXTINF line."""
    comma = line.find(",")
    return line.lstrip().startswith("#EXTINF:") and comma != -1 and column > comma


def tab_allowed(line: str, column: int) -> bool:
    """A TAB the text rules judge rather than the parser: in RECENTLY-REMOVED-DATERANGES,
    whose IDs RFC 8216bis 4.4.5.2 separates with TABs, or in an EXTINF title (Apple's
    segmenter ends EXTINF with one; text-character-risky warns of it)."""
    if in_extinf_title(line, column):
        return True
    start = line.find(_REMOVED) if line.startswith("#EXT-X-SKIP:") else -1
    end = line.find('"', start + len(_REMOVED)) if start != -1 else -1
    return start != -1 and start + len(_REMOVED) <= column < (end if end != -1 else len(line))


def parse(key: str, data: bytes) -> Playlist:
    """Decode, tokenise and structure one playlist."""
    text, problems = decode(data)
    lines = read_lines(text)
    return Playlist(key=key, text=text, lines=lines, structure=build(lines), problems=problems)
