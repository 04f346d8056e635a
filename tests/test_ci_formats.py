"""--format github, gitlab and markdown: what GitHub Actions, GitLab and a job summary read.

Each is checked on a real title with faults of every severity, on S3 over HTTP, and for a run
that inspected nothing (exit code 2), which still gives a document in the format asked for.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from hlsinspect.render.github import command
from hlsinspect.render.markdown import cell, code
from tests.conftest import BUCKET, S3, SAMPLE_DIR, SAMPLE_KEY
from tests.faulty_title import COUNTS, EXTERNAL_SEGMENT, faulty_title

FORMATS = ["json", "github", "gitlab", "markdown"]


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout holding the faulty title, which CI names as its workspace."""
    root = tmp_path / "checkout"
    root.mkdir()
    for name in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        monkeypatch.setenv(name, str(root))
    return root


@pytest.mark.parametrize(("properties", "message", "expected"), [
    pytest.param({"title": "HLS010 segment-missing"}, "plain", "::error title=HLS010 "
                 "segment-missing::plain", id="plain"),
    pytest.param({"title": "a:b,c", "file": "x,y.m3u8", "line": 3}, "50% done\r\nnext",
                 "::error title=a%3Ab%2Cc,file=x%2Cy.m3u8,line=3::50%25 done%0D%0Anext",
                 id="escaped"),
    pytest.param({"title": "t", "file": None}, "a::b", "::error title=t::a::b",
                 id="colons-stay-in-the-message"),
])
def test_workflow_commands_escape_as_githubs_toolkit_does(properties, message, expected):
    assert command("error", message, **properties) == expected


def test_github_annotates_each_finding_at_its_file_and_line(cli, workspace: Path):
    master = faulty_title(workspace)
    run = cli("check", str(master), "--format", "github")
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    commands = [line.split(" ", 1)[0] for line in lines if line.startswith("::")]
    assert commands == ["::error"] * COUNTS["errors"] + ["::warning"] * COUNTS["warnings"] + [
        "::notice"] * COUNTS["infos"]
    assert ("::error title=HLS010 segment-missing,file=ts-ladder/stream_1/index.m3u8,line=9::"
            "segment 'seg001.ts' does not exist (RFC 8216 4.3.2)%0Aobject: "
            "ts-ladder/stream_1/seg001.ts%0Afix: upload the segment, or re-run the transcode"
            ) in lines
    assert lines[-2:] == ["FAIL  6 errors, 1 warning, 3 info",
                          "      4 playlists, 12 segments; 11 objects checked: 1 missing, "
                          "0 unknown"]


def test_github_names_an_s3_playlist_in_the_message(s3_cli, s3: S3):
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    run = s3_cli("check", f"s3://{BUCKET}/{SAMPLE_KEY}", "--format", "github")
    assert run.exit_code == 1
    [error] = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert error.startswith("::error title=HLS010 segment-missing::")  # no file= to link
    assert f"%0Ain s3://{BUCKET}/{SAMPLE_KEY}:13%0A" in error


def test_gitlab_code_quality_issues(cli, workspace: Path):
    run = cli("check", str(faulty_title(workspace)), "--format", "gitlab")
    assert run.exit_code == 1
    issues = run.json
    assert [i["severity"] for i in issues] == ["critical"] * 6 + ["major"] + ["info"] * 3
    assert all(set(i) == {"description", "check_name", "fingerprint", "severity", "location"}
               for i in issues)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert issues[0]["check_name"] == "HLS010 segment-missing"
    assert issues[0]["location"] == {"path": "ts-ladder/stream_1/index.m3u8",
                                     "lines": {"begin": 9}}
    # a finding without a line (a title-level mismatch) is at line 1 of its playlist
    assert issues[1]["location"] == {"path": "ts-ladder/master.m3u8", "lines": {"begin": 1}}


def test_gitlab_fingerprints_do_not_depend_on_the_checkouts_path(cli, workspace: Path,
                                                                 monkeypatch):
    first = cli("check", str(faulty_title(workspace)), "--format", "gitlab").json
    elsewhere = workspace.parent / "other-runner"
    shutil.copytree(workspace, elsewhere)
    monkeypatch.setenv("CI_PROJECT_DIR", str(elsewhere))
    monkeypatch.delenv("GITHUB_WORKSPACE")
    second = cli("check", str(elsewhere / "ts-ladder/master.m3u8"), "--format", "gitlab").json
    assert [i["fingerprint"] for i in first] == [i["fingerprint"] for i in second]


