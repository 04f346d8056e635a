"""`hlsinspect rules` for people: a table when there is room, a list when there is not."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from hlsinspect.checks.registry import Rule


def render_rules(rules: list[Rule], width: int) -> RenderableType:
    if width >= 120:
        table = Table(title="hlsinspect rules", title_justify="left")
        for column in ("Code", "Name", "Severity"):
            table.add_column(column, no_wrap=True)
        table.add_column("Summary")
        table.add_column("Reference")
        for r in rules:
            table.add_row(r.code, r.name, r.severity.value, r.summary, r.reference)
        return table
    parts: list[RenderableType] = []
    for r in rules:
        parts.append(Text.assemble((f"{r.code} {r.name}", "bold"), f"  {r.severity.value}",
                                   ("" if r.reference == "-" else f"  ({r.reference})", "dim")))
        parts.append(Padding(Text(r.summary), (0, 0, 0, 4), expand=False))
    return Group(*parts)
