"""Small things a reader of the table trips over: an empty Measured cell says why."""

from __future__ import annotations

from pathlib import Path

MEDIA = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
         "#EXTINF:4.0,\ns0.ts\n#EXTINF:4.0,\n{second}\n#EXT-X-ENDLIST\n")


def test_an_unmeasured_variant_says_why(cli, tmp_path: Path, monkeypatch):
    (tmp_path / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nv0/index.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=900000\nv1/index.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=1000000\nv2/index.m3u8\n")
    for variant, second in (("v0", "https://cdn.example.com/s1.ts"), ("v1", "s1.ts")):
        (tmp_path / variant).mkdir()
        (tmp_path / variant / "index.m3u8").write_text(MEDIA.format(second=second))
        (tmp_path / variant / "s0.ts").write_bytes(b"\x47" * 188)
    monkeypatch.setenv("COLUMNS", "220")
    rows = {line.split("│")[2].strip(): line for line in cli(
        "check", str(tmp_path / "master.m3u8")).stdout.splitlines() if "│ variant" in line}
    assert "- (a segment's size unknown)" in rows["v0/index.m3u8"]  # on another host
    assert "- (segment missing)" in rows["v1/index.m3u8"]
    assert "- (playlist missing)" in rows["v2/index.m3u8"]


def test_a_probed_media_playlist_shows_what_the_probe_measured(cli, monkeypatch):
    """--probe on media playlists checked on their own: the facts table has a Probed row,
    the Markdown's media table a Probed column; without --probe, neither."""
    from tests.conftest import FIXTURES

    monkeypatch.setenv("COLUMNS", "200")
    one = str(FIXTURES / "media/ts-h264/v/index.m3u8")
    probed = cli("check", one, "--probe", "all").stdout
    [row] = [line for line in probed.splitlines() if "Probed" in line]
    assert "3 segments: 0:00:06.000, avc1.4D401E,mp4a.40.2, 160x90" in row
    assert "Probed" not in cli("check", one).stdout
    encrypted = cli("check", str(FIXTURES / "titles/aes128/index.m3u8"), "--probe", "all")
    assert "no segment probed (only present, unencrypted segments are)" in encrypted.stdout
    two = [one, str(FIXTURES / "media/ts-mp3/a/index.m3u8")]
    markdown = cli("check", *two, "--probe", "all", "--format", "markdown").stdout
    header = next(line for line in markdown.splitlines() if line.startswith("| Playlist"))
    assert "| Length | Probed | Present |" in header
    assert "| 0:00:06.000 avc1.4D401E,mp4a.40.2 |" in markdown
    assert "Probed" not in cli("check", *two, "--format", "markdown").stdout


def test_a_narrow_media_table_drops_probed_before_the_playlist_names(cli, monkeypatch):
    """At 60 columns the Probed column goes (as Present does) rather than squeeze the
    playlists' names out of the table."""
    from tests.conftest import FIXTURES

    monkeypatch.setenv("COLUMNS", "60")
    two = [str(FIXTURES / "media/ts-h264/v/index.m3u8"),
           str(FIXTURES / "media/ts-mp3/a/index.m3u8")]
    out = cli("check", *two, "--probe", "all").stdout
    assert "ts-h264/v/index.m3u8" in out and "ts-mp3/a/index.m3u8" in out, out
