"""Playlists a new user saw pass (exit 0) although they break players or a MUST, and the two
false alarms: each is now the named error on the right line, or nothing at all."""

from __future__ import annotations

from pathlib import Path

import pytest

TS = b"\x47" + b"\x00" * 187
MEDIA = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
         "#EXTINF:9.009,\na.ts\n#EXT-X-ENDLIST\n")
AUDIO = '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",URI="a.m3u8"\n'
VARIANT = '#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001f,mp4a.40.2"\nv.m3u8\n'


def media(head: str = "", body: str = "#EXTINF:9.009,\na.ts\n", version: str = "3") -> str:
    version_line = f"#EXT-X-VERSION:{version}\n" if version else ""
    return (f"#EXTM3U\n{version_line}#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
            f"{head}{body}#EXT-X-ENDLIST\n")


def master(*lines: str) -> str:
    return "#EXTM3U\n" + "".join(lines)


CASES = [
    pytest.param(master(VARIANT.replace('"\n', '",AUDIO="aud"\n', 1)), "group-missing", 2,
                 id="audio-group-without-media"),
    pytest.param(master('#EXT-X-MEDIA:TYPE=AUDIO,NAME="English",URI="a.m3u8"\n', VARIANT),
                 "attribute-missing", 2, id="media-without-group-id"),
    pytest.param(master('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",NAME="English",'
                        'LANGUAGE="en"\n', VARIANT.replace('"\n', '",SUBTITLES="s"\n', 1)),
                 "rendition-uri-missing", 2, id="subtitles-without-uri"),
    pytest.param(master('#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="English",'
                        'INSTREAM-ID="CC1",URI="cc.m3u8"\n',
                        VARIANT.replace('"\n', '",CLOSED-CAPTIONS="cc"\n', 1)),
                 "rendition-uri-forbidden", 2, id="closed-captions-with-uri"),
    pytest.param(master(AUDIO.replace("URI=", "DEFAULT=YES,AUTOSELECT=NO,URI="),
                        VARIANT.replace('"\n', '",AUDIO="aud"\n', 1)),
                 "default-without-autoselect", 2, id="default-yes-autoselect-no"),
    pytest.param(master(AUDIO, AUDIO.replace("a.m3u8", "b.m3u8"),
                        VARIANT.replace('"\n', '",AUDIO="aud"\n', 1)),
                 "rendition-name-duplicate", 3, id="one-name-twice-in-a-group"),
    pytest.param(media('#EXT-X-MAP:URI="init.mp4"\n'), "version-too-low", 5,
                 id="map-under-version-3"),
    pytest.param(media(body="#EXTINF:9.009,\n#EXT-X-BYTERANGE:100@0\na.ts\n"),
                 "version-too-low", 6, id="byterange-under-version-3"),
    pytest.param(media(version=""), "version-too-low", 4, id="decimal-extinf-without-version"),
    pytest.param(media(body="#EXTINF:9.009,\na.ts\n#EXT-X-MEDIA-SEQUENCE:1\n"),
                 "media-sequence-misplaced", 7, id="media-sequence-after-first-segment"),
    pytest.param(media('#EXT-X-KEY:METHOD=AES-128\n'), "key-uri-missing", 5,
                 id="aes-128-without-uri"),
    pytest.param(MEDIA.replace("PLAYLIST-TYPE:VOD", "PLAYLIST-TYPE:LIVE"), "tag-value-invalid",
                 4, id="playlist-type-live"),
    pytest.param(media("#EXT-X-MEDIA-SEQUENCE:-1\n"), "tag-value-invalid", 5,
                 id="media-sequence-minus-one"),
    pytest.param(media("#EXT-X-VERSION:3\n"), "version-duplicate", 5, id="version-twice"),
    pytest.param(master(VARIANT, "#EXTINF:9.009,\na.ts\n"), "playlist-kind-mixed", 4,
                 id="stream-inf-and-extinf"),
    pytest.param(media("#EXT-X-TARGETDURATION:10\n"), "tag-duplicate", 5,
                 id="target-duration-twice"),
]


