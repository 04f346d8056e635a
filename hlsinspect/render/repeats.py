"""What keeps a table of many titles on a screen: which ladders to draw, and one entry for a
finding that every title repeats.

A prefix of 300 titles made by one transcoder tends to carry the same advice in each (the
same EXT-X-VERSION note, the same missing CHANNELS): printed per title it buries the one
title that is damaged. Such a finding (same code, same message once its own paths are taken
out) found in more than `REPEAT_LIMIT` playlists is told once, with its count and the first
few playlists; the JSON report still has every one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from hlsinspect.report import Finding, PlaylistReport, Severity

Ladders = Literal["all", "failing", "none"]
LADDERS_ALL_UP_TO = 20
"""Titles up to which every ladder is drawn by default; above it only failing ones."""
REPEAT_LIMIT = 5
"""Playlists a finding may repeat in before it is told once with a count."""
REPEAT_SHOWN = 3
"""Playlists named in the entry of a repeated finding."""


def ladders_for(titles: int, chosen: Ladders | None) -> Ladders:
    """`--ladders`, or its default for this many titles (all for a screenful, else failing)."""
    if chosen is not None:
        return chosen
    return "all" if titles <= LADDERS_ALL_UP_TO else "failing"


def failing(playlists: Iterable[PlaylistReport],
            by_playlist: dict[str | None, list[Finding]]) -> bool:
    """Whether a title (its playlists) has an error or a warning, or a playlist not read."""
    for p in playlists:
        if p.load_status != "ok":
            return True
        if any(f.severity is not Severity.INFO for f in by_playlist.get(p.uri, ())):
            return True
    return False


def repeat_key(finding: Finding) -> tuple[str, str, str]:
    """What makes two findings the same apart from where they are: the code, the severity
    and the message with the finding's own playlist and object taken out."""
    message = finding.message
    for path in (finding.uri, finding.playlist):
        if path:
            message = message.replace(path, "<path>")
    return finding.code, finding.severity.value, message


def repeated(findings: Sequence[Finding]) -> set[tuple[str, str, str]]:
    """The keys of findings that repeat in more than REPEAT_LIMIT playlists."""
    places: dict[tuple[str, str, str], set[str | None]] = {}
    for f in findings:
        places.setdefault(repeat_key(f), set()).add(f.playlist)
    return {key for key, where in places.items() if len(where) > REPEAT_LIMIT}


def where(finding: Finding) -> str:
    """A finding's place in the one form the table uses: PLAYLIST:LINE, else PLAYLIST."""
    if finding.playlist and finding.line:
        return f"{finding.playlist}:{finding.line}"
    return finding.playlist or finding.uri or ""


def summary_lines(items: Sequence[Finding]) -> list[str]:
    """Where a repeated finding is: the first few places, one a line (paths are long), and
    how many more."""
    places = list(dict.fromkeys(where(f) for f in items))
    more = len(places) - REPEAT_SHOWN
    return [f"at {place}" for place in places[:REPEAT_SHOWN]] + (
        [f"... and {more} more (all of them are in --format json)"] if more > 0 else [])
