"""The JSON report is written piece by piece, and reads exactly as one `json.dumps` wrote it.

Streaming the pieces keeps a million-object report from being assembled twice in memory;
these tests pin that the bytes do not change for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from hlsinspect import inspect
from hlsinspect.render.json import error_report, render_json
from hlsinspect.render.output import write_json
from hlsinspect.report import ErrorInfo
from tests.conftest import FIXTURES


def dumped(data: object) -> str:
    """`json.dumps(data, indent=2)`, with each list of numbers on one line, as the report
    writes it (a title's per-segment durations and sizes would be a line a number)."""
    text = json.dumps(data, indent=2, allow_nan=False)
    number = r"(?:-?\d[\d.eE+-]*|null)"
    text = re.sub(rf"\[\n *({number}(?:,\n *{number})*)\n *\]",
                  lambda m: "[" + ", ".join(re.split(r",\n *", m.group(1))) + "]", text)
    return text + "\n"


def test_written_json_is_byte_for_byte_what_json_dumps_gives(tmp_path: Path, capsys):
    report = inspect([str(FIXTURES / "titles")])
    assert report.playlists and report.findings
    expected = dumped(report.to_dict())
    write_json(report, tmp_path / "r.json")
    assert (tmp_path / "r.json").read_text() == expected
    write_json(report, None)
    assert capsys.readouterr().out == expected
    assert render_json(report) == expected


def test_each_kind_of_document_reads_as_json_dumps_wrote_it(tmp_path: Path):
    """Empty lists, an error document, an interrupted one (its `incomplete` member last),
    a ladder with nested lists, and text that JSON escapes, one entry at a time."""
    odd = tmp_path / "odd \u00e9\u2028"
    odd.mkdir()
    (odd / "v.m3u8").write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\"quoted\\\" \u00e9\n"
        "seg\u00e9 \"1\".ts\n#EXT-X-ENDLIST\n")
    ladder = inspect([str(FIXTURES / "titles")])
    interrupted = replace(ladder, error=ErrorInfo("interrupted", "stopped", None))
    reports = [ladder, inspect([str(odd / "v.m3u8")]), interrupted,
               error_report(["s3://b/x/"], "no-playlist", "nothing \"here\"", "a hint"),
               replace(ladder, playlists=(), findings=())]
    for report in reports:
        data = report.to_dict()
        if report is interrupted:
            data["incomplete"] = True
        assert render_json(report) == dumped(data)
