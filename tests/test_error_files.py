"""The files a CI job reads are written however a run fails: a usage error (`--bogus`,
`--concurrency 0`), or an output file that cannot be written.

docs/ci.md's recipes publish `--output FILE` and `--junit FILE` after every run; a missing file
would hide the error behind "file not found" in the CI service.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DIR

USAGE_ERRORS = [
    pytest.param(["check", str(SAMPLE_DIR), "--bogus"], "--bogus", id="unknown-option"),
    pytest.param(["check", str(SAMPLE_DIR), "--concurrency", "0"], "--concurrency",
                 id="out-of-range"),
    pytest.param(["check", str(SAMPLE_DIR), "--rules", "nope"], "--rules", id="bad-choice"),
    pytest.param(["check"], "TARGET", id="no-target"),
    pytest.param(["merge", "--fail-on", "never"], "--fail-on", id="merge-bad-choice"),
]


def _junit_error(path: Path) -> str:
    [case] = ET.parse(path).getroot().iter("testcase")
    [error] = case.iter("error")
    return error.get("message", "")


@pytest.mark.parametrize(("args", "words"), USAGE_ERRORS)
def test_a_usage_error_writes_the_output_and_junit_files(cli, tmp_path: Path, args, words):
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    run = cli(*args, "--format", "json", "--output", str(report), "--junit", str(junit))
    assert (run.exit_code, run.stdout) == (2, "")
    error = json.loads(report.read_text())["error"]
    assert error["kind"] == "usage" and words in error["message"]
    assert words in _junit_error(junit)


@pytest.mark.parametrize("spelling", [
    pytest.param(["--output={}"], id="long-equals"),
    pytest.param(["-o", "{}"], id="short"),
    pytest.param(["-o{}"], id="short-joined"),
])
def test_every_spelling_of_output_is_honoured(cli, tmp_path: Path, spelling: list[str]):
    report = tmp_path / "report.md"
    run = cli("check", str(SAMPLE_DIR), "--bogus", "--format=markdown",
              *(part.format(report) for part in spelling))
    assert (run.exit_code, run.stdout) == (2, "")
    assert "**ERROR** nothing could be inspected (usage)" in report.read_text()


def test_a_usage_error_with_the_table_format_still_writes_junit(cli, tmp_path: Path):
    junit = tmp_path / "junit.xml"
    run = cli("check", str(SAMPLE_DIR), "--junit", str(junit), "--concurrency", "0")
    assert run.exit_code == 2 and "--concurrency" in run.stderr
    assert "--concurrency" in _junit_error(junit)


@pytest.mark.parametrize("fmt", ["json", "github", "gitlab", "markdown"])
def test_an_unwritable_junit_path_leaves_the_document_on_stdout(cli, fmt: str):
    run = cli("check", str(SAMPLE_DIR), "--format", fmt, "--junit", "/nonexistent/x.xml")
    assert run.exit_code == 2
    assert "cannot write /nonexistent/x.xml" in run.stderr
    if fmt == "json":
        assert run.json["error"]["kind"] == "output"
        assert "/nonexistent/x.xml" in run.json["error"]["message"]
    elif fmt == "gitlab":
        [issue] = json.loads(run.stdout)
        assert issue["check_name"] == "hlsinspect-output"
    elif fmt == "github":
        assert run.stdout.startswith("::error title=hlsinspect could not inspect (output)::")
    else:
        assert "nothing could be inspected (output)" in run.stdout


def test_an_unwritable_output_path_still_writes_junit_and_prints_the_document(
        cli, tmp_path: Path):
    junit = tmp_path / "junit.xml"
    run = cli("check", str(SAMPLE_DIR), "--format", "json", "--output", "/nonexistent/r.json",
              "--junit", str(junit))
    assert run.exit_code == 2
    assert run.json["error"]["kind"] == "output"
    assert "/nonexistent/r.json" in _junit_error(junit)


def test_the_table_format_keeps_its_one_error_line(cli):
    run = cli("check", str(SAMPLE_DIR), "--junit", "/nonexistent/x.xml")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.startswith("hlsinspect: error: cannot write /nonexistent/x.xml")


@pytest.mark.parametrize("option", ["--junit", "--output", "--html"])
def test_a_dash_is_no_file_name(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               option: str):
    """`--junit -` wrote a file named '-' in the working directory without a word."""
    monkeypatch.chdir(tmp_path)
    run = cli("check", str(SAMPLE_DIR), option, "-")
    assert run.exit_code == 2
    assert run.stderr.splitlines() == [
        "hlsinspect: error: cannot write '-': a file name is needed",
        "hint: name a file; /dev/stdout writes to standard output"]
    assert list(tmp_path.iterdir()) == []


def test_a_usage_error_writes_each_file_that_can_be_written(cli, tmp_path: Path):
    report = tmp_path / "report.json"
    run = cli("check", str(SAMPLE_DIR), "--bogus", "--junit", "/nonexistent/j.xml",
              "--format", "json", "-o", str(report))
    assert (run.exit_code, run.stdout) == (2, "")
    assert "cannot write /nonexistent/j.xml" in run.stderr
    assert json.loads(report.read_text())["error"]["kind"] == "usage"


@pytest.mark.parametrize("command", ["check", "merge"])
def test_a_command_with_nothing_after_it_is_a_usage_error(command: str):
    """`hlsinspect check $TARGETS` with the variable empty: one error line and exit 2, never
    a traceback or an exit code a CI script takes for findings."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "hlsinspect", command], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("hlsinspect: error: Missing argument")
    assert "Traceback" not in done.stderr