def test_gitlab_fingerprints_of_identical_findings_differ_and_stay_stable():
    """Two findings alike in code, path, object and line (one tag broken twice) are two
    issues for GitLab, and each keeps its fingerprint from one run to the next."""
    from hlsinspect.render.gitlab import issues
    from hlsinspect.report import Finding, Report, Severity

    def run() -> list[str]:
        twice = tuple(Finding("HLS040", "attribute-invalid", Severity.ERROR, message,
                              "s3://b/master.m3u8", uri="s3://b/v.m3u8", line=3)
                      for message in ("BANDWIDTH is not a number", "CODECS is empty"))
        return [i["fingerprint"] for i in issues(Report("0", ("s3://b/",), findings=twice),
                                                 Path("/checkout"))]

    first, second = run(), run()
    assert len(set(first)) == 2
    assert first == second


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("a|b", "a\\|b", id="pipe"),
    pytest.param("one\ntwo\r\nthree", "one<br>two<br>three", id="newlines"),
    pytest.param('CHANNELS="<n>" & *x*', 'CHANNELS="\\<n\\>" &amp; \\*x\\*',
                 id="html-and-emphasis"),
])
def test_markdown_cells_cannot_break_a_row(text, expected):
    assert cell(text) == expected


def test_markdown_code_spans_escape_pipes_and_backticks():
    assert code("a|b") == "`a\\|b`"
    assert code("x`y") == "``x`y``"


def test_markdown_summary(cli, workspace: Path):
    run = cli("check", str(faulty_title(workspace)), "--format", "markdown")
    assert run.exit_code == 1
    text = run.stdout
    assert text.startswith("## hlsinspect\n\n**FAIL** 6 errors, 1 warning, 3 info; 4 playlists")
    assert "### Ladder of `ts-ladder/master.m3u8`" in text
    assert "### Findings (10)" in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    # every row of a table has its header's cells: no value added a column
    for line in rows:
        cells = len(re.split(r"(?<!\\)\|", line)) - 2
        assert cells in (5, 14), line  # findings; the ladder with its GROUP-ID column
    assert "`" + EXTERNAL_SEGMENT.replace("|", "\\|") + "`" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_to_output_file(cli, workspace: Path, fmt: str):
    master = faulty_title(workspace)
    printed = cli("check", str(master), "--format", fmt)
    out = workspace / f"report.{fmt}"
    written = cli("check", str(master), "--format", fmt, "--output", str(out))
    assert (written.exit_code, written.stdout) == (1, "")
    assert out.read_text() == printed.stdout


def _error_documents(stdout: str, fmt: str, words: str) -> None:
    if fmt == "json":
        assert words in json.loads(stdout)["error"]["message"]
    elif fmt == "github":
        [line] = stdout.splitlines()
        assert line.startswith("::error title=hlsinspect could not inspect (")
        assert words in line
    elif fmt == "gitlab":
        [issue] = json.loads(stdout)
        assert issue["severity"] == "blocker" and words in issue["description"]
    else:
        assert stdout.startswith("## hlsinspect\n\n**ERROR** nothing could be inspected")
        assert words in stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_run_that_inspected_nothing_still_gives_a_document(s3_cli, fmt: str):
    run = s3_cli("check", "s3://no-such-bucket/x.m3u8", "--format", fmt)
    assert run.exit_code == 2
    _error_documents(run.stdout, fmt, "no-such-bucket")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_usage_error_still_gives_a_document(cli, fmt: str):
    run = cli("check", "--format", fmt, "--concurrency", "0", str(SAMPLE_DIR))
    assert run.exit_code == 2
    _error_documents(run.stdout, fmt, "--concurrency")


def test_markdown_lists_the_first_findings_and_counts_the_rest():
    """A job summary has room for a few hundred rows; the JSON report has them all."""
    from hlsinspect.render.markdown import ROWS_SHOWN, markdown_chunks
    from hlsinspect.report import Finding, Report, Severity

    many = tuple(Finding("HLS010", "segment-missing", Severity.ERROR, f"segment {n} missing",
                         "s3://b/index.m3u8", uri=f"s3://b/{n}.ts", line=n + 1)
                 for n in range(ROWS_SHOWN + 7))
    text = "".join(markdown_chunks(Report("0", ("s3://b/index.m3u8",), findings=many),
                                   Path("/checkout")))
    assert text.count("| error | HLS010 segment-missing |") == ROWS_SHOWN
    assert text.endswith("\n... and 7 more findings (all of them are in --format json)\n")
