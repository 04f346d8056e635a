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
