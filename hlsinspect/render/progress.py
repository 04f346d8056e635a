"""A progress bar on stderr while objects are verified (terminals only)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from hlsinspect.progress import Progress as RunProgress
from hlsinspect.render.terminal import ColorChoice, console


class _Bar(RunProgress):
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.total = 0

    def expect(self, count: int) -> None:
        self.total += count
        if self.task is None:
            self.task = self.progress.add_task("verifying objects", total=self.total)
        else:
            self.progress.update(self.task, total=self.total)

    def advance(self, count: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, count)

    def finish(self) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None


@contextlib.contextmanager
def progress_bar(enabled: bool, color: ColorChoice = "auto") -> Iterator[RunProgress | None]:
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console(sys.stderr, color=color), transient=True) as progress:
        yield _Bar(progress)
