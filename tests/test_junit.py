"""JUnit XML: one failed test case per failing finding, with the counts the console shows.

Dashboards show one failure per test case, so each finding at or above --fail-on is its own
test case, in the playlist it is about; the XML's counts are read back here and compared with
the verdict's on real titles.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hlsinspect.render.junit import render_junit
from hlsinspect.render.places import place, workspace
from hlsinspect.report import Finding, PlaylistReport, Report, Severity
from tests.conftest import FIXTURES
from tests.faulty_title import COUNTS, EXTERNAL_SEGMENT, EXTERNAL_VARIANT, faulty_title


def junit_of(cli, tmp_path: Path, *args: str) -> tuple[ET.Element, dict]:
    """The JUnit document and the JSON report of one check."""
    junit = tmp_path / "junit.xml"
    run = cli("check", *args, "--format", "json", "--junit", str(junit))
    assert run.exit_code in (0, 1), run.stderr
    return ET.parse(junit).getroot(), run.json


def failed(root: ET.Element) -> list[ET.Element]:
    return [case for case in root.iter("testcase") if case.find("failure") is not None]


@pytest.mark.parametrize(("target", "fail_on"), [
    pytest.param("faulty", "error", id="faulty-title"),
    pytest.param("faulty", "warning", id="faulty-title-fail-on-warning"),
    pytest.param("titles", "error", id="every-fixture-title"),
    pytest.param("titles", "warning", id="every-fixture-title-fail-on-warning"),
    pytest.param("app1", "error", id="app1-sample"),
])
def test_counts_match_the_console(cli, tmp_path: Path, target: str, fail_on: str):
    path = {"faulty": lambda: faulty_title(tmp_path), "titles": lambda: FIXTURES / "titles",
            "app1": lambda: FIXTURES / "app1-transcoder-out"}[target]()
    root, report = junit_of(cli, tmp_path, str(path), "--fail-on", fail_on)
    console = cli("check", str(path), "--fail-on", fail_on).stdout
    errors, warnings = map(int, re.search(r"(\d+) errors?, (\d+) warnings?", console).groups())
    assert (errors, warnings) == (report["summary"]["errors"], report["summary"]["warnings"])
    failing = errors + (warnings if fail_on == "warning" else 0)
    cases = list(root.iter("testcase"))
    [suite] = root.iter("testsuite")
    for element in (root, suite):
        assert element.get("tests") == str(len(cases))
        assert element.get("failures") == str(failing) == str(len(failed(root)))
        assert element.get("errors") == "0"
    assert all(len(case.findall("failure")) <= 1 for case in cases)
    # a passing test case is a playlist of the report, nothing else, classed by its path
    playlists = {place(p["uri"], workspace()) for p in report["playlists"]}
    passing = [c for c in cases if c.find("failure") is None]
    assert {c.get("classname") for c in passing} <= playlists
    assert {c.get("name") for c in passing} <= {"no failing finding"}
    # every test case is classed by a playlist of the report: none left under one class
    assert {c.get("classname") for c in cases} <= playlists


def test_faulty_title_fails_one_case_per_error(cli, tmp_path: Path):
    root, report = junit_of(cli, tmp_path, str(faulty_title(tmp_path)))
    assert len(failed(root)) == COUNTS["errors"]
    uri = {p["uri"].rpartition("ts-ladder/")[2]: p["uri"] for p in report["playlists"]}
    cases = [(case.get("classname"), case.get("name")) for case in failed(root)]
    # the title-level mismatch fails the variant it is about, not the multivariant playlist too
    [mismatch] = [c for c in cases if "HLS041" in c[1]]
    assert mismatch == (uri["stream_0/index.m3u8"],
                        f"HLS041 target-duration-mismatch in {uri['master.m3u8']}")
    assert not any(classname == uri["master.m3u8"] for classname, _ in cases)


def test_external_uris_are_no_test_cases(cli, tmp_path: Path):
    root, _ = junit_of(cli, tmp_path, str(faulty_title(tmp_path)))
    classes = [case.get("classname") for case in root.iter("testcase")]
    assert not any(n.startswith((EXTERNAL_VARIANT, EXTERNAL_SEGMENT)) for n in classes)
    # below --fail-on, they are told in the system-out of their playlist's first test case
    master = next(case for case in root.iter("testcase") if case.get("classname", "").endswith(
        "ts-ladder/master.m3u8"))
    out = master.findtext("system-out") or ""
    assert EXTERNAL_VARIANT in out and "channels-missing" in out


def test_repeated_findings_keep_distinct_names():
    """GitLab keeps one test case per classname and name: a repeat gets a number."""
    twice = [Finding("HLS999", "made-up", Severity.ERROR, message, "/t/index.m3u8", line=3)
             for message in ("one", "two")]
    report = Report(version="0", targets=("/t",), findings=tuple(twice),
                    playlists=(PlaylistReport("/t/index.m3u8", "media", None),))
    cases = [(case.get("classname"), case.get("name"))
             for case in ET.fromstring(render_junit(report)).iter("testcase")]
    assert cases == [("/t/index.m3u8", "HLS999 made-up at line 3"),
                     ("/t/index.m3u8", "HLS999 made-up at line 3 #2")]


def test_cases_follow_the_documented_name_pattern():
    """`CODE NAME[ at line N| in OTHER[:N]][ (OBJECT)]`, the object relative to the playlist's
    directory; the class is the playlist (S3 URIs as they are)."""
    media, master = "s3://b/HLS/t/v1/index.m3u8", "s3://b/HLS/t/master.m3u8"
    findings = (
        Finding("HLS010", "segment-missing", Severity.ERROR, "gone", media,
                uri="s3://b/HLS/t/v1/seg/s3.ts", line=9),
        Finding("HLS020", "playlist-missing", Severity.ERROR, "gone", master, uri=media, line=4),
        Finding("HLS014", "key-missing", Severity.ERROR, "gone", media,
                uri="s3://b/keys/k.bin"))
    report = Report(version="0", targets=("s3://b/HLS/t/",), findings=findings,
                    playlists=(PlaylistReport(master, "multivariant", None),
                               PlaylistReport(media, "media", master)))
    cases = [(case.get("classname"), case.get("name"))
             for case in ET.fromstring(render_junit(report)).iter("testcase")]
    assert cases == [
        (master, "no failing finding"),
        (media, "HLS010 segment-missing at line 9 (seg/s3.ts)"),
        (media, "HLS020 playlist-missing in s3://b/HLS/t/master.m3u8:4"),
        (media, "HLS014 key-missing (s3://b/keys/k.bin)"),
    ]


def test_local_playlists_are_classed_workspace_relative(cli, tmp_path: Path, monkeypatch):
    title = faulty_title(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    root, _ = junit_of(cli, tmp_path, str(title))
    classes = {case.get("classname") for case in root.iter("testcase")}
    assert "ts-ladder/master.m3u8" in {c.rpartition(str(tmp_path))[2] for c in classes}
    assert not any(c.startswith("/") for c in classes), classes
    assert str(tmp_path) not in ET.tostring(root, encoding="unicode")
