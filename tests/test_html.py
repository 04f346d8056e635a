"""The HTML report, rendered in headless Chromium and read back from its DOM.

The page must stand alone (no http(s) resource), show the verdict, each title's ladder and
chart, a timeline per media playlist with damaged segments marked and named, and the findings
grouped by rule, filterable; no playlist text may become markup. Chromium is Debian's
`chromium` package (.ci/run installs it); where it is absent these tests skip and say so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.faulty_title import faulty_title

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium): the HTML "
                             "report is rendered in headless Chromium")


def chromium(*args: str) -> str:
    """Chromium's output, each run with a profile of its own: one profile directory allows
    one browser at a time, and the tests run on several workers."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="hlsinspect-chromium-") as profile:
        run = subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox",
                              "--no-first-run", f"--user-data-dir={profile}", *args],
                             capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def dom(page: Path, fragment: str = "") -> str:
    """The DOM after the page's script ran, as Chromium serialises it."""
    return chromium("--virtual-time-budget=2000", "--dump-dom", page.as_uri() + fragment)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text under each <title> and <td>."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: list[tuple[str, str]] = []
        self._open: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._open:
            self.texts.append((self._open[-1], data))

    def all(self, tag: str, cls: str | None = None) -> list[dict[str, str]]:
        return [a for t, a in self.tags
                if t == tag and (cls is None or cls in a.get("class", "").split())]

    def text(self, tag: str) -> list[str]:
        return [t for name, t in self.texts if name == tag]


@pytest.fixture()
def page(cli, tmp_path: Path) -> Path:
    """The faulty title's page, written with --html beside the JSON report."""
    html = tmp_path / "report.html"
    run = cli("check", str(faulty_title(tmp_path)), "--format", "json", "--html", str(html))
    assert run.exit_code == 1
    assert run.json["ok"] is False  # the format asked for is still on stdout
    return html


def test_the_page_references_nothing_outside_itself(page: Path):
    text = page.read_text()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
    assert "<link" not in text and "@import" not in text and "url(" not in text


@needs_chromium
def test_chromium_renders_verdict_ladder_timelines_and_findings(page: Path, tmp_path: Path):
    shot = tmp_path / "report.png"
    chromium("--window-size=1200,1600", f"--screenshot={shot}", page.as_uri())
    assert shot.stat().st_size > 10_000  # kept under the test's tmp dir as an artifact
    found = Elements(dom(page))
    [verdict] = found.all("p", "verdict")
    assert "fail" in verdict["class"].split()
    assert any(t.startswith("FAIL:") for t in found.text("p"))
    # the ladder: a row per variant and rendition, declared beside measured
    cells = found.text("td")
    assert {"stream_0/index.m3u8", "stream_1/index.m3u8", "stream_2/index.m3u8",
            "113,443", "163,075", "1 error", "5 errors"} <= set(cells)
    assert len(found.all("svg", "ladder-chart")) == 1
    # a timeline per media playlist read; the missing and the unchecked segments marked
    assert len(found.all("svg", "timeline")) == 3
    assert any("stream_1/index.m3u8: 4 segments of 2.000 s, 0:00:08.000, peak" in t
               for t in found.text("summary"))
    assert len(found.all("rect", "missing")) == 1
    assert len(found.all("rect", "not")) == 1  # class "mark not checked"
    titles = found.text("title")
    assert any(t.startswith("missing: ") and t.endswith("ts-ladder/stream_1/seg001.ts")
               for t in titles)
    # findings by rule, with fix and reference, errors open
    rules = found.all("details", "rule")
    assert [r["data-severity"] for r in rules].count("error") == 3
    assert len(found.all("div", "item")) == 10
    assert len(found.all("input", "severity-filter")) == 3


@needs_chromium
@pytest.mark.parametrize(("fragment", "shown"), [
    pytest.param("", 10, id="everything"),
    pytest.param("#q=seg001", 2, id="search"),
    pytest.param("#severity=warning", 1, id="warnings-only"),
])
def test_findings_filter_by_severity_and_search(page: Path, fragment: str, shown: int):
    found = Elements(dom(page, fragment))
    items = found.all("div", "item")
    assert len(items) == 10
    assert sum("hidden" not in item["class"].split() for item in items) == shown


