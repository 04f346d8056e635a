"""GitHub-flavoured Markdown: the verdict, the ladders and the findings, for a job summary
(`$GITHUB_STEP_SUMMARY`) or a merge-request comment.

The rows are the table format's own (render/table.py), so both show the same facts. Cell text
is escaped for a GFM table: `|` and Markdown's punctuation are backslash-escaped, `<` and `&`
cannot start HTML, and a newline becomes `<br>`, so no value can break a row. Paths are local
to the workspace when they are files there, as in the github and gitlab formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from hlsinspect.render.places import place
from hlsinspect.render.visible import inert_lines, visible_report
from hlsinspect.report import Finding, Report

ROWS_SHOWN = 500
"""Findings listed before the rest are counted: GitHub takes at most 1 MiB of summary per step."""

_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~#!])")


def cell(text: object) -> str:
    """Plain text made safe for one table cell."""
    escaped = _PUNCTUATION.sub(r"\\\1", str(text).replace("&", "&amp;"))
    return re.sub(r"\r\n|\r|\n", "<br>", escaped)


def code(text: str) -> str:
    """`text` as a code span in a table cell (longer fences when it holds backticks)."""
    text = re.sub(r"[\r\n]+", " ", text).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[str]:
    """A GFM table of cells already escaped."""
    yield "| " + " | ".join(cell(c) for c in columns) + " |\n"
    yield "|" + "---|" * len(columns) + "\n"
    for row in rows:
        yield "| " + " | ".join(row) + " |\n"


def verdict_line(report: Report) -> str:
    from hlsinspect.render.table import verdict

    first, *rest = verdict(report).plain.splitlines()
    status, _, words = first.partition("  ")
    return f"**{status}** " + cell("; ".join([words.strip(), *(line.strip() for line in rest)]))


def _playlist_tables(report: Report, root: Path) -> Iterator[str]:
    from hlsinspect.render.table import (
        arrangement,
        ladder_columns,
        ladder_rows,
        media_columns,
        media_rows,
    )

    by_playlist, children, standalone = arrangement(report)
    for master in (p for p in report.playlists if p.kind == "multivariant"):
        rows = ladder_rows(master, children, by_playlist, measured=report.timeline is None)
        columns = ladder_columns(rows)
        yield f"\n### Ladder of {code(place(master.uri, root))}\n\n"
        yield from table(columns, [[code(str(row[c])) if c == "Playlist" else
                                    cell(row.get(c, "-")) for c in columns] for row in rows])
    if standalone:
        title, rows = media_rows(standalone, by_playlist)
        base = title.partition(" in ")[2]
        yield f"\n### Media playlists{' in ' + code(place(base, root)) if base else ''}\n\n"
        columns = media_columns(rows)
        yield from table(columns, [[code(str(row[c])) if c == "Playlist" else
                                    cell(row.get(c, "-")) for c in columns] for row in rows])


def _finding_row(f: Finding, root: Path) -> list[str]:
    where = place(f.playlist, root)
    message = f.message + (f" ({f.reference})" if f.reference else "")
    return [cell(f.severity.value), cell(f"{f.code} {f.name}"),
            code(where + (f":{f.line}" if f.line else "")) if where else "-",
            code(place(f.uri, root)) if f.uri and f.uri != f.playlist else "-",
            cell(message + (f"\nfix: {f.hint}" if f.hint else ""))]


def markdown_chunks(report: Report, root: Path) -> Iterator[str]:
    """The document, in whole lines none of which starts with `::`; a run that inspected
    nothing (exit code 2) is its error and hint."""
    for chunk in _chunks(report, root):
        yield inert_lines(chunk)


def _chunks(report: Report, root: Path) -> Iterator[str]:
    report = visible_report(report)  # keys with control characters break no row or line
    yield "## hlsinspect\n\n"
    if report.error is not None:
        error = report.error
        yield f"**ERROR** nothing could be inspected ({cell(error.kind)}): {cell(error.message)}\n"
        if error.hint:
            yield f"\nhint: {cell(error.hint)}\n"
        return
    yield verdict_line(report) + "\n"
    yield from _playlist_tables(report, root)
    if report.findings:
        yield f"\n### Findings ({len(report.findings)})\n\n"
        shown = report.findings[:ROWS_SHOWN]
        yield from table(["Severity", "Rule", "Playlist", "Object", "Message"],
                         [_finding_row(f, root) for f in shown])
        if len(shown) < len(report.findings):
            yield (f"\n... and {len(report.findings) - len(shown)} more findings "
                   "(all of them are in --format json)\n")