def files(tmp_path: Path, playlist: str) -> Path:
    (tmp_path / "index.m3u8").write_text(playlist)
    (tmp_path / "v.m3u8").write_text(MEDIA)
    (tmp_path / "a.m3u8").write_text(MEDIA)
    (tmp_path / "b.m3u8").write_text(MEDIA)
    (tmp_path / "a.ts").write_bytes(TS)
    (tmp_path / "init.mp4").write_bytes(TS)
    return tmp_path / "index.m3u8"


@pytest.mark.parametrize(("playlist", "name", "line"), CASES)
def test_a_broken_playlist_is_an_error_on_its_line(cli, tmp_path: Path, playlist: str,
                                                   name: str, line: int):
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    assert run.exit_code == 1, run.stdout
    errors = [(f["name"], f["line"]) for f in run.json["findings"] if f["severity"] == "error"]
    assert (name, line) in errors, errors


def test_a_duplicate_target_duration_is_not_blamed_on_a_segment(cli, tmp_path: Path):
    run = cli("check", str(files(tmp_path, media("#EXT-X-TARGETDURATION:10\n"))), "--format",
              "json")
    [finding] = [f for f in run.json["findings"] if f["severity"] == "error"]
    assert finding["uri"] is None and finding["line"] == 5
    assert "first on line 3" in finding["message"]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        pytest.param("#EXTINF:abc,\na.ts\n", 5, "'abc' is not a number of seconds", id="extinf"),
        pytest.param("#EXTINF:9.009,\n#EXT-X-BYTERANGE:x@y\na.ts\n", 6,
                     "<length>[@<offset>]", id="byterange"),
    ],
)
def test_parse_errors_speak_plain_words_on_the_right_line(cli, tmp_path: Path, body: str,
                                                          line: int, words: str):
    run = cli("check", str(files(tmp_path, media(body=body, version="4"))), "--format", "json")
    [finding] = [f for f in run.json["findings"] if f["severity"] == "error"]
    assert finding["line"] == line
    assert words in finding["message"]
    for internal in ("invalid literal", "ValueError", "KeyError", "TypeError", "int()"):
        assert internal not in finding["message"]


def test_a_gap_segment_is_not_reported_missing(cli, tmp_path: Path):
    playlist = media(body="#EXTINF:9.009,\na.ts\n#EXT-X-GAP\n#EXTINF:9.009,\ngone.ts\n")
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert run.json["summary"]["objects_checked"] == 1
    assert run.json["playlists"][0]["segment_count"] == 2


