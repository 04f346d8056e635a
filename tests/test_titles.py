"""Whole titles from real ffmpeg output, on disk and in S3: each damage gives its one finding.

Every test runs twice, against a local directory and against moto's S3 server over HTTP.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import S3
from tests.titles import Title, findings, place, playlist

WHERE = [pytest.param("local", id="local"), pytest.param("s3", id="s3")]


@pytest.fixture(params=WHERE)
def where(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def title_of(where: str, tmp_path: Path, request: pytest.FixtureRequest):
    s3 = request.getfixturevalue("s3") if where == "s3" else None

    def make(name: str) -> Title:
        return place(name, where, tmp_path, s3)

    return make


def check(cli, title: Title, key: str = "", *options: str):
    return cli("check", *title.target(key), "--format", "json", *options)


# ffmpeg 5.1 writes no CHANNELS on audio renditions, which RFC 8216bis 4.4.6.1 says all audio
# EXT-X-MEDIA tags SHOULD have: a warning on the two ffmpeg ladders, nothing else.
@pytest.mark.parametrize(
    ("name", "root", "playlists", "segments", "warnings"),
    [
        ("ts-ladder", "master.m3u8", 4, 12, ["channels-missing"]),
        ("cmaf", "master.m3u8", 4, 12, ["channels-missing"]),
        ("single-file", "index.m3u8", 1, 4, []),
        ("aes128", "index.m3u8", 1, 4, []),
        ("elastic-transcoder", "HLS/sample.m3u8", 3, 8, []),
    ],
)
def test_clean_title_passes(cli, title_of, name, root, playlists, segments, warnings):
    title = title_of(name)
    run = check(cli, title, root)
    assert run.exit_code == 0, run.stdout + run.stderr
    report = run.json
    assert findings(report) == []
    assert [name for name, _ in findings(report, "warning")] == warnings
    assert report["summary"]["playlists"] == playlists
    assert report["summary"]["segments"] == segments
    assert all(p["load_status"] == "ok" for p in report["playlists"])
    assert report["summary"]["missing"] == report["summary"]["unknown"] == 0


def test_ladder_reports_variants_and_renditions(cli, title_of):
    title = title_of("ts-ladder")
    report = check(cli, title, "master.m3u8").json
    master = playlist(report, title.uri("master.m3u8"))
    assert master["kind"] == "multivariant"
    assert master["parent"] is None
    assert master["segment_count"] is None
    assert [v["uri"] for v in master["variants"]] == [
        title.uri("stream_0/index.m3u8"), title.uri("stream_1/index.m3u8")]
    assert master["variants"][0]["bandwidth"] > 0
    assert master["variants"][0]["resolution"] == "64x36"
    assert master["variants"][0]["codecs"].startswith("avc1.")
    assert [v["line"] for v in master["variants"]] == [4, 7]
    [audio] = master["renditions"]
    assert (audio["type"], audio["language"], audio["line"]) == ("AUDIO", "eng", 3)
    assert audio["uri"] == title.uri("stream_2/index.m3u8")
    children = [p for p in report["playlists"] if p["parent"] == title.uri("master.m3u8")]
    assert [p["uri"] for p in children] == [title.uri(f"stream_{i}/index.m3u8") for i in range(3)]


def test_ladder_table_has_a_row_per_variant_and_rendition(cli, title_of):
    title = title_of("ts-ladder")
    run = cli("check", *title.target("master.m3u8"))
    assert run.exit_code == 0
    assert f"Ladder of {title.uri('master.m3u8')}" in run.stdout
    for row in ("stream_0/index.m3u8", "stream_1/index.m3u8", "stream_2/index.m3u8",
                "audio (eng)", "64x36", "128x72"):
        assert row in run.stdout


def test_deleted_variant_playlist(cli, title_of):
    title = title_of("ts-ladder")
    title.delete("stream_1/index.m3u8")
    run = check(cli, title, "master.m3u8")
    assert run.exit_code == 1
    assert findings(run.json) == [("playlist-missing", title.uri("stream_1/index.m3u8"))]
    assert playlist(run.json, title.uri("stream_1/index.m3u8"))["load_status"] == "missing"
    for intact in ("stream_0/index.m3u8", "stream_2/index.m3u8"):
        assert playlist(run.json, title.uri(intact))["segment_count"] == 4


def test_unparsable_variant_playlist(cli, title_of):
    title = title_of("ts-ladder")
    title.write("stream_0/index.m3u8", b"<html>503 Service Unavailable</html>")
    run = check(cli, title, "master.m3u8")
    assert run.exit_code == 1
    [error] = [f for f in run.json["findings"] if f["severity"] == "error"]
    assert error["name"] == "playlist-parse-error"
    assert error["line"] == 1
    assert "HTML" in error["message"]
    assert error["playlist"] == title.uri("stream_0/index.m3u8")
    assert playlist(run.json, title.uri("stream_1/index.m3u8"))["segment_count"] == 4


def test_deleted_init_segment(cli, title_of):
    title = title_of("cmaf")
    title.delete("v1/init_1.mp4")
    run = check(cli, title, "master.m3u8")
    assert run.exit_code == 1
    assert findings(run.json) == [("init-segment-missing", title.uri("v1/init_1.mp4"))]
    assert playlist(run.json, title.uri("v0/index.m3u8"))["objects"]["missing"] == 0


def test_deleted_key(cli, title_of):
    title = title_of("aes128")
    title.delete("enc.key")
    run = check(cli, title, "index.m3u8")
    assert run.exit_code == 1
    assert findings(run.json) == [("key-missing", title.uri("enc.key"))]
    assert run.json["findings"][0]["line"] == 6


def test_deleted_middle_segment_of_one_variant(cli, title_of):
    title = title_of("ts-ladder")
    title.delete("stream_0/seg001.ts")
    run = check(cli, title, "master.m3u8")
    assert run.exit_code == 1
    assert findings(run.json) == [("segment-missing", title.uri("stream_0/seg001.ts"))]
    assert playlist(run.json, title.uri("stream_1/index.m3u8"))["objects"]["missing"] == 0


def test_truncated_single_file(cli, title_of):
    title = title_of("single-file")
    data = title.read("index.ts")
    title.write("index.ts", data[: len(data) // 2])
    run = check(cli, title, "index.m3u8")
    assert run.exit_code == 1
    assert findings(run.json) == [("byterange-out-of-bounds", title.uri("index.ts"))]
    assert "3 of 4 sub-ranges do" in run.json["findings"][0]["message"]


def test_byte_ranges_of_one_file_share_one_check(cli, title_of):
    title = title_of("single-file")
    report = check(cli, title, "index.m3u8").json
    assert report["playlists"][0]["segment_count"] == 4
    assert report["summary"]["objects_checked"] == 1


def test_the_one_rendition_longer_than_the_others_is_named_not_the_others(cli, title_of):
    """Two renditions of three agree on 8 s; the one that lasts 11.5 s is the odd one."""
    title = title_of("ts-ladder")
    title.edit("stream_1/index.m3u8",
               lambda text: text.replace("#EXTINF:2.000000,\nseg002.ts",
                                         "#EXTINF:5.500000,\nseg002.ts"))
    run = check(cli, title, "master.m3u8")
    assert run.exit_code == 1
    mismatches = [f for f in run.json["findings"] if f["name"] == "variant-duration-mismatch"]
    assert [f["uri"] for f in mismatches] == [title.uri("stream_1/index.m3u8")]
    assert "3.500 s more than the other renditions agree on" in mismatches[0]["message"]
    assert mismatches[0]["hint"].startswith("a rendition longer than the others")


def test_truncated_rendition_playlist(cli, title_of):
    """The audio rendition's playlist lost its last two segments but still ends with ENDLIST."""
    title = title_of("ts-ladder")
    title.edit("stream_2/index.m3u8",
               lambda text: text.split("seg001.ts\n")[0] + "seg001.ts\n#EXT-X-ENDLIST\n")
    run = check(cli, title, "master.m3u8")
    assert run.exit_code == 1
    assert findings(run.json) == [("variant-duration-mismatch", title.uri("stream_2/index.m3u8"))]
    assert playlist(run.json, title.uri("stream_2/index.m3u8"))["segment_count"] == 2
    assert playlist(run.json, title.uri("stream_0/index.m3u8"))["segment_count"] == 4


