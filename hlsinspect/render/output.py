"""Where a report goes: stdout or --output FILE, plus --junit FILE; failures are one line.

Files are written with backslash escapes for undecodable names, so no path on disk can make
the output step crash after the inspection has been done.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from hlsinspect.errors import OutputError
from hlsinspect.render.json import json_chunks
from hlsinspect.render.junit import render_junit
from hlsinspect.render.terminal import PLAIN, Terminal, console, emit
from hlsinspect.report import Report


def check_writable(*paths: Path | None) -> None:
    """Fail before inspecting, not after, when an output file cannot be written."""
    for path in paths:
        if path is None:
            continue
        if path.is_dir():
            raise OutputError(f"cannot write {path}: it is a directory")
        if not path.parent.is_dir():
            raise OutputError(f"cannot write {path}: no directory {path.parent}",
                              hint="create the directory first")


def _write(path: Path, text: str | Iterable[str]) -> None:
    try:
        with path.open("w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.writelines([text] if isinstance(text, str) else text)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc


def write_junit(report: Report, path: Path) -> None:
    _write(path, render_junit(report))


def write_json(report: Report, output: Path | None) -> None:
    chunks = json_chunks(report)
    if output is None:
        sys.stdout.writelines(chunks)
    else:
        _write(output, chunks)


def write_table(report: Report, output: Path | None, width: int | None = None,
                terminal: Terminal = PLAIN) -> None:
    from hlsinspect.render.table import render_table

    if output is None:
        out = console(sys.stdout, width, terminal.color)
        emit(out, render_table(report, out.width, quiet=terminal.quiet))
        return
    try:
        with output.open("w", encoding="utf-8", errors="backslashreplace") as handle:
            out = console(handle, 160, terminal.color)
            emit(out, render_table(report, quiet=terminal.quiet))
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror}") from exc


def write_report(report: Report, as_json: bool, output: Path | None, junit: Path | None,
                 terminal: Terminal = PLAIN) -> None:
    if junit is not None:
        write_junit(report, junit)
    if as_json:
        write_json(report, output)
    else:
        write_table(report, output, terminal=terminal)