def test_a_multivariant_playlist_without_variants_is_not_an_empty_media_playlist(
        cli, tmp_path: Path):
    playlist = master('#EXT-X-SESSION-DATA:DATA-ID="com.example.title",VALUE="Title"\n',
                      '#EXT-X-SESSION-KEY:METHOD=AES-128,URI="k.key"\n',
                      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=9000,CODECS="avc1.64001f",'
                      'RESOLUTION=640x360,URI="i.m3u8"\n')
    (tmp_path / "k.key").write_bytes(b"0123456789abcdef")
    (tmp_path / "i.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        "#EXT-X-I-FRAMES-ONLY\n#EXTINF:9.009,\n#EXT-X-BYTERANGE:188@0\na.ts\n#EXT-X-ENDLIST\n")
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert run.json["playlists"][0]["kind"] == "multivariant"
    assert "playlist-empty" not in {f["name"] for f in run.json["findings"]}


def test_low_latency_playlist_without_parts_is_checked_without_a_crash(cli, tmp_path: Path):
    playlist = ("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:4\n"
                "#EXT-X-PART-INF:PART-TARGET=1.0\n#EXT-X-SERVER-CONTROL:PART-HOLD-BACK=3.0\n"
                "#EXT-X-PROGRAM-DATE-TIME:2026-11-29T08:00:00.000Z\n"
                "#EXTINF:4.0,\na.ts\n#EXTINF:4.0,\na.ts\n#EXTINF:4.0,\na.ts\n")
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert "internal-error" not in {f["name"] for f in run.json["findings"]}


def test_an_audio_only_variant_that_is_its_own_audio_is_measured_once(cli, tmp_path: Path):
    """RFC 8216bis 9.6: the audio-only variant's URI is also its AUDIO group's rendition."""
    segment = b"\x47" + b"\x00" * 47999  # 48,000 bytes over 6 s: 64 kbit/s
    audio = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n"
             "#EXTINF:6.0,\na0.ts\n#EXTINF:6.0,\na1.ts\n#EXT-X-ENDLIST\n")
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio/en.m3u8").write_text(audio)
    for name in ("a0.ts", "a1.ts"):
        (tmp_path / "audio" / name).write_bytes(segment)
    (tmp_path / "master.m3u8").write_text(
        '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",DEFAULT=YES,'
        'AUTOSELECT=YES,LANGUAGE="en",CHANNELS="2",URI="audio/en.m3u8"\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=65000,AVERAGE-BANDWIDTH=64000,CODECS="mp4a.40.2",'
        'AUDIO="aac"\naudio/en.m3u8\n')
    run = cli("check", str(tmp_path / "master.m3u8"), "--format", "json", "--rules", "apple")
    [variant] = run.json["playlists"][0]["variants"]
    assert (variant["measured_bandwidth"], variant["measured_average_bandwidth"]) == (
        64000, 64000)
    assert not {"bandwidth-below-measured", "apple-bandwidth-not-within-10-percent"} & {
        f["name"] for f in run.json["findings"]}


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00.000+01:00",
                                    "9999-12-31T23:59:59.999-05:00"])
def test_dates_at_the_ends_of_the_calendar_do_not_crash_a_rule(cli, tmp_path: Path,
                                                               moment: str):
    playlist = (f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-PROGRAM-DATE-TIME:{moment}\n"
                "#EXTINF:99999999999999999999.0,\na.ts\n"
                f"#EXT-X-PROGRAM-DATE-TIME:{moment}\n#EXTINF:9,\na.ts\n"
                f'#EXT-X-DATERANGE:ID="a",CLASS="c",START-DATE="{moment}",'
                "DURATION=99999999999999999999\n"
                f'#EXT-X-DATERANGE:ID="b",CLASS="c",START-DATE="{moment}",END-ON-NEXT=YES\n')
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json", "--rules", "apple")
    assert "internal-error" not in {f["name"] for f in run.json["findings"]}


def test_apple_segmenter_tab_after_extinf_is_a_warning_not_an_error(cli, tmp_path: Path):
    """RFC 8216 4.1 forbids control characters, TAB included; Apple's segmenter writes one
    after EXTINF and players accept it. A space in a title is plain text."""
    playlist = media(body="#EXTINF:9.97667,\t\na.ts\n#EXTINF:9.9,Scene 2 \na.ts\n")
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert [(f["name"], f["severity"], f["line"]) for f in run.json["findings"]] == [
        ("text-character-risky", "warning", 5)]


def test_an_unfinished_vod_playlist_gets_its_own_fix(cli, tmp_path: Path):
    run = cli("check", str(files(tmp_path, MEDIA.replace("#EXT-X-ENDLIST\n", ""))), "--format",
              "json")
    [endlist] = [f for f in run.json["findings"] if f["name"] == "endlist-missing"]
    assert endlist["severity"] == "error"
    assert "--fail-on" not in endlist["hint"] and "#EXT-X-ENDLIST" in endlist["hint"]


def test_average_bandwidth_above_bandwidth_is_written_readably(cli, tmp_path: Path):
    playlist = master(VARIANT.replace("BANDWIDTH=", "AVERAGE-BANDWIDTH=9000000,BANDWIDTH=", 1))
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    [above] = [f for f in run.json["findings"] if f["name"] == "average-bandwidth-above-bandwidth"]
    assert "AVERAGE-BANDWIDTH 9,000,000 is greater than BANDWIDTH" in above["message"]


