"""How a command that makes a report ends: the report written where asked, then exit 0 or 1.

Every command that makes a report ends the same way, so CI reads their output alike: the
output files are tested before any work, and when no report can be made the document of the
format asked for (JSON, annotations, Code Quality, Markdown) and the JUnit file still come,
carrying the error, before the exit code 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from hlsinspect.cli.failures import guard
from hlsinspect.cli.options import Format
from hlsinspect.errors import HlsInspectError
from hlsinspect.report import Report, Severity

if TYPE_CHECKING:
    from hlsinspect.render.terminal import Terminal


def deliver(make: Callable[[], Report], targets: Sequence[str], *, output_format: Format,
            output: Path | None, junit: Path | None, debug: bool,
            terminal: Terminal | None = None,
            judged_by: Callable[[], Severity] = lambda: Severity.ERROR,
            shard: Callable[[], tuple[int, int] | None] = lambda: None,
            html: Path | None = None) -> NoReturn:
    """Make the report, write it (in `output_format`, and JUnit), exit by its verdict; when
    Ctrl-C or SIGTERM stops `make`, write the report of what it completed and exit 130 or 143.

    When `make` fails, the error document names `targets` and the threshold `judged_by`
    gives, as far as it can be known (a settings file that cannot be read knows none), and
    the shard it was (so `merge` knows which worker failed).
    """
    from hlsinspect.render.json import error_report
    from hlsinspect.render.output import (
        check_writable,
        write_error,
        write_html,
        write_junit,
        write_report,
    )
    from hlsinspect.render.terminal import PLAIN

    def on_error(exc: HlsInspectError) -> None:
        try:
            threshold = judged_by()
        except (HlsInspectError, ValueError):
            threshold = Severity.ERROR
        try:
            which = shard()
        except HlsInspectError:
            which = None
        failed = error_report(list(targets), exc.kind, exc.message, exc.hint, threshold, which)
        if exc.kind != "output":
            if junit is not None:
                write_junit(failed, junit)
            if html is not None:
                write_html(failed, html)
            write_error(failed, output_format, output)
            return
        # an output file cannot be written: each file that can be still is, and the
        # document goes to stdout when its own file is the one that cannot
        if junit is not None:
            with suppress(HlsInspectError):
                write_junit(failed, junit)
        try:
            write_error(failed, output_format, output)
        except HlsInspectError:
            write_error(failed, output_format, None)

    def checked() -> Report:
        check_writable(output, junit, html)
        return make()

    def written(report: Report) -> None:
        try:
            write_report(report, output_format, output, junit, terminal or PLAIN, html)
        except BrokenPipeError:
            # the reader stopped reading (`| head`): the verdict stands, and what is left
            # to write (and Python's last flush at exit) goes nowhere instead of failing
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    # stopped by Ctrl-C or SIGTERM: what was completed is written, in every format asked for
    report = guard(checked, debug, on_error, on_partial=written)
    guard(lambda: written(report), debug)
    raise typer.Exit(0 if report.ok else 1)
