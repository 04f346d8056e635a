"""A prefix of many titles fits a screen: ladders only for titles with errors or warnings,
and a finding every title repeats told once with its count.

300 small titles are made on disk (two variants of two segments each, all passing but for an
EXT-X-VERSION note every master playlist repeats) and the table's lines are counted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

MASTER = ("#EXTM3U\n#EXT-X-VERSION:3\n"
          '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e"\n'
          "v0/index.m3u8\n"
          '#EXT-X-STREAM-INF:BANDWIDTH=1600000,RESOLUTION=1280x720,CODECS="avc1.4d401f"\n'
          "v1/index.m3u8\n")
MEDIA = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
         "#EXTINF:4.0,\ns0.ts\n#EXTINF:4.0,\ns1.ts\n#EXT-X-ENDLIST\n")
SEGMENT = b"\x47" + b"\xff" * 187


def make_titles(root: Path, count: int) -> Path:
    for number in range(count):
        title = root / f"title{number:03d}"
        for variant in ("v0", "v1"):
            (title / variant).mkdir(parents=True)
            (title / variant / "index.m3u8").write_text(MEDIA)
            for segment in ("s0.ts", "s1.ts"):
                (title / variant / segment).write_bytes(SEGMENT)
        (title / "master.m3u8").write_text(MASTER)
    return root


@pytest.fixture(scope="module")
def prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_titles(tmp_path_factory.mktemp("prefix"), 300)


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_titles(tmp_path_factory.mktemp("damaged"), 300)
    (root / "title150" / "v1" / "s1.ts").unlink()
    return root


def test_300_passing_titles_fit_in_40_lines(cli, prefix: Path):
    run = cli("check", str(prefix))
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    assert len(lines) <= 40, run.stdout
    assert "Ladder of" not in run.stdout
    assert ("300 titles without errors or warnings: tables not shown (--ladders all shows "
            "them)") in lines
    # the note every title repeats is told once, with its count and the first titles
    assert sum("HLS112 version-higher-than-needed" in line for line in lines) == 1
    assert "  HLS112 version-higher-than-needed  300 times in 300 playlists" in lines
    start = lines.index("  HLS112 version-higher-than-needed  300 times in 300 playlists")
    assert lines[start + 3:start + 7] == [
        f"      at {prefix}/title000/master.m3u8:2", f"      at {prefix}/title001/master.m3u8:2",
        f"      at {prefix}/title002/master.m3u8:2",
        "      ... and 297 more (all of them are in --format json)"]


def test_quiet_300_titles_fit_too(cli, prefix: Path):
    run = cli("check", str(prefix), "--quiet")
    assert run.exit_code == 0
    assert len(run.stdout.splitlines()) <= 40, run.stdout


def test_a_damaged_title_is_shown_in_full_within_80_lines(cli, damaged: Path):
    run = cli("check", str(damaged))
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert len(lines) <= 80, run.stdout
    assert [line for line in lines if line.startswith("Ladder of")] == [
        f"Ladder of {damaged}/title150/master.m3u8"]
    assert "299 titles without errors or warnings: tables not shown" in run.stdout
    assert f"  HLS010 segment-missing  {damaged}/title150/v1/s1.ts" in lines
    assert f"      at {damaged}/title150/v1/index.m3u8:8" in lines
    # one location form: `at PLAYLIST:LINE`, never `in URI:LINE` beside `at line N`
    assert not any(line.lstrip().startswith(("in /", "at line ")) for line in lines)


@pytest.mark.parametrize(("choice", "ladders"), [
    pytest.param("all", 300, id="all"),
    pytest.param("failing", 1, id="failing"),
    pytest.param("none", 0, id="none"),
])
def test_ladders_option_chooses_the_tables(cli, damaged: Path, choice: str, ladders: int):
    run = cli("check", str(damaged), "--ladders", choice)
    assert sum(line.startswith("Ladder of") for line in run.stdout.splitlines()) == ladders
    if choice == "none":
        assert "300 titles: tables not shown (--ladders all shows them)" in run.stdout


def test_a_screenful_of_titles_shows_every_ladder(cli, tmp_path: Path):
    run = cli("check", str(make_titles(tmp_path, 20)))
    assert sum(line.startswith("Ladder of") for line in run.stdout.splitlines()) == 20
    assert "tables not shown" not in run.stdout


def test_json_is_the_same_whatever_the_table_shows(cli, damaged: Path):
    plain = json.loads(cli("check", str(damaged), "--format", "json").stdout)
    ladders = json.loads(cli("check", str(damaged), "--format", "json", "--ladders",
                             "none").stdout)
    assert plain == ladders
    assert plain["summary"]["infos"] == 300
    assert sum(f["name"] == "version-higher-than-needed" for f in plain["findings"]) == 300