# From the m3u8-parser (videojs) test corpus: what a lenient parser forgives is judged once,
# and what the RFC allows is not an error.
LL = ("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:4\n#EXT-X-PART-INF:PART-TARGET=1.0\n"
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-29T08:00:00.000Z\n"
      + "#EXTINF:4.0,\na.ts\n" * 6 + '#EXT-X-PART:DURATION=1.0,URI="p.ts"\n')


def test_a_space_before_an_attribute_is_one_finding_and_the_attribute_still_counts(
        cli, tmp_path: Path):
    playlist = master("#EXT-X-STREAM-INF:PROGRAM-ID=1, BANDWIDTH=900000\nv.m3u8\n")
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    errors = [f["name"] for f in run.json["findings"] if f["severity"] == "error"]
    assert errors == ["attribute-list-whitespace"]


def test_end_on_next_with_end_date_is_caught_behind_a_space(cli, tmp_path: Path):
    playlist = media('#EXT-X-PROGRAM-DATE-TIME:2026-11-29T08:00:00.000Z\n'
                     '#EXT-X-DATERANGE:ID="a",CLASS="c",START-DATE="2026-11-29T08:00:00.000Z",'
                     'END-ON-NEXT=YES, END-DATE="2026-11-29T08:00:09.000Z"\n')
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    names = {f["name"] for f in run.json["findings"]}
    assert {"attribute-list-whitespace", "daterange-end-on-next-invalid"} <= names


def test_an_empty_attribute_list_is_one_error(cli, tmp_path: Path):
    run = cli("check", str(files(tmp_path, master("#EXT-X-STREAM-INF:\nv.m3u8\n"))), "--format",
              "json")
    errors = [f["name"] for f in run.json["findings"] if f["severity"] == "error"]
    assert errors == ["tag-value-invalid"]


def test_a_preload_hint_of_an_unknown_type_is_a_warning(cli, tmp_path: Path):
    playlist = LL + '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p2.ts"\n' \
                    '#EXT-X-PRELOAD-HINT:TYPE=FOO,URI="foo.mp4"\n'
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json",
              "--ignore", "part-missing,preload-hint-missing,segment-missing")
    found = [(f["name"], f["severity"]) for f in run.json["findings"]]
    assert ("attribute-value-invalid", "warning") in found
    assert not [f for f in run.json["findings"] if f["severity"] == "error"], found


def test_recently_removed_dateranges_are_separated_by_tabs(cli, tmp_path: Path):
    playlist = ("#EXTM3U\n#EXT-X-VERSION:10\n#EXT-X-TARGETDURATION:4\n"
                "#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=24.0,CAN-SKIP-DATERANGES=YES\n"
                "#EXT-X-MEDIA-SEQUENCE:266\n"
                '#EXT-X-SKIP:SKIPPED-SEGMENTS=3,RECENTLY-REMOVED-DATERANGES="foo\tbar"\n'
                "#EXTINF:4.0,\na.ts\n")
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    assert "playlist-parse-error" not in {f["name"] for f in run.json["findings"]}


def test_a_misspelt_attribute_reads_as_a_sentence(cli, tmp_path: Path):
    playlist = master("#EXT-X-STREAM-INF:BANDWIDTH=900000,BANDWITH=1\nv.m3u8\n")
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    [unknown] = [f for f in run.json["findings"] if f["name"] == "attribute-unknown"]
    assert unknown["message"] == ("#EXT-X-STREAM-INF does not define BANDWITH (did you mean "
                                  "BANDWIDTH?); clients ignore it")


def test_low_latency_messages_name_what_is_there(cli, tmp_path: Path):
    playlist = (LL.replace("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0\n", "")
                + '#EXT-X-PART:DURATION=1.0,URI="all.mp4",BYTERANGE="100"\n')
    run = cli("check", str(files(tmp_path, playlist)), "--format", "json")
    messages = {f["name"]: f["message"] for f in run.json["findings"]}
    assert messages["part-hold-back-missing"].endswith(
        "there is no EXT-X-SERVER-CONTROL with PART-HOLD-BACK")
    assert "the first of its parent segment" in messages["byterange-invalid"]
