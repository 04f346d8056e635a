"""Golden files: one report, in every format, byte for byte.

The report is the faulty title's (tests/faulty_title.py: errors, a warning and infos),
inspected on disk, read back from its JSON and rendered in each format. Only what varies
between machines is normalised before rendering: the checkout's directory becomes
/checkout (the workspace the CI formats are relative to) and the version becomes <version>.
The table is drawn 120 columns wide without colour.

After an intended change of output, rewrite the files and review their diff:

    pytest tests/test_golden.py --update-golden
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hlsinspect.render.formats import OutputFormat
from hlsinspect.render.junit import render_junit
from hlsinspect.render.output import document, write_table
from hlsinspect.report import Report
from tests.faulty_title import faulty_title

GOLDEN = Path(__file__).resolve().parent / "golden"
CHECKOUT = Path("/checkout")

FILES = {
    "table": "report.txt",
    "json": "report.json",
    "junit": "report.junit.xml",
    "github": "report.github.txt",
    "gitlab": "report.gitlab.json",
    "markdown": "report.md",
}


@pytest.fixture()
def report(cli, tmp_path: Path) -> Report:
    master = faulty_title(tmp_path)
    run = cli("check", str(master), "--format", "json")
    assert run.exit_code == 1
    text = run.stdout.replace(str(tmp_path), str(CHECKOUT))
    data = json.loads(text)
    data["tool"]["version"] = "<version>"
    return Report.from_dict(data)


def rendered(report: Report, name: str, capsys: pytest.CaptureFixture[str]) -> str:
    if name == "junit":
        return render_junit(report, CHECKOUT)
    if name == "table":
        write_table(report, None)
        return capsys.readouterr().out
    return "".join(document(report, OutputFormat(name), CHECKOUT))


@pytest.mark.parametrize("name", list(FILES))
def test_golden(report: Report, name: str, capsys, monkeypatch, update_golden: bool):
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    text = rendered(report, name, capsys)
    golden = GOLDEN / FILES[name]
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(text.encode())
    assert golden.read_bytes() == text.encode(), (
        f"{golden.name} differs: pytest tests/test_golden.py --update-golden rewrites it")
