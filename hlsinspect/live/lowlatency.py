"""Low-latency HLS across reloads: blocking playlist reloads and rendition reports. No I/O.

A client of a low-latency stream does not poll: it asks the origin for the next partial
segment (`_HLS_msn=M&_HLS_part=P`, RFC 8216bis 6.2.5.2) and the origin holds the request
until the playlist has it. `next_request` says what to ask for, `blocking_findings` judges
the answer (its content and how long it took), and `report_findings` compares what one
playlist's EXT-X-RENDITION-REPORT tags say of another rendition with what that rendition's
own playlist said just before and just after.

Positions are (media sequence number, part index) pairs; the part index is None for a
playlist without partial segments, and then only sequence numbers are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from hlsinspect.checks.registry import finding
from hlsinspect.playlists import Playlist
from hlsinspect.report import Finding, Severity
from hlsinspect.syntax.attributes import as_float, as_int

Position = tuple[int, int | None]
LATE_PARTS = 3.0
"""Part Target Durations within which a blocking reload must be answered (a warning past it):
the part asked for is due one Part Target Duration after the last, and B.1 allows the
renditions one more of drift; three leave room for the network and the origin's work."""
LATE_TARGETS = 3.0
"""Target Durations a server may hold a blocking reload before it SHOULD answer 503
(RFC 8216bis 6.2.5.2): an answer later still is an error."""
PENDING = 32
"""Rendition reports kept per rendition until its next reload checks them."""


@dataclass(frozen=True)
class ReportTag:
    """One EXT-X-RENDITION-REPORT as the playlist carrying it says it."""

    uri: str
    position: Position


@dataclass(frozen=True)
class Parts:
    """What a media playlist's partial segments say of its live edge."""

    part_target: float | None
    can_block: bool
    """EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES."""
    last: Position
    """LAST-MSN and LAST-PART as a rendition report of this playlist must give them (4.4.5.4)."""
    previous: Position
    """The position one part (or, without parts, one segment) before `last`."""
    following: Position
    """The next part to ask for: the one after `last`."""
    reports: tuple[ReportTag, ...] = ()

    @property
    def blocking(self) -> bool:
        """A client reloads it with blocking requests (6.3.8): it offers them, and its
        parts pace them."""
        return self.can_block and self.part_target is not None and self.part_target > 0


def parts_of(playlist: Playlist, last_sequence: int) -> Parts | None:
    """The low-latency state of a media playlist; None for one without EXT-X-PART-INF."""
    info = playlist.lines.first("EXT-X-PART-INF")
    if info is None:
        return None
    control = playlist.lines.first("EXT-X-SERVER-CONTROL")
    can_block = control is not None and (control.attr("CAN-BLOCK-RELOAD") or "") == "YES"
    segments = playlist.segments
    final = len(segments[-1].parts) if segments else 0
    before = len(segments[-2].parts) if len(segments) > 1 else 0
    trailing = sum(1 for tag in playlist.structure.trailing if tag.name == "EXT-X-PART")
    last, previous, following = _edge(last_sequence, trailing, final, before)
    own = last
    reports = []
    for tag in playlist.lines.all("EXT-X-RENDITION-REPORT"):
        uri = tag.attr("URI")
        if not uri:
            continue
        # an attribute left out has the value this playlist's own report would give (4.4.5.4)
        msn = as_int(tag.attr("LAST-MSN"))
        part = as_int(tag.attr("LAST-PART"))
        reports.append(ReportTag(uri, (own[0] if msn is None else msn,
                                       own[1] if part is None else part)))
    return Parts(as_float(info.attr("PART-TARGET")), can_block, last, previous, following,
                 tuple(reports))


def _edge(last_sequence: int, trailing: int, final: int,
          before: int) -> tuple[Position, Position, Position]:
    """The last position, the one before it and the one after it, from the parts of the
    segment being written (`trailing`), of the last complete segment (`final`) and of the
    one before that (`before`)."""
    if trailing:
        growing = last_sequence + 1
        previous: Position = ((growing, trailing - 2) if trailing > 1 else
                              (last_sequence, final - 1 if final else None))
        return (growing, trailing - 1), previous, (growing, trailing)
    if final:
        previous = ((last_sequence, final - 2) if final > 1 else
                    (last_sequence - 1, before - 1 if before else None))
        return (last_sequence, final - 1), previous, (last_sequence + 1, 0)
    return (last_sequence, None), (last_sequence - 1, None), (last_sequence + 1, None)


def compare(a: Position, b: Position) -> int:
    """-1, 0 or 1 as `a` comes before, at or after `b`; by sequence number alone when either
    has no part index."""
    first, second = a[1], b[1]
    if first is None or second is None:
        return (a[0] > b[0]) - (a[0] < b[0])
    return ((a[0], first) > (b[0], second)) - ((a[0], first) < (b[0], second))

