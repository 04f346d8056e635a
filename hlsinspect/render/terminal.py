"""How the table report meets a terminal, a pipe or a file: colour, width, clean lines.

`--color auto` colours a terminal and leaves pipes and files plain, `always` colours even a
pipe (CI logs that render ANSI), `never` writes no escape sequence at all; in auto mode a
set `NO_COLOR` (https://no-color.org) means never, as the convention asks. Every line is
written without trailing spaces, which rich leaves where it pads a title or wraps a line:
they turn up in diffs and in `grep ' $'` of a CI log.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TextIO

from hlsinspect.render.visible import inert_lines

if TYPE_CHECKING:  # rich is imported when a console is made: a JSON run writes none
    from rich.console import Console, RenderableType

ColorChoice = Literal["auto", "always", "never"]

_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)
"""Blanks at the end of a line, before any closing SGR escapes that follow them."""


@dataclass(frozen=True)
class Terminal:
    """What --color and --quiet ask of the table report."""

    color: ColorChoice = "auto"
    quiet: bool = False
    """Verdict and findings only: no ladder or playlist tables, no progress bar."""
    ladders: Literal["all", "failing", "none"] | None = None
    """Which titles' tables are drawn (--ladders); None: all for a screenful of titles,
    else only those with an error or a warning."""


PLAIN = Terminal()
"""The defaults: colour on terminals only (and not under NO_COLOR), every table shown."""


def colored(choice: ColorChoice, stream: TextIO) -> bool:
    """Whether output to `stream` carries colour under `choice` and the environment."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def console(stream: TextIO, width: int | None = None, color: ColorChoice = "auto") -> Console:
    """A console writing to `stream`: markup off (URIs are data, not rich markup); wide on
    pipes unless COLUMNS says otherwise; styled only when `colored` says so."""
    from rich.console import Console

    is_tty = hasattr(stream, "isatty") and stream.isatty()
    if width is None and not is_tty and not os.environ.get("COLUMNS"):
        width = 160  # CI logs: do not fold URIs at 80 columns
    if colored(color, stream):
        return Console(file=stream, width=width, highlight=False, markup=False,
                       force_terminal=True, no_color=False)
    # no colour system: rich writes no SGR escape at all, not even bold (NO_COLOR alone
    # would keep those); a terminal stays a terminal, so a progress bar still animates
    return Console(file=stream, width=width, highlight=False, markup=False,
                   color_system=None)


def emit(target: Console, renderable: RenderableType) -> None:
    """Print `renderable` on `target`, every line stripped of trailing blanks, and none
    starting with `::`, whatever wrapping put there (see render/visible.py)."""
    with target.capture() as captured:
        target.print(renderable)
    target.file.write(inert_lines(_TRAILING.sub(r"\1", captured.get())))
    target.file.flush()
