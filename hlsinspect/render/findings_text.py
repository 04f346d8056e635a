"""The findings of the table report, by severity: each with its place in one form
(`at PLAYLIST:LINE`), its fix once per run, long runs of one finding (400 missing segments)
shown as a few examples and a count, and a finding many playlists repeat told once
(render/repeats.py). The JSON report always has them all.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from rich.console import RenderableType
from rich.padding import Padding
from rich.text import Text

from hlsinspect.render.repeats import repeat_key, repeated, summary_lines, where
from hlsinspect.report import Finding, Severity

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_HEADING = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Info"}
_RUN_SHOWN = 3
"""Findings of one rule in one playlist shown before the rest are counted."""
_RUN_LIMIT = 5


def findings_text(findings: list[Finding]) -> list[RenderableType]:
    """Findings by severity, each with its URI on a line of its own so it can be copied; a
    finding repeated in many playlists is told once (render/repeats.py)."""
    parts: list[RenderableType] = []
    folded = repeated(findings)
    told: set[tuple[str, str, str]] = set()
    for severity in Severity:
        group = [f for f in findings if f.severity is severity]
        if not group:
            continue
        parts.append(Text(f"{_HEADING[severity]} ({len(group)})", style=STYLE[severity]))
        fixed: set[str] = set()
        same: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
        for f in group:
            if repeat_key(f) in folded:
                same[repeat_key(f)].append(f)
        for (name, playlist), run in groupby(group, key=lambda f: (f.name, f.playlist)):
            items: list[Finding] = []
            for f in run:
                key = repeat_key(f)
                if key not in folded:
                    items.append(f)
                elif key not in told:  # told once, where it first occurs
                    told.add(key)
                    parts.extend(_repeat(f, same[key]))
            if items:
                parts.extend(_run(name, playlist, items, fixed))
    return parts


def _run(name: str, playlist: str | None, items: list[Finding],
         fixed: set[str]) -> list[RenderableType]:
    """One rule's findings in one playlist: a few, then a count of the rest."""
    parts: list[RenderableType] = []
    severity = items[0].severity
    shown = items if len(items) <= _RUN_LIMIT else items[:_RUN_SHOWN]
    hints = [h for h in dict.fromkeys(f.hint for f in items if f.hint) if h not in fixed]
    fixed.update(hints)
    for number, f in enumerate(shown):
        parts.extend(_finding(f))
        if number == 0 and hints:  # a fix once, under the first finding it fixes
            parts.append(_fix(hints))
    if len(shown) < len(items):
        parts.append(Text(f"      ... and {len(items) - len(shown)} more {name} in "
                          f"{playlist}{_extent(items[len(shown):])} (all of them are "
                          "in --format json)", style=STYLE[severity]))
    return parts


def _fix(hints: list[str]) -> RenderableType:
    return Padding(Text("fix: " + "; or ".join(hints[:2]), style="dim"), (0, 0, 0, 6),
                   expand=False)


def _repeat(first: Finding, items: list[Finding]) -> list[RenderableType]:
    """A finding repeated across many playlists, told once: count, message, fix, where."""
    places = len({f.playlist for f in items})
    head = Text.assemble("  ", (f"{first.code} {first.name}", STYLE[first.severity]),
                         f"  {len(items)} times in {places} playlists")
    message = f"{first.message} ({first.reference})" if first.reference else first.message
    parts: list[RenderableType] = [head, Padding(Text(message), (0, 0, 0, 6), expand=False)]
    if first.hint:
        parts.append(_fix([first.hint]))
    parts.extend(Padding(Text(line, style="dim"), (0, 0, 0, 6), expand=False)
                 for line in summary_lines(items))
    return parts


def _extent(items: list[Finding]) -> str:
    """Where a long run of one finding lies: its first and last line and object."""
    lines = [f.line for f in items if f.line is not None]
    names = [f.uri.rpartition("/")[2] for f in items if f.uri]
    where = f", lines {min(lines)}-{max(lines)}" if lines else ""
    return where + (f" ({names[0]} to {names[-1]})" if len(names) > 1 else "")


def _finding(f: Finding) -> list[RenderableType]:
    head = Text.assemble("  ", (f"{f.code} {f.name}", STYLE[f.severity]))
    if f.uri or f.playlist:
        head.append(f"  {f.uri or f.playlist}")
    message = f"{f.message} ({f.reference})" if f.reference else f.message
    lines: list[RenderableType] = [head, Padding(Text(message), (0, 0, 0, 6), expand=False)]
    # one form wherever the finding is: `at PLAYLIST:LINE` (or `at PLAYLIST`, when the
    # head names another object), so a line can be copied into an editor as it is
    if f.playlist and (f.line or (f.uri and f.uri != f.playlist)):
        lines.append(Padding(Text(f"at {where(f)}", style="dim"), (0, 0, 0, 6), expand=False))
    if f.count is not None:  # hlsinspect watch: one finding over many reloads
        seen = (f"seen once, at {_clock(f.first_seen)}" if f.count == 1 else
                f"seen {f.count} times, {_clock(f.first_seen)} to {_clock(f.last_seen)}")
        lines.append(Padding(Text(seen, style="dim"), (0, 0, 0, 6), expand=False))
    return lines


def _clock(moment: str | None) -> str:
    """The time of day of an ISO 8601 moment (UTC), to the second."""
    return f"{moment[11:19]} UTC" if moment and len(moment) >= 19 else "?"
