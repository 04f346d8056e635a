"""Tables that fit the terminal: columns dropped, least useful first, instead of every cell
folded, and only the Playlist column folded, so no status or count is ever cut mid-word."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

Rows = list[dict[str, str | Text]]

_FOLDED = 20
"""Columns a long Playlist folds to before the columns dropped last are dropped."""


def fitted(title: str, columns: list[str], rows: Rows, width: int,
           droppable: tuple[str, ...], last: tuple[str, ...] = ()) -> Table:
    """A table of `rows` that fits `width`: drop `droppable` columns, in order, while the
    table is wider than `width` (those with no value in any row first; then take back,
    most useful first, those the room left allows), then the `last` ones while it would
    still be wider with the Playlist column folded to _FOLDED. Status and Playlist are never
    dropped.

    Cells never wrap one character at a time; only the Playlist column folds, to what the
    columns shown leave it, so no other cell is ever cut.
    """
    def natural(column: str) -> int:
        return max([len(column)] + [len(str(row.get(column, "-"))) for row in rows])

    def needed(playlist: int, among: list[str] | None = None) -> int:
        return sum((playlist if c == "Playlist" else natural(c)) + 3
                   for c in (shown if among is None else among)) + 1

    shown = list(columns)
    # a column with no value in any row goes first, whatever its rank
    empty = [c for c in droppable if all(str(row.get(c, "-")) in ("-", "") for row in rows)]
    for column in [*empty, *droppable]:
        if needed(natural("Playlist")) <= width:
            break
        if column in shown:
            shown.remove(column)
    # a wide column dropped may have made room for a narrower, more useful one dropped first
    for column in reversed(droppable):
        if column in columns and column not in shown and column not in empty:
            widened = [c for c in columns if c in shown or c == column]
            if needed(natural("Playlist"), widened) <= width:
                shown = widened
    for column in last:
        if needed(min(natural("Playlist"), _FOLDED)) <= width:
            break
        if column in shown:
            shown.remove(column)
    left = width - needed(0)  # what the other columns leave the Playlist column
    hidden = [c for c in (*droppable, *last) if c in columns and c not in shown]
    caption = (f"hidden for width: {', '.join(hidden)} (widen the terminal or use --format "
               "json)" if hidden else None)
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    for column in shown:
        if column == "Playlist":
            table.add_column(column, overflow="fold",
                             min_width=max(8, min(natural(column), left)))
        else:
            table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(*(row.get(c, "-") for c in shown))
    return table
