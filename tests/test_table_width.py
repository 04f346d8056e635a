"""The ladder at the widths terminals have: columns drop, least useful first, never Status or
Playlist, and no cell but the Playlist's is ever cut.

The faulty title has a rendition group, a long external URI, a row with `3/4 (1 missing)` and
statuses of every length, so each width tests what a real ladder needs.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from hlsinspect.render.fit import fitted
from tests.conftest import FIXTURES
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


def _header(table) -> list[str]:
    return [str(column.header) for column in table.columns]


def test_room_left_by_a_wide_column_takes_back_a_narrower_one():
    rows = [{"Playlist": "p/index.m3u8", "Narrow": "4", "Wide": "x" * 40, "Status": "ok"}]
    columns = ["Playlist", "Narrow", "Wide", "Status"]
    # 12 + 6 + 40 + 6 and the rules: too wide for 60 with both, room for Narrow alone
    table = fitted("t", columns, rows, 60, ("Narrow", "Wide"))
    assert _header(table) == ["Playlist", "Narrow", "Status"]
    assert table.caption.startswith("hidden for width: Wide (")


def test_a_column_without_a_value_goes_first_and_stays_hidden():
    rows = [{"Playlist": "p/index.m3u8", "Useful": "1,000", "Empty": "-", "Status": "ok"},
            {"Playlist": "q/index.m3u8", "Useful": "2,000", "Status": "ok"}]
    columns = ["Playlist", "Useful", "Empty", "Status"]
    assert _header(fitted("t", columns, rows, 80, ("Useful", "Empty"))) == columns
    narrow = fitted("t", columns, rows, 36, ("Useful", "Empty"))
    assert _header(narrow) == ["Playlist", "Useful", "Status"]


def test_a_variant_without_a_measured_rate_says_why(cli, monkeypatch, tmp_path: Path):
    """A missing segment leaves its size, and so the bit rate, unknown: of the variant
    whose segment it is, and of every variant that plays that audio."""
    shutil.copytree(FIXTURES / "titles" / "ts-ladder", tmp_path / "t")
    (tmp_path / "t" / "stream_2" / "seg003.ts").unlink()
    (tmp_path / "t" / "stream_0" / "seg000.ts").unlink()
    monkeypatch.setenv("COLUMNS", "250")
    lines = cli("check", str(tmp_path / "t" / "master.m3u8")).stdout.splitlines()
    header = [cell.strip() for cell in next(x for x in lines if x.startswith("┃")).split("┃")]
    at, of = header.index("Playlist"), header.index("Measured")
    measured = {line.split("│")[at].strip(): line.split("│")[of].strip()
                for line in lines if line.startswith("│")}
    assert measured == {"stream_0/index.m3u8": "- (segment missing)",
                        "stream_1/index.m3u8": "- (audio segment missing)",
                        "stream_2/index.m3u8": "-"}
