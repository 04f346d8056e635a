"""The ladder at the widths terminals have: columns drop, least useful first, never Status or
Playlist, and no cell but the Playlist's is ever cut.

The faulty title has a rendition group, a long external URI, a row with `3/4 (1 missing)` and
statuses of every length, so each width tests what a real ladder needs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.faulty_title import faulty_title

STATUSES = ["5 errors", "1 error", "1 warning"]


def _ladder(cli, monkeypatch, tmp_path: Path, columns: int) -> tuple[list[str], str]:
    """The ladder table's header cells and its lines, at `columns` columns."""
    monkeypatch.setenv("COLUMNS", str(columns))
    text = cli("check", str(faulty_title(tmp_path))).stdout
    table = text.partition("Errors (")[0]
    header = next(line for line in table.splitlines() if line.startswith("┃"))
    return [cell.strip() for cell in header.strip("┃").split("┃")], table


@pytest.mark.parametrize(("columns", "shown"), [
    pytest.param(60, ["Playlist", "Present", "Status"], id="60"),
    pytest.param(80, ["Type", "GROUP-ID", "Playlist", "Present", "Status"], id="80"),
    pytest.param(100, ["Type", "GROUP-ID", "Playlist", "Present", "Status"], id="100"),
    pytest.param(120, ["Type", "GROUP-ID", "Playlist", "Bandwidth", "Present", "Status"],
                 id="120"),
])
def test_the_ladder_keeps_status_and_playlist_and_groups_late(cli, monkeypatch,
                                                              tmp_path: Path, columns: int,
                                                              shown: list[str]):
    header, table = _ladder(cli, monkeypatch, tmp_path, columns)
    assert header == shown
    assert max(len(line) for line in table.splitlines()) <= columns
    # every status whole, in a cell of its own: nothing cut mid-word
    cells = re.findall(r"│ ([^│]*?) *│$", table, re.MULTILINE)
    assert [c for c in cells if c not in ("-", "")] == STATUSES
    hidden = table.partition("hidden for width: ")[2].partition(" (widen")[0].split(", ")
    assert hidden.index("GROUP-ID") > hidden.index("Bandwidth") if "GROUP-ID" in hidden \
        else "GROUP-ID" in header


def test_a_narrow_table_folds_the_playlist_only(cli, monkeypatch, tmp_path: Path):
    _, table = _ladder(cli, monkeypatch, tmp_path, 60)
    rows = "".join(line.split("│")[1].strip() for line in table.splitlines()
                   if line.startswith("│"))
    assert "https://cdn.example.com/extra/index.m3u8" in rows
