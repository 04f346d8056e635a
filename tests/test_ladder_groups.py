"""The ladder names rendition groups: a playlist that two groups share is one row per group,
each naming its group, and it is still one playlist in every count."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

SHARED = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud-lo",NAME="English",DEFAULT=YES,LANGUAGE="eng",CHANNELS="2",URI="stream_2/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud-hi",NAME="English",DEFAULT=YES,LANGUAGE="eng",CHANNELS="2",URI="stream_2/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=113443,RESOLUTION=64x36,CODECS="avc1.42d00b,mp4a.40.2",AUDIO="aud-lo"
stream_0/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=163075,RESOLUTION=128x72,CODECS="avc1.42c00b,mp4a.40.2",AUDIO="aud-hi"
stream_1/index.m3u8
"""


@pytest.fixture()
def shared_audio(tmp_path: Path) -> Path:
    """The TS ladder with one audio playlist in two groups, and one of its segments lost."""
    title = tmp_path / "title"
    shutil.copytree(FIXTURES / "titles" / "ts-ladder", title)
    (title / "master.m3u8").write_text(SHARED)
    (title / "stream_2" / "seg003.ts").unlink()
    return title


def rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("│").split("│")]
            for line in table.splitlines() if line.startswith("│")]


def test_a_playlist_in_two_groups_is_a_row_per_group(cli, shared_audio: Path):
    table = cli("check", str(shared_audio)).stdout
    assert [row[:3] for row in rows(table)] == [
        ["variant", "aud-lo", "stream_0/index.m3u8"],
        ["variant", "aud-hi", "stream_1/index.m3u8"],
        ["audio (eng)", "aud-lo", "stream_2/index.m3u8"],
        ["audio (eng)", "aud-hi", "stream_2/index.m3u8"],
    ]
    assert "┃ GROUP-ID ┃" in table


def test_a_playlist_in_two_groups_counts_once(cli, shared_audio: Path):
    run = cli("check", str(shared_audio))
    assert "Errors (1)" in run.stdout
    assert "4 playlists, 12 segments; 12 objects checked: 1 missing" in run.stdout
    report = cli("check", str(shared_audio), "--format", "json").json
    assert [p["uri"].rpartition("title/")[2] for p in report["playlists"]] == [
        "master.m3u8", "stream_0/index.m3u8", "stream_1/index.m3u8", "stream_2/index.m3u8"]
    assert [v["groups"] for v in report["playlists"][0]["variants"]] == [["aud-lo"], ["aud-hi"]]
    assert report["summary"]["missing"] == 1 and report["summary"]["errors"] == 1


def test_a_playlist_named_twice_in_one_group_is_one_row(cli, shared_audio: Path):
    master = shared_audio / "master.m3u8"
    master.write_text(master.read_text().replace('GROUP-ID="aud-hi"', 'GROUP-ID="aud-lo"')
                      .replace('AUDIO="aud-hi"', 'AUDIO="aud-lo"'))
    audio = [row for row in rows(cli("check", str(shared_audio)).stdout)
             if row[0] == "audio (eng)"]
    assert [row[1] for row in audio] == ["aud-lo"]


def test_a_ladder_without_groups_has_no_group_column(cli):
    table = cli("check", str(FIXTURES / "titles" / "elastic-transcoder")).stdout
    assert "Ladder of" in table and "GROUP-ID" not in table