@needs_chromium
def test_playlist_text_cannot_inject_markup(cli, tmp_path: Path):
    title = tmp_path / "t"
    title.mkdir()
    evil = "<script>document.title='owned'</script><img src=x onerror=alert(1)>.ts"
    (title / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXTINF:4.0,\n{evil}\n#EXT-X-ENDLIST\n")
    page = tmp_path / "evil.html"
    cli("check", str(title), "--format", "html", "--output", str(page))
    text = dom(page)
    found = Elements(text)
    assert len(found.all("script")) == 1  # the page's own
    assert found.all("img") == []
    assert found.text("title")[0].startswith("hlsinspect: FAIL ")  # no script set it
    assert found.text("title")[0] != "owned"
    assert "&lt;script&gt;" in text


def test_format_html_of_a_run_that_inspected_nothing_says_why(cli, tmp_path: Path):
    page = tmp_path / "report.html"
    run = cli("check", str(tmp_path / "nothing-here"), "--format", "html", "--output",
              str(page))
    assert run.exit_code == 2
    assert 'id="error"' in page.read_text()


def test_the_timeline_comes_from_the_report(cli, tmp_path: Path):
    """Durations, sizes and states per segment are report members (JSON too)."""
    report = cli("check", str(faulty_title(tmp_path)), "--format", "json").json
    timeline = {p["uri"].rpartition("ts-ladder/")[2]: p["segments"]
                for p in report["playlists"]}
    assert timeline["master.m3u8"] is None
    stream_1 = timeline["stream_1/index.m3u8"]
    assert stream_1["states"] == "pmpp"
    assert stream_1["durations"] == [2.0, 2.0, 2.0, 2.0]
    assert stream_1["sizes"][1] is None and all(s > 0 for s in stream_1["sizes"][::2])
    assert [i for i, _ in stream_1["marked"]] == [1]
    assert timeline["stream_2/index.m3u8"]["states"].endswith("x")  # on another host


def test_html_is_well_formed_enough_for_an_svg_reader(page: Path):
    """Each SVG stands alone as XML (a browser forgives, a CI artifact viewer may not)."""
    for svg in re.findall(r"<svg.*?</svg>", page.read_text(), re.S):
        ET.fromstring(svg.replace("…", "..."))


def test_a_90000_segment_audit_is_a_page_of_at_most_15_mb():
    """100 titles of 3 variants of 300 segments, every 50th segment missing: the page keeps
    a few bytes per segment (one step line per timeline, a block per marked segment)."""
    from array import array

    from hlsinspect.render.html import render_html
    from hlsinspect.report import (
        Finding,
        ObjectCounts,
        PlaylistReport,
        Report,
        Severity,
        Timeline,
        Variant,
    )

    playlists, findings = [], []
    for title in range(100):
        master = f"s3://bucket/titles/t{title:03d}/master.m3u8"
        variants = []
        for v in range(3):
            uri = f"s3://bucket/titles/t{title:03d}/v{v}/index.m3u8"
            states = "".join("m" if i % 50 == 7 else "p" for i in range(300))
            marked = tuple((i, f"{uri.rpartition('/')[0]}/s{i:05d}.ts")
                           for i, s in enumerate(states) if s != "p")
            sizes = array("q", (-1 if s == "m" else 200_000 + v * 1000 + i
                                for i, s in enumerate(states)))
            playlists.append(PlaylistReport(
                uri, "media", master, segment_count=300, total_duration=1800.0,
                objects=ObjectCounts(300, 294, 6, 0),
                segments=Timeline(array("d", [6.0] * 300), sizes, states, marked)))
            findings += [Finding("HLS010", "segment-missing", Severity.ERROR,
                                 f"segment '{name.rpartition('/')[2]}' does not exist", uri,
                                 uri=name, line=2 * i + 6) for i, name in marked]
            variants.append(Variant(uri, 300_000 * (v + 1), None, "1280x720", "avc1", None))
        playlists.insert(len(playlists) - 3, PlaylistReport(master, "multivariant", None,
                                                            variants=tuple(variants)))
    report = Report("0", ("s3://bucket/titles/",), playlists=tuple(playlists),
                    findings=tuple(findings))
    page = render_html(report)
    assert len(page.encode()) <= 15_000_000, len(page.encode())
    assert page.count('<svg class="timeline"') == 300
    assert page.count('class="mark missing"') == 1800
    assert page.count("<details class=\"title\"") == 100


def test_credentials_in_a_segment_uri_never_reach_the_page(cli, tmp_path: Path):
    title = tmp_path / "t"
    title.mkdir()
    (title / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        "#EXTINF:4.0,\nhttps://user:hunter2@cdn.example.com/s.ts?X-Amz-Signature=sekrit\n"
        "#EXT-X-ENDLIST\n")
    page = tmp_path / "page.html"
    cli("check", str(title), "--format", "json", "--html", str(page))
    text = page.read_text()
    assert 'class="mark not checked"' in text  # the segment is drawn and named
    assert "hunter2" not in text and "sekrit" not in text


def test_titles_that_need_a_look_come_first(cli, tmp_path: Path):
    """Among many passing titles, the damaged one is the first on the page, and open."""
    from tests.test_prefix_screens import make_titles

    root = make_titles(tmp_path / "prefix", 30)
    (root / "title017" / "v1" / "s1.ts").unlink()
    page = tmp_path / "page.html"
    cli("check", str(root), "--format", "html", "--output", str(page))
    summaries = re.findall(r'<details class="title" data-severity="(\w+)"( open)?>\s*'
                           r'<summary><span class="\w+">[^<]*</span> ([^<]+)</summary>',
                           page.read_text())
    assert len(summaries) == 30
    assert summaries[0] == ("error", " open", f"{root}/title017/master.m3u8")
    assert all(opened == "" for _, opened, _ in summaries[1:])


def test_merge_draws_the_page_from_json_reports(cli, tmp_path: Path):
    """The timelines travel in the JSON report, so a merged audit has them too."""
    saved = tmp_path / "report.json"
    cli("check", str(faulty_title(tmp_path)), "--format", "json", "--output", str(saved))
    page = tmp_path / "merged.html"
    run = cli("merge", str(saved), "--html", str(page))
    assert run.exit_code == 1
    text = page.read_text()
    assert text.count('<svg class="timeline"') == 3
    assert 'class="mark missing"' in text and "stream_1/seg001.ts</title>" in text