def directives(key: str, wanted: Position) -> str:
    """The key of a playlist with the Delivery Directives that ask for `wanted` (6.2.5.2): its
    own query kept, any directive it carried replaced, every parameter in UTF-8 order (6.3.2,
    so that caches see one URL per request)."""
    path, _, query = key.partition("?")
    pairs = [p for p in query.split("&")
             if p and p.partition("=")[0] not in ("_HLS_msn", "_HLS_part")]
    pairs.append(f"_HLS_msn={wanted[0]}")
    if wanted[1] is not None:
        pairs.append(f"_HLS_part={wanted[1]}")
    pairs.sort(key=lambda p: p.partition("=")[0].encode())
    return f"{path}?{'&'.join(pairs)}"


def _name(position: Position) -> str:
    number = f"media sequence number {position[0]}"
    return number if position[1] is None else f"{number} part {position[1]}"


def blocking_findings(playlist: str, wanted: Position, answer: Parts | None,
                      last_sequence: int, ended: bool, elapsed: float,
                      target_duration: int | None, part_target: float) -> list[Finding]:
    """What is wrong with the answer to a blocking reload that asked for `wanted` and took
    `elapsed` seconds: the part missing from it (the server must hold the request until the
    playlist has it, or a later one), or the answer too late."""
    found = []
    if not ended and not holds(wanted, answer, last_sequence):
        have = answer.last if answer is not None else (last_sequence, None)
        found.append(finding(
            "blocking-reload-wrong-part",
            f"a blocking reload asking for {_name(wanted)} was answered with a playlist "
            f"that ends at {_name(have)}", playlist=playlist,
            observed=_name(have), expected=f"{_name(wanted)} or later"))
    limit = LATE_PARTS * part_target
    severity, over = Severity.WARNING, f"three Part Target Durations ({limit:g} s)"
    if target_duration and elapsed > LATE_TARGETS * target_duration:
        severity, over = Severity.ERROR, (
            f"three Target Durations ({LATE_TARGETS * target_duration:g} s), when the server "
            "should have given up with 503")
    if elapsed > limit:
        found.append(finding(
            "blocking-reload-late",
            f"a blocking reload asking for {_name(wanted)} was answered after {elapsed:.2f} s, "
            f"more than {over}", playlist=playlist, severity=severity,
            observed=f"{elapsed:.2f} s", expected=f"<= {limit:g} s"))
    return found


def holds(wanted: Position, answer: Parts | None, last_sequence: int) -> bool:
    """The answer has the part asked for, or a later one; a complete segment holds all of
    its parts (a part index past its last means part 0 of the next segment, 6.2.5.2, which
    the completed segment is taken to answer)."""
    if last_sequence >= wanted[0]:
        return True
    if answer is None or wanted[1] is None:
        return False
    return compare(answer.last, wanted) >= 0


@dataclass(frozen=True)
class Pending:
    """A rendition report waiting for the reported rendition's next reload."""

    playlist: str
    """The playlist that carries the report."""
    report: ReportTag
    floor: Position | None
    """The least the report may say: one part before what the reported rendition's own
    playlist said in the last reload before the report was asked for."""


def pending(playlist: str, report: ReportTag, before: Parts | None,
            before_sequence: int | None) -> Pending:
    """A report to check once the reported rendition is read again; `before` is that
    rendition's state from its last reload (None when it has not been read yet)."""
    if before is not None:
        floor: Position | None = before.previous
    elif before_sequence is not None:
        floor = (before_sequence - 1, None)
    else:
        floor = None
    return Pending(playlist, report, floor)


def report_findings(waiting: Pending, reported: str, after: Parts | None,
                    after_sequence: int) -> list[Finding]:
    """The finding when a rendition report is outside what the reported rendition's own
    playlist allows: no earlier than one part before its last reload before the report, no
    later than one part after its first reload after it. (The renditions of a title are
    updated in sync within one Part Target Duration, RFC 8216bis B.1; between the two reads,
    any value the rendition passed through is right.)"""
    ceiling: Position = after.following if after is not None else (after_sequence + 1, None)
    said = waiting.report.position
    low = waiting.floor is not None and compare(said, waiting.floor) < 0
    if not low and compare(said, ceiling) <= 0:
        return []
    between = (f"between {_name(waiting.floor)} and {_name(ceiling)}"
               if waiting.floor is not None else f"at most {_name(ceiling)}")
    return [finding(
        "rendition-report-wrong",
        f"EXT-X-RENDITION-REPORT for {waiting.report.uri} says {_name(said)}, but that "
        f"playlist's own reloads just before and after put its last part {between}",
        playlist=waiting.playlist, uri=reported, observed=_name(said), expected=between)]
