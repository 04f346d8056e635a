"""The live view of `hlsinspect watch` on a terminal: one row per rendition, redrawn on stderr."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.live import Live
from rich.table import Table

from hlsinspect.render.terminal import ColorChoice, console

if TYPE_CHECKING:
    from hlsinspect.live.watch import Watch


class _View:
    """Rebuilt at each refresh, so the ages tick on between reloads."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch

    def __rich__(self) -> Table:
        table = Table(title="hlsinspect watch", title_justify="left")
        for column in ("rendition", "sequence", "window", "updated", "added", "removed",
                       "findings"):
            table.add_column(column, justify="left" if column == "rendition" else "right")
        now = self.watch.clock.monotonic()
        for item in list(self.watch.watched):
            last = item.state.last
            age = f"{now - item.updated:.1f} s ago" if item.updated is not None else "-"
            table.add_row(
                item.uri, str(last.last_sequence) if last else "-",
                f"{len(last.segments)}" + (" (ended)" if last and last.endlist else "")
                if last else "-",
                age, str(item.state.added_count), str(item.state.removed_count),
                str(item.findings))
        return table


@contextlib.contextmanager
def live_view(watch: Watch, enabled: bool, color: ColorChoice = "auto") -> Iterator[None]:
    """The view while the block runs, when `enabled` and stderr is a terminal; gone after."""
    if not (enabled and sys.stderr.isatty()):
        yield
        return
    with Live(_View(watch), console=console(sys.stderr, color=color), transient=True,
              refresh_per_second=4):
        yield