def test_target_duration_and_playlist_type_must_agree(cli, title_of):
    title = title_of("elastic-transcoder")
    title.edit("HLS/1M/sample.m3u8",
               lambda t: t.replace("#EXT-X-TARGETDURATION:2", "#EXT-X-TARGETDURATION:4"))
    title.edit("HLS/400k/sample.m3u8", lambda t: t.replace("#EXT-X-PLAYLIST-TYPE:VOD\n", ""))
    run = check(cli, title, "HLS/sample.m3u8")
    assert run.exit_code == 1
    names = sorted(name for name, _ in findings(run.json))
    assert names == ["playlist-type-mismatch", "target-duration-mismatch"]


def test_prefix_reports_each_playlist_once_under_its_master(cli, title_of):
    title = title_of("elastic-transcoder")
    run = check(cli, title, "HLS/" if title.where == "s3" else "")
    assert run.exit_code == 0, run.stderr
    report = run.json
    master = title.uri("HLS/sample.m3u8")
    assert [p["uri"] for p in report["playlists"]] == [
        master, title.uri("HLS/400k/sample.m3u8"), title.uri("HLS/1M/sample.m3u8")]
    assert [p["parent"] for p in report["playlists"]] == [None, master, master]


def test_prefix_without_slash_and_without_such_object(s3_cli, s3: S3):
    run = s3_cli("check", "s3://app1-transcoder-out/HLS/1M/D0002021500_00000", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json["summary"]["segments"] == 6


def test_prefix_with_no_playlist_exits_2(s3_cli):
    run = s3_cli("check", "s3://app1-transcoder-out/HLS/9M/")
    assert run.exit_code == 2
    assert "no playlist (.m3u8) under s3://app1-transcoder-out/HLS/9M/" in run.stderr


def test_directory_with_no_playlist_exits_2(cli, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    run = cli("check", str(tmp_path / "empty"))
    assert run.exit_code == 2
    assert "no playlist (.m3u8) under" in run.stderr


def test_loop_between_two_multivariant_playlists(cli, title_of):
    title = title_of("ts-ladder")
    title.write("a.m3u8", b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nb.m3u8\n"
                          b"#EXT-X-STREAM-INF:BANDWIDTH=200000\nstream_0/index.m3u8\n")
    title.write("b.m3u8", b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\na.m3u8\n")
    run = check(cli, title, "a.m3u8")
    assert run.exit_code == 1
    assert findings(run.json) == [("multivariant-nested", title.uri("b.m3u8")),
                                  ("playlist-loop", title.uri("a.m3u8"))]
    assert [p["uri"] for p in run.json["playlists"]] == [
        title.uri("a.m3u8"), title.uri("b.m3u8"), title.uri("stream_0/index.m3u8")]


def test_self_reference_is_a_loop(cli, title_of):
    title = title_of("ts-ladder")
    title.write("self.m3u8", b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nself.m3u8\n")
    run = check(cli, title, "self.m3u8")
    assert run.exit_code == 1
    assert findings(run.json) == [("playlist-loop", title.uri("self.m3u8"))]


def test_shared_playlist_is_fetched_and_reported_once(cli, title_of):
    title = title_of("ts-ladder")
    title.edit("master.m3u8", lambda t: t + (
        "#EXT-X-STREAM-INF:BANDWIDTH=90000,RESOLUTION=64x36,CODECS=\"avc1.42d00b,mp4a.40.2\"\n"
        "stream_0/index.m3u8\n"))
    report = check(cli, title, "master.m3u8").json
    uris = [p["uri"] for p in report["playlists"]]
    assert uris.count(title.uri("stream_0/index.m3u8")) == 1
    assert len(playlist(report, title.uri("master.m3u8"))["variants"]) == 3


def test_external_and_escaping_references(cli, title_of):
    title = title_of("aes128")
    title.edit("index.m3u8", lambda t: t
               .replace('URI="enc.key"', 'URI="skd://fairplay-key"')
               .replace("seg002.ts", "https://cdn.example.com/seg002.ts")
               .replace("seg003.ts", "../../../../seg003.ts"))
    # The root is the bucket, or the directory named on the command line.
    run = check(cli, title, "index.m3u8" if title.where == "s3" else "")
    names = sorted(f["name"] for f in run.json["findings"])
    assert names == ["external-uri-not-checked", "external-uri-not-checked", "uri-escapes-root"]
    assert run.exit_code == 1
    assert run.json["summary"]["objects_checked"] == 2


def test_low_latency_parts_are_checked(cli, title_of):
    title = title_of("cmaf")
    title.edit("v0/index.m3u8", lambda t: t.replace("#EXT-X-ENDLIST\n", "")
               .replace("#EXT-X-PLAYLIST-TYPE:VOD\n", "#EXT-X-PART-INF:PART-TARGET=1.0\n"
                        "#EXT-X-SERVER-CONTROL:PART-HOLD-BACK=3.0\n"
                        "#EXT-X-PROGRAM-DATE-TIME:2026-11-29T08:00:00.000Z\n")
               + "#EXT-X-PART:DURATION=1.0,URI=\"seg003.m4s\"\n"
               + "#EXT-X-PART:DURATION=1.0,URI=\"part-gone.m4s\"\n"
               + "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-next.m4s\"\n")
    run = check(cli, title, "v0/index.m3u8")
    assert run.exit_code == 1
    got = {(f["name"], f["severity"]) for f in run.json["findings"]
           if f["name"] != "version-higher-than-needed"}
    # a low-latency playlist shows it is live: no ENDLIST is information there
    assert got == {("part-missing", "error"), ("preload-hint-missing", "info"),
                   ("endlist-missing", "info")}


def test_ladder_row_of_a_truncated_rendition_is_marked(cli, title_of):
    title = title_of("ts-ladder")
    title.edit("stream_2/index.m3u8",
               lambda text: text.split("seg001.ts\n")[0] + "seg001.ts\n#EXT-X-ENDLIST\n")
    run = cli("check", *title.target("master.m3u8"))
    assert run.exit_code == 1
    [row] = [line for line in run.stdout.splitlines() if "stream_2/index.m3u8" in line
             and "audio" in line]
    assert "1 error" in row
    [row] = [line for line in run.stdout.splitlines() if "stream_0/index.m3u8" in line
             and "variant" in line]
    assert "OK" in row


def test_iframe_playlist_is_followed_and_checked(cli, title_of):
    title = title_of("ts-ladder")
    ranges = "".join(f"#EXTINF:2.0,\n#EXT-X-BYTERANGE:376@0\nstream_0/seg00{n}.ts\n"
                     for n in range(4))
    title.write("iframe.m3u8", (
        "#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXT-X-I-FRAMES-ONLY\n{ranges}#EXT-X-ENDLIST\n").encode())
    title.edit("master.m3u8", lambda t: t + '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=9000,'
                                            'RESOLUTION=64x36,URI="iframe.m3u8"\n')
    title.delete("stream_0/seg002.ts")
    run = check(cli, title, "master.m3u8")
    assert run.exit_code == 1
    iframe = playlist(run.json, title.uri("iframe.m3u8"))
    assert iframe["parent"] == title.uri("master.m3u8")
    assert iframe["segment_count"] == 4
    master = playlist(run.json, title.uri("master.m3u8"))
    assert [v["iframe"] for v in master["variants"]] == [False, False, True]
    missing = sorted((f["playlist"], f["uri"]) for f in run.json["findings"]
                     if f["name"] == "segment-missing")
    assert missing == sorted([(title.uri("iframe.m3u8"), title.uri("stream_0/seg002.ts")),
                              (title.uri("stream_0/index.m3u8"), title.uri("stream_0/seg002.ts"))])


def test_discontinuity_counts_must_agree(cli, title_of):
    title = title_of("elastic-transcoder")
    title.edit("HLS/1M/sample.m3u8",
               lambda t: t.replace("sample00001.ts\n", "sample00001.ts\n#EXT-X-DISCONTINUITY\n"))
    run = check(cli, title, "HLS/sample.m3u8")
    assert run.exit_code == 0
    [finding] = [f for f in run.json["findings"] if f["severity"] != "info"]
    assert (finding["name"], finding["severity"]) == ("discontinuity-mismatch", "warning")
    assert "HLS/1M/sample.m3u8: 0 to 1 from segment 0" in finding["message"]
    assert check(cli, title, "HLS/sample.m3u8", "--fail-on", "warning").exit_code == 1


def test_junit_fails_the_missing_variants_own_test_case(cli, title_of, tmp_path):
    title = title_of("ts-ladder")
    title.delete("stream_1/index.m3u8")
    junit = tmp_path / "junit.xml"
    run = cli("check", *title.target("master.m3u8"), "--junit", str(junit))
    assert run.exit_code == 1
    import xml.etree.ElementTree as ET

    cases = {(c.get("classname"), c.get("name")): c
             for c in ET.parse(junit).getroot().iter("testcase")}
    failed = [key for key, case in cases.items() if case.find("failure") is not None]
    # the variant's own test case fails, once, not the multivariant playlist's as well
    assert failed == [(title.uri("stream_1/index.m3u8"),
                       f"HLS020 playlist-missing in {title.uri('master.m3u8')}:8")]
    assert f"at {title.uri('master.m3u8')}:8" in (cases[failed[0]].find("failure").text or "")
    assert cases[title.uri("stream_0/index.m3u8"), "no failing finding"].find("failure") is None


def test_a_variant_one_segment_short_is_flagged_on_its_ladder_row(cli, title_of, monkeypatch):
    title = title_of("ts-ladder")
    title.edit("stream_1/index.m3u8",
               lambda text: text.replace("#EXTINF:2.000000,\nseg003.ts\n", ""))
    report = check(cli, title, "master.m3u8").json
    [short] = [f for f in report["findings"] if f["name"] == "variant-shorter-than-siblings"]
    assert (short["severity"], short["uri"], short["line"]) == (
        "warning", title.uri("stream_1/index.m3u8"), 7)
    monkeypatch.setenv("COLUMNS", "200")
    table = cli("check", *title.target("master.m3u8")).stdout
    rows = {next(c.strip() for c in line.split("│") if c.strip().endswith(".m3u8")):
            line.split("│")[-2].strip() for line in table.splitlines() if line.startswith("│ ")}
    # the audio row carries the multivariant playlist's channels-missing about its own tag
    assert rows == {"stream_0/index.m3u8": "OK", "stream_1/index.m3u8": "1 warning",
                    "stream_2/index.m3u8": "1 warning"}


def test_a_narrow_ladder_names_the_columns_it_hides(cli, title_of, monkeypatch):
    title = title_of("ts-ladder")
    monkeypatch.setenv("COLUMNS", "90")
    table = cli("check", *title.target("master.m3u8")).stdout
    assert "hidden for width: Avg bw" in table
    assert "Present" in table and "Status" in table


def test_the_verdict_counts_playlists_missing_and_not_a_playlist(cli, title_of):
    """A playlist read whose bytes are no playlist is a finding (exit 1), and the table says
    so rather than "not read", which is what a playlist that could not be read (exit 2 for
    the root) is."""
    title = title_of("ts-ladder")
    title.delete("stream_1/index.m3u8")
    title.write("stream_0/index.m3u8", b"\x00\x01 not a playlist")
    run = cli("check", *title.target("master.m3u8"), "--color", "never")
    assert run.exit_code == 1
    assert "4 playlists (1 missing, 1 not a playlist)" in run.stdout
    assert "not read" not in run.stdout  # the ladder's rows: missing, not a playlist
    summary = check(cli, title, "master.m3u8").json["summary"]
    assert (summary["playlists"], summary["playlists_missing"]) == (4, 1)


def test_a_variant_the_multivariant_playlist_lost_is_named(cli, title_of):
    title = title_of("ts-ladder")
    title.edit("master.m3u8", lambda text: text.split("\n#EXT-X-STREAM-INF:BANDWIDTH=163075")[0])
    report = check(cli, title).json
    assert findings(report, "warning") == [
        ("playlist-unreferenced", title.uri("stream_1/index.m3u8")),
        ("channels-missing", None)]
    lost = playlist(report, title.uri("stream_1/index.m3u8"))
    assert (lost["parent"], lost["segment_count"]) == (None, 4)  # still inspected on its own
