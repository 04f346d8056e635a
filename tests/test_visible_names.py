"""Keys are data an uploader chose: no name reaches a text output raw.

A segment named with a newline, a carriage return and an ESC (`%0A`, `%0D`, `%1B` in its URI)
must not forge a line of the table, a second GitHub workflow command or a Markdown row, nor
send the terminal an ANSI sequence; JUnit must stay well-formed XML for any key, even one
with C0 controls or the lone surrogate that stands for an undecodable byte.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hlsinspect.render.junit import render_junit
from hlsinspect.render.visible import visible
from hlsinspect.report import Finding, PlaylistReport, Report, Severity

FORGED = "::error title=forged::boom"
SEGMENT = "seg%0A" + FORGED.replace(" ", "%20") + "%0D%1B[31mred.ts"
SHOWN = "seg\\n" + FORGED + "\\r\\x1b[31mred.ts"
"""The missing segment's key as every text format shows it."""


@pytest.mark.parametrize(("text", "shown"), [
    pytest.param("a\nb\r\tc", "a\\nb\\r\\tc", id="newline-cr-tab"),
    pytest.param("\x1b[31m\x01\x7f\x9b", "\\x1b[31m\\x01\\x7f\\x9b", id="c0-del-c1"),
    pytest.param("x\udcffy\ufffe\u2028", "x\\udcffy\\ufffe\\u2028", id="surrogate-nonchar"),
    pytest.param("été 字幕 ✓", "été 字幕 ✓", id="unicode-kept"),
])
def test_visible_escapes_what_a_terminal_or_xml_would_act_on(text: str, shown: str):
    assert visible(text) == shown


@pytest.fixture()
def crafted(tmp_path: Path) -> Path:
    """A media playlist whose one segment, missing, has a crafted name."""
    playlist = tmp_path / "index.m3u8"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n{SEGMENT}\n"
                        "#EXT-X-ENDLIST\n")
    return playlist


@pytest.mark.parametrize("args", [
    pytest.param(["--color", "always"], id="table"),
    pytest.param(["--quiet", "--color", "always"], id="quiet"),
    pytest.param(["--format", "github"], id="github"),
    pytest.param(["--format", "markdown"], id="markdown"),
])
def test_a_crafted_segment_name_is_shown_escaped(cli, crafted: Path, args: list[str]):
    run = cli("check", str(crafted), *args)
    assert run.exit_code == 1
    assert SHOWN in run.stdout.replace("\\\\", "\\")  # Markdown escapes the backslash too
    assert "\r" not in run.stdout and "\x1b[31mred" not in run.stdout
    assert not any(line.lstrip("│ |`").startswith(FORGED) for line in run.stdout.splitlines())


def test_the_json_report_keeps_the_key_exact(cli, crafted: Path):
    [finding] = [f for f in cli("check", str(crafted), "--format", "json").json["findings"]
                 if f["name"] == "segment-missing"]
    assert finding["uri"].endswith("seg\n" + FORGED + "\r\x1b[31mred.ts")


def test_junit_is_well_formed_for_control_characters_in_a_key(cli, crafted: Path,
                                                              tmp_path: Path):
    (tmp_path / "index.m3u8").write_text(crafted.read_text().replace("%0A", "%01"))
    junit = tmp_path / "junit.xml"
    assert cli("check", str(crafted), "--junit", str(junit)).exit_code == 1
    [failure] = ET.parse(junit).getroot().iter("failure")
    assert "seg\\x01" + FORGED + "\\r\\x1b[31mred.ts" in failure.text


def test_junit_is_well_formed_for_an_undecodable_name():
    playlist = "/titles/v\x01\x1b\udcff/index.m3u8"
    report = Report("0", (playlist,), playlists=(PlaylistReport(playlist, "media", None),),
                    findings=(Finding("HLS010", "segment-missing", Severity.ERROR,
                                      "segment s\udcff.ts is missing", playlist,
                                      uri="/titles/s\udcff\ufffe.ts", line=4),))
    root = ET.fromstring(render_junit(report).encode("utf-8", "backslashreplace"))
    [case] = root.iter("testcase")
    assert case.get("classname") == "/titles/v\\x01\\x1b\\udcff/index.m3u8"
    assert case.get("name", "").startswith("HLS010")
    assert "(/titles/s\\udcff\\ufffe.ts" in case.get("name", "")
