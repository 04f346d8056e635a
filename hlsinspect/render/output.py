"""Where a report goes, in the format asked for: stdout or --output FILE, plus --junit FILE;
failures are one line.

Files are written with backslash escapes for undecodable names, so no path on disk can make
the output step crash after the inspection has been done; and whole or not at all, into a
temporary file beside them that is renamed over them at the end, so a failure while writing
never leaves a truncated report where CI looks for one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TextIO

from hlsinspect.errors import OutputError
from hlsinspect.render.formats import OutputFormat, assert_never
from hlsinspect.render.json import json_chunks
from hlsinspect.render.junit import render_junit
from hlsinspect.render.places import workspace
from hlsinspect.render.terminal import PLAIN, Terminal, console, emit
from hlsinspect.report import Report


def check_writable(*paths: Path | None) -> None:
    """Fail before inspecting, not after, when an output file cannot be written."""
    for path in paths:
        if path is None:
            continue
        _named(path)
        if path.is_dir():
            raise OutputError(f"cannot write {path}: it is a directory")
        if not path.parent.is_dir():
            raise OutputError(f"cannot write {path}: no directory {path.parent}",
                              hint="create the directory first")


@contextmanager
def _replacing(path: Path) -> Iterator[TextIO]:
    """A handle whose text becomes `path` when the block ends well; otherwise `path` stays
    as it was. A device or a pipe (`--output /dev/stdout`) is written directly."""
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8", errors="backslashreplace") as handle:
            yield handle
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", errors="backslashreplace") as handle:
            yield handle
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _named(path: Path) -> None:
    """'-' is no file name here (standard output is the report's): never a file named '-'."""
    if str(path) == "-":
        raise OutputError("cannot write '-': a file name is needed",
                          hint="name a file; /dev/stdout writes to standard output")


def _write(path: Path, text: str | Iterable[str]) -> None:
    _named(path)
    try:
        with _replacing(path) as handle:
            handle.writelines([text] if isinstance(text, str) else text)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc


def write_junit(report: Report, path: Path) -> None:
    _write(path, render_junit(report))


def _emit(chunks: Iterable[str], output: Path | None) -> None:
    if output is None:
        sys.stdout.writelines(chunks)
    else:
        _write(output, chunks)


def write_json(report: Report, output: Path | None) -> None:
    _emit(json_chunks(report), output)


TextFormat = Literal[OutputFormat.json, OutputFormat.github, OutputFormat.gitlab,
                     OutputFormat.markdown, OutputFormat.html]
"""Every format but the table, which rich draws to the width of its console."""


def document(report: Report, output_format: TextFormat, root: Path) -> Iterable[str]:
    """The report in a format made of text; `root` is the workspace that paths in CI
    annotations are relative to."""
    from hlsinspect.render.github import github_lines
    from hlsinspect.render.gitlab import gitlab_chunks
    from hlsinspect.render.markdown import markdown_chunks

    if output_format is OutputFormat.json:
        return json_chunks(report)
    if output_format is OutputFormat.github:
        return github_lines(report, root)
    if output_format is OutputFormat.gitlab:
        return gitlab_chunks(report, root)
    if output_format is OutputFormat.markdown:
        return markdown_chunks(report, root)
    if output_format is OutputFormat.html:
        from hlsinspect.render.html import render_html

        return [render_html(report)]
    assert_never(output_format)


def write_html(report: Report, path: Path) -> None:
    """The self-contained HTML page (--html FILE), beside whatever --format writes."""
    from hlsinspect.render.html import render_html

    _write(path, render_html(report))


def write_table(report: Report, output: Path | None, width: int | None = None,
                terminal: Terminal = PLAIN) -> None:
    from hlsinspect.render.table import render_table

    if output is None:
        out = console(sys.stdout, width, terminal.color)
        emit(out, render_table(report, out.width, quiet=terminal.quiet,
                               ladders=terminal.ladders))
        return
    try:
        with _replacing(output) as handle:
            out = console(handle, 160, terminal.color)
            emit(out, render_table(report, quiet=terminal.quiet, ladders=terminal.ladders))
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror}") from exc


def write_report(report: Report, output_format: OutputFormat, output: Path | None,
                 junit: Path | None, terminal: Terminal = PLAIN,
                 html: Path | None = None) -> None:
    if junit is not None:
        write_junit(report, junit)
    if html is not None:
        write_html(report, html)
    if output_format is OutputFormat.table:
        write_table(report, output, terminal=terminal)
    else:
        _emit(document(report, output_format, workspace()), output)


def write_error(report: Report, output_format: OutputFormat, output: Path | None) -> None:
    """The report of a run that inspected nothing, in every format but the table (whose
    reader has the error line on stderr)."""
    if output_format is not OutputFormat.table:
        _emit(document(report, output_format, workspace()), output)
