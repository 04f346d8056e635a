"""Odd but valid output judged as what it is: live objects as live, subtitles that end at
their last cue, bandwidths within the playlist's own precision, and error pages stored as
segments told apart from segments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TS = b"\x47" + b"\x00" * 187
LL_HEAD = ("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:4\n"
           "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3\n"
           "#EXT-X-PART-INF:PART-TARGET=1\n#EXT-X-MEDIA-SEQUENCE:0\n")


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)


def check(cli: Any, root: Path, files: dict[str, str | bytes], *args: str) -> list[Any]:
    """The findings of checking the first file of `files`, written under `root`."""
    write(root, files)
    run = cli("check", str(root / next(iter(files))), "--format", "json", *args)
    assert run.exit_code in (0, 1), run.stderr
    return list(run.json["findings"])


def named(findings: list[Any], name: str) -> list[Any]:
    return [f for f in findings if f["name"] == name]


# -- live objects -------------------------------------------------------------------------

def test_a_preload_hint_past_the_part_being_written_is_in_bounds(cli, tmp_path: Path):
    """s1.ts holds one part (188 bytes) so far; the second part and the hint reach past."""
    playlist = (LL_HEAD + "#EXTINF:4.0,\ns0.ts\n"
                '#EXT-X-PART:DURATION=1,URI="s1.ts",BYTERANGE="188@0",INDEPENDENT=YES\n'
                '#EXT-X-PART:DURATION=1,URI="s1.ts",BYTERANGE="188@188"\n'
                '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s1.ts",BYTERANGE-START=376,'
                "BYTERANGE-LENGTH=188\n")
    found = check(cli, tmp_path, {"index.m3u8": playlist, "s0.ts": TS, "s1.ts": TS})
    assert named(found, "byterange-out-of-bounds") == []


def test_a_hint_alone_past_the_end_is_in_bounds(cli, tmp_path: Path):
    playlist = (LL_HEAD + "#EXTINF:4.0,\ns0.ts\n"
                '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s1.ts",BYTERANGE-START=0,'
                "BYTERANGE-LENGTH=1000\n")
    found = check(cli, tmp_path, {"index.m3u8": playlist, "s0.ts": TS, "s1.ts": TS})
    assert named(found, "byterange-out-of-bounds") == []


def test_a_finished_segments_part_past_its_end_is_still_out_of_bounds(cli, tmp_path: Path):
    """s0.ts is complete (an EXTINF names it): its second part cannot grow into place."""
    playlist = (LL_HEAD + '#EXT-X-PART:DURATION=1,URI="s0.ts",BYTERANGE="188@0"\n'
                '#EXT-X-PART:DURATION=1,URI="s0.ts",BYTERANGE="188@188"\n'
                "#EXTINF:2.0,\ns0.ts\n"
                '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s1.ts",BYTERANGE-START=0\n')
    found = check(cli, tmp_path, {"index.m3u8": playlist, "s0.ts": TS, "s1.ts": TS})
    assert [f["uri"] for f in named(found, "byterange-out-of-bounds")] == [
        str(tmp_path / "s0.ts")]


def test_byterange_bounds_at_the_last_byte(cli, tmp_path: Path):
    """offset + length == size is the last byte, in bounds; one more byte is not."""
    def playlist(second: int) -> str:
        return ("#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:10\n"
                "#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:9.009,\n#EXT-X-BYTERANGE:100@0\nall.ts\n"
                f"#EXTINF:9.009,\n#EXT-X-BYTERANGE:{second}\nall.ts\n#EXT-X-ENDLIST\n")

    exact = check(cli, tmp_path / "exact", {"index.m3u8": playlist(88), "all.ts": TS})
    assert named(exact, "byterange-out-of-bounds") == []
    over = named(check(cli, tmp_path / "over", {"index.m3u8": playlist(89), "all.ts": TS}),
                 "byterange-out-of-bounds")
    assert [(f["observed"], f["expected"]) for f in over] == [("189 bytes needed", "<= 188")]


# -- references ---------------------------------------------------------------------------

def test_part_findings_cite_8216bis_not_rfc_8216(cli, tmp_path: Path):
    """RFC 8216 has no EXT-X-PART: findings about one cite 8216bis 4.4.4.9, where it is."""
    playlist = ("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:4\n"
                "#EXT-X-PART-INF:PART-TARGET=1\n"
                '#EXT-X-PART:DURATION=1,URI="s0.ts",BYTERANGE="0@0"\n'
                '#EXT-X-PART:URI="s0.ts",BYTERANGE="100"\n'
                '#EXT-X-PART:DURATION=one,URI="s0.ts",BYTERANGE="300@0", INDEPENDENT=YES\n'
                "#EXTINF:3.0,\ns0.ts\n#EXT-X-ENDLIST\n")
    found = check(cli, tmp_path, {"index.m3u8": playlist, "s0.ts": TS})
    cites = {f["name"]: f["reference"] for f in found if f["line"] in (5, 6, 7)}
    assert cites == {
        "attribute-value-invalid": "RFC 8216bis 4.4.4.9",
        "attribute-missing": "RFC 8216bis 4.4.4.9",
        "byterange-invalid": "RFC 8216bis 4.4.4.9",
        "attribute-list-whitespace": "RFC 8216bis 4.2, 4.4.4.9",
        "byterange-out-of-bounds": "RFC 8216bis 4.4.4.9",
    }


def test_segment_byte_ranges_still_cite_rfc_8216(cli, tmp_path: Path):
    playlist = ("#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
                '#EXT-X-KEY:METHOD=AES-128,URI="k.key",IV=12\n'
                "#EXTINF:9.009,\n#EXT-X-BYTERANGE:200@0\nall.ts\n#EXT-X-ENDLIST\n")
    found = check(cli, tmp_path, {"index.m3u8": playlist, "all.ts": TS,
                                  "k.key": b"0123456789abcdef"})
    cites = {f["name"]: f["reference"] for f in found}
    assert cites["byterange-out-of-bounds"] == "RFC 8216 4.3.2.2"
    assert cites["attribute-value-invalid"] == "RFC 8216 4.2"


# -- subtitles that end at their last cue ---------------------------------------------------

def media(durations: list[float], prefix: str) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for n, duration in enumerate(durations):
        lines += [f"#EXTINF:{duration},", f"{prefix}{n}.ts"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def title(video: list[float], renditions: dict[str, tuple[str, list[float]]]
          ) -> dict[str, str | bytes]:
    """master.m3u8 with one variant (v.m3u8) and `renditions`: name -> (TYPE, durations)."""
    master = ["#EXTM3U"]
    groups = {"AUDIO": "a", "SUBTITLES": "s"}
    files: dict[str, str | bytes] = {"v.m3u8": media(video, "v")}
    files.update({f"v{n}.ts": TS for n in range(len(video))})
    used = set()
    for name, (kind, durations) in renditions.items():
        used.add(kind)
        master.append(f'#EXT-X-MEDIA:TYPE={kind},GROUP-ID="{groups[kind]}",NAME="{name}",'
                      f'URI="{name}.m3u8"')
        files[f"{name}.m3u8"] = media(durations, name)
        files.update({f"{name}{n}.ts": TS for n in range(len(durations))})
    attrs = "".join(f',{kind}="{groups[kind]}"' for kind in sorted(used))
    master += [f"#EXT-X-STREAM-INF:BANDWIDTH=100000{attrs}", "v.m3u8", ""]
    return {"master.m3u8": "\n".join(master), **files}


def mismatches(found: list[Any]) -> list[tuple[str, str]]:
    return sorted((f["uri"].rsplit("/", 1)[1], f["severity"])
                  for f in named(found, "variant-duration-mismatch"))


def test_subtitles_ending_at_their_last_cue_are_info(cli, tmp_path: Path):
    found = check(cli, tmp_path, title([4, 4, 4], {"en": ("SUBTITLES", [4])}))
    assert mismatches(found) == [("en.m3u8", "info")]
    assert "last cue" in named(found, "variant-duration-mismatch")[0]["message"]


def test_two_short_subtitles_do_not_make_the_video_too_long(cli, tmp_path: Path):
    """Two subtitles renditions agree with each other, 2 of 3 media playlists: they are not
    the majority the video is judged by."""
    found = check(cli, tmp_path, title([4, 4, 4], {"en": ("SUBTITLES", [4]),
                                                  "fr": ("SUBTITLES", [4])}))
    assert mismatches(found) == [("en.m3u8", "info"), ("fr.m3u8", "info")]


def test_subtitles_longer_than_the_video_are_an_error(cli, tmp_path: Path):
    found = check(cli, tmp_path, title([4, 4], {"en": ("SUBTITLES", [4, 4, 4, 4])}))
    assert mismatches(found) == [("en.m3u8", "error")]


def test_audio_cut_short_is_still_an_error(cli, tmp_path: Path):
    found = check(cli, tmp_path, title([4, 4, 4], {"en": ("AUDIO", [4]),
                                                  "de": ("SUBTITLES", [4, 4, 4])}))
    assert mismatches(found) == [("en.m3u8", "error")]


# -- bandwidth within the playlist's own precision ------------------------------------------

SEGMENT = TS * 2660
"""500,080 bytes, 4,000,640 bits: over 4.004 s, 999,160.84 bit/s."""


def ladder(extinf: str, bandwidth: int, average: int | None = None) -> dict[str, str | bytes]:
    """One variant of two segments of `extinf` seconds each, as written."""
    attrs = f"BANDWIDTH={bandwidth}" + (f",AVERAGE-BANDWIDTH={average}" if average else "")
    return {"master.m3u8": f"#EXTM3U\n#EXT-X-STREAM-INF:{attrs}\nv.m3u8\n",
            "v.m3u8": "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n"
                      "#EXT-X-PLAYLIST-TYPE:VOD\n"
                      f"#EXTINF:{extinf},\ns0.ts\n#EXTINF:{extinf},\ns1.ts\n#EXT-X-ENDLIST\n",
            "s0.ts": SEGMENT, "s1.ts": SEGMENT}


def below(cli: Any, root: Path, files: dict[str, str | bytes]) -> list[tuple[str, str]]:
    found = check(cli, root, files)
    return sorted((f["name"], f["observed"]) for f in found
                  if f["name"] in ("bandwidth-below-measured",
                                   "average-bandwidth-below-measured"))


def test_a_shortfall_within_three_decimals_precision_is_none(cli, tmp_path: Path):
    """4.004 may be 4.0045 s: 4,000,640 bits over it is 999,036.08 bit/s, so 999,036 (125
    bit/s under the 999,161 measured on 4.004 s) may be that, rounded down."""
    assert below(cli, tmp_path, ladder("4.004", 999036, 999036)) == []


def test_a_shortfall_beyond_three_decimals_precision_is_reported(cli, tmp_path: Path):
    """999,030 is under even the lowest rate 4.004 allows (999,036.08) by more than 1."""
    assert below(cli, tmp_path, ladder("4.004", 999030, 999030)) == [
        ("average-bandwidth-below-measured", "999030"), ("bandwidth-below-measured", "999030")]


def test_a_small_shortfall_on_six_decimals_is_reported(cli, tmp_path: Path):
    """4.004000 allows 999,160.71 bit/s at the least: 999,100 is 61 bit/s short."""
    assert below(cli, tmp_path, ladder("4.004000", 999100, 999100)) == [
        ("average-bandwidth-below-measured", "999100"), ("bandwidth-below-measured", "999100")]


def test_whole_second_extinfs_are_exact(cli, tmp_path: Path):
    """4,000,640 bits over exactly 4 s is 1,000,160 bit/s: 1,000,159 is integer rounding,
    1,000,100 (60 bit/s short) is a shortfall."""
    assert below(cli, tmp_path / "rounded", ladder("4", 1000159, 1000159)) == []
    assert below(cli, tmp_path / "short", ladder("4", 1000100, 1000100)) == [
        ("average-bandwidth-below-measured", "1000100"),
        ("bandwidth-below-measured", "1000100")]


# -- tiny impostors -------------------------------------------------------------------------

PAGE = b"<html><body><h1>404 Not Found</h1></body></html>\n"


def vod(durations: list[float], names: list[str] | None = None) -> str:
    names = names or [f"s{n}.ts" for n in range(len(durations))]
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:6", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for duration, name in zip(durations, names, strict=True):
        lines += [f"#EXTINF:{duration:.3f},", name]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def suspicious(found: list[Any]) -> list[str]:
    return sorted(f["uri"].rsplit("/", 1)[1] for f in named(found, "segment-suspicious"))


def test_an_error_page_among_segments_is_suspicious(cli, tmp_path: Path):
    files: dict[str, str | bytes] = {"index.m3u8": vod([6, 6, 6, 6, 6])}
    files.update({f"s{n}.ts": TS * 500 for n in range(5)})
    files["s2.ts"] = PAGE
    found = check(cli, tmp_path, files)
    assert suspicious(found) == ["s2.ts"]
    assert named(found, "segment-suspicious")[0]["severity"] == "warning"


def test_uniformly_small_segments_are_not_suspicious(cli, tmp_path: Path):
    files: dict[str, str | bytes] = {"index.m3u8": vod([6, 6, 6])}
    files.update({f"s{n}.ts": TS for n in range(3)})
    assert suspicious(check(cli, tmp_path, files)) == []


def test_a_short_last_segment_is_not_suspicious(cli, tmp_path: Path):
    """0.4 s after 6 s segments: 1/15 of their length, 1/15 of their size, same rate."""
    files: dict[str, str | bytes] = {"index.m3u8": vod([6, 6, 6, 0.4])}
    files.update({f"s{n}.ts": TS * 750 for n in range(3)})
    files["s3.ts"] = TS * 50
    assert suspicious(check(cli, tmp_path, files)) == []


def test_an_error_page_as_the_short_last_segment_is_suspicious(cli, tmp_path: Path):
    files: dict[str, str | bytes] = {"index.m3u8": vod([6, 6, 6, 0.4])}
    files.update({f"s{n}.ts": TS * 750 for n in range(3)})
    files["s3.ts"] = PAGE
    assert suspicious(check(cli, tmp_path, files)) == ["s3.ts"]


def test_webvtt_segments_without_cues_are_not_suspicious(cli, tmp_path: Path):
    names = [f"c{n}.vtt" for n in range(4)]
    cue = "WEBVTT\n\n" + "".join(f"00:00:0{n}.000 --> 00:00:0{n}.900\nA line of dialogue {n}\n\n"
                                 for n in range(9))
    files: dict[str, str | bytes] = {"index.m3u8": vod([6, 6, 6, 6], names)}
    files.update({name: cue for name in names})
    files["c1.vtt"] = "WEBVTT\n"
    assert suspicious(check(cli, tmp_path, files)) == []


def test_a_variant_with_its_audio_is_judged_on_both_precisions(cli, tmp_path: Path):
    """Video and audio each 999,161 bit/s on 4.004 s, at least 999,036.08 on 4.0045 s: the
    variant played with its audio carries at least 1,998,072.17 bit/s."""
    def files(bandwidth: int) -> dict[str, str | bytes]:
        title = ladder("4.004", bandwidth)
        title["master.m3u8"] = (
            '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="a.m3u8"\n'
            f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},AUDIO="a"\nv.m3u8\n')
        title["a.m3u8"] = str(title["v.m3u8"]).replace("s0.ts", "a0.ts").replace("s1.ts", "a1.ts")
        return {**title, "a0.ts": SEGMENT, "a1.ts": SEGMENT}

    assert below(cli, tmp_path / "within", files(1998072)) == []
    assert below(cli, tmp_path / "short", files(1998060)) == [
        ("bandwidth-below-measured", "1998060")]
