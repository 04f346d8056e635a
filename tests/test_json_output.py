"""The JSON report is written piece by piece, and reads exactly as one `json.dumps` wrote it.

Streaming the pieces keeps a million-object report from being assembled twice in memory;
these tests pin that the bytes do not change for it.
"""

from __future__ import annotations

import json
from pathlib import Path

from hlsinspect import inspect
from hlsinspect.render.json import render_json
from hlsinspect.render.output import write_json
from tests.conftest import FIXTURES


def test_written_json_is_byte_for_byte_what_json_dumps_gives(tmp_path: Path, capsys):
    report = inspect([str(FIXTURES / "titles")])
    assert report.playlists and report.findings
    expected = json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n"
    write_json(report, tmp_path / "r.json")
    assert (tmp_path / "r.json").read_text() == expected
    write_json(report, None)
    assert capsys.readouterr().out == expected
    assert render_json(report) == expected
