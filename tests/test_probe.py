"""`--probe`: real ffmpeg titles (fixtures/media) pass, and each damage gives exactly its
finding, on disk, over an HTTP origin and over S3 (moto's server, ranged GETs over HTTP).
"""

from __future__ import annotations

import functools
import json
import random
import shutil
import tracemalloc
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from hlsinspect import Settings, inspect
from hlsinspect.checks.registry import RULES, Selection
from hlsinspect.media.segment import HEAD
from hlsinspect.pipeline.probe import chosen
from hlsinspect.report import Report
from hlsinspect.settings import ProbeSettings
from hlsinspect.storage.base import ErrorKind, StorageError
from hlsinspect.storage.http import HttpStorage
from tests.conftest import S3
from tests.loopback import LoopbackServer
from tests.origin import Origin

MEDIA = Path(__file__).resolve().parent.parent / "fixtures" / "media"
RECORDED = json.loads((MEDIA / "probe.json").read_text())
PROBE_RULES = {name for name, rule in RULES.items() if rule.scope == "probe"}
INTACT = ["ts-h264", "ts-h265", "ts-audio", "fmp4-h264", "fmp4-h265", "ts-mp3", "ts-ac3",
          "ts-eac3"]
SEGMENTS = {"ts-mp3": 4}
"""Segments of a title, when not 3 (the MP3 encoder's delay spills into a fourth)."""
HTML = b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n"
FRAME = {"video": 1 / 25, "audio": 1024 / 48000}


def copy(tmp_path: Path, name: str) -> Path:
    shutil.copytree(MEDIA / name, tmp_path / name)
    return tmp_path / name


def probed(target: str, mode: str = "all") -> Report:
    return inspect([target], settings=Settings(probe=ProbeSettings(mode=mode)))  # type: ignore[arg-type]


def probe_findings(report: Report) -> list[tuple[str, str | None]]:
    return [(f.name, f.uri) for f in report.findings if f.name in PROBE_RULES]


def edit(path: Path, change: Callable[[bytes], bytes]) -> None:
    path.write_bytes(change(path.read_bytes()))


def second(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    """Replace the second occurrence of `old`."""
    def change(data: bytes) -> bytes:
        at = data.index(old, data.index(old) + 1)
        return data[:at] + new + data[at + len(old):]
    return change


@pytest.mark.parametrize("name", INTACT)
def test_intact_titles_have_no_probe_finding(name: str):
    report = probed(str(MEDIA / name))
    assert probe_findings(report) == []
    media = [p for p in report.playlists if p.kind == "media"]
    count = SEGMENTS.get(name, 3)
    assert media and all(p.probe is not None and len(p.probe.segments) == count for p in media)


@pytest.mark.parametrize("name", [*INTACT, "ts-midgop", "ts-opengop", "fmp4-opengop"])
def test_measured_durations_agree_with_ffprobe_within_one_frame(name: str):
    report = probed(str(MEDIA / name))
    measured = {s.uri: s for p in report.playlists if p.probe for s in p.probe.segments}
    compared = 0
    for segment, recorded in RECORDED.items():
        if not segment.startswith(name + "/"):
            continue
        stream = recorded["streams"][0]
        found = measured[str(MEDIA / segment)]
        assert found.duration == pytest.approx(stream["segment_duration"],
                                               abs=FRAME[stream["codec_type"]]), segment
        compared += 1
    assert compared == SEGMENTS.get(name, 3)


DAMAGES = [
    pytest.param("ts-h264", "v/seg1.ts", lambda b: random.Random(7).randbytes(len(b)),
                 "segment-not-media", "v/seg1.ts", id="random-bytes"),
    pytest.param("ts-h264", "v/seg1.ts", lambda b: HTML, "segment-not-media", "v/seg1.ts",
                 id="html-error-page"),
    pytest.param("fmp4-h264", "v/seg1.m4s", lambda b: HTML, "segment-not-media", "v/seg1.m4s",
                 id="html-error-page-fmp4"),
    pytest.param("ts-h264", "v/seg1.ts", lambda b: b[:len(b) // 2 + 100], "segment-truncated",
                 "v/seg1.ts", id="truncated-ts"),
    pytest.param("fmp4-h265", "v/seg2.m4s", lambda b: b[:len(b) // 2], "segment-truncated",
                 "v/seg2.m4s", id="truncated-fmp4"),
    pytest.param("ts-h264", "v/index.m3u8", second(b"#EXTINF:2.000000", b"#EXTINF:0.500000"),
                 "segment-duration-mismatch", "v/seg1.ts", id="extinf-1.5s-off"),
    pytest.param("fmp4-h265", "v/index.m3u8", second(b"#EXTINF:2.000000", b"#EXTINF:0.460000"),
                 "segment-duration-mismatch", "v/seg1.m4s", id="extinf-1.5s-off-fmp4"),
    pytest.param("ts-midgop", "index.m3u8", lambda b: b, "segment-not-independent",
                 "v/seg1.ts", id="segment-starts-mid-gop"),
    pytest.param("ts-h264", "index.m3u8", lambda b: b.replace(b"avc1.4d401e", b"hvc1.1.6.L30.90"),
                 "codecs-mismatch", "v/index.m3u8", id="codecs-hevc-for-h264"),
    pytest.param("fmp4-h265", "index.m3u8",
                 lambda b: b.replace(b"hvc1.1.6.L30.90", b"avc1.4d401e"),
                 "codecs-mismatch", "v/index.m3u8", id="codecs-h264-for-hevc"),
    pytest.param("ts-h264", "index.m3u8", lambda b: b.replace(b"160x90", b"320x180"),
                 "resolution-mismatch", "v/index.m3u8", id="wrong-resolution"),
    pytest.param("ts-audio", "a/seg1.aac", lambda b: b[b.index(b"\xff\xf1"):],
                 "segment-timestamp-missing", "a/seg1.aac", id="packed-audio-without-id3"),
    pytest.param("ts-h264", "subs/sub1.vtt", lambda b: b.replace(b"X-TIMESTAMP-MAP", b"X-NOTE"),
                 "webvtt-timestamp-map-missing", "subs/sub1.vtt", id="webvtt-without-map"),
]


@pytest.mark.parametrize(("name", "damaged", "change", "rule", "where"), DAMAGES)
def test_each_damage_gives_exactly_its_finding(tmp_path: Path, name: str, damaged: str,
                                               change: Callable[[bytes], bytes], rule: str,
                                               where: str):
    root = copy(tmp_path, name)
    edit(root / damaged, change)
    assert probe_findings(probed(str(root))) == [(rule, str(root / where))]


def with_audio_group(tmp_path: Path, codecs: str) -> Path:
    """ts-h264's variant (muxed H.264 and AAC) playing ts-audio's packed AAC rendition."""
    root = copy(tmp_path, "ts-h264")
    shutil.copytree(MEDIA / "ts-audio" / "a", root / "a")
    (root / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,'
        'AUTOSELECT=YES,CHANNELS="2",URI="a/index.m3u8"\n'
        f'#EXT-X-STREAM-INF:BANDWIDTH=300000,CODECS="{codecs}",RESOLUTION=160x90,'
        'AUDIO="aud"\nv/index.m3u8\n')
    return root


@pytest.mark.parametrize(("codecs", "damage", "expected"), [
    pytest.param("avc1.4d401e,mp4a.40.2", None, [], id="all-carried"),
    pytest.param("avc1.4d401e,mp4a.40.2,ec-3", None, ["codecs-not-carried"],
                 id="e-ac-3-named-carried-nowhere"),
    pytest.param("hvc1.1.6.L30.90,avc1.4d401e,mp4a.40.2", None, ["codecs-not-carried"],
                 id="hevc-named-beside-the-h264-carried"),
    pytest.param("avc1.4d401e,mp4a.40.2,ac-3", "unreadable-rendition", [],
                 id="audio-not-judged-when-a-rendition-cannot-be-read"),
    pytest.param("avc1.4d401e,mp4a.40.2,wvtt", None, [], id="text-codecs-are-not-judged"),
])
def test_a_codec_named_but_carried_nowhere_is_a_finding(tmp_path: Path, codecs: str,
                                                        damage: str | None,
                                                        expected: list[str]):
    root = with_audio_group(tmp_path, codecs)
    if damage == "unreadable-rendition":
        for segment in (root / "a").glob("*.aac"):
            segment.write_bytes(HTML)
    names = [name for name, _ in probe_findings(probed(str(root)))
             if name != "segment-not-media"]
    assert names == expected


def test_a_timestamp_gap_between_segments_is_a_finding(tmp_path: Path):
    root = copy(tmp_path, "ts-audio")
    owner = b"com.apple.streaming.transportStreamTimestamp\x00"

    def later(data: bytes) -> bytes:  # seg1 starts one second late: a gap, then an overlap
        at = data.index(owner) + len(owner)
        value = int.from_bytes(data[at:at + 8], "big") + 90_000
        return data[:at] + value.to_bytes(8, "big") + data[at + 8:]

    edit(root / "a/seg1.aac", later)
    report = probed(str(root))
    assert probe_findings(report) == [("segment-timestamp-gap", str(root / "a/seg1.aac")),
                                      ("segment-timestamp-gap", str(root / "a/seg2.aac"))]
    assert "a gap of 0.973 s" in report.findings[0].message  # 2.027 s of audio before
    edit(root / "a/index.m3u8", lambda b: b.replace(b"#EXTINF:2.000,\nseg1",
                                                   b"#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nseg1"))
    edit(root / "a/index.m3u8", lambda b: b.replace(b"#EXTINF:2.000,\nseg2",
                                                   b"#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nseg2"))
    assert probe_findings(probed(str(root))) == []


def test_a_damaged_init_segment_is_its_own_finding(tmp_path: Path):
    root = copy(tmp_path, "fmp4-h264")
    edit(root / "v/init.mp4", lambda b: b[:300])
    report = probed(str(root))
    assert probe_findings(report) == [("init-segment-invalid", str(root / "v/init.mp4"))]
    assert "moov" in report.findings[0].message


def test_a_wrong_level_in_codecs_is_a_warning(tmp_path: Path):
    root = copy(tmp_path, "ts-h264")
    edit(root / "index.m3u8", lambda b: b.replace(b"avc1.4d401e", b"avc1.4d4028"))
    report = probed(str(root))
    assert probe_findings(report) == [("codecs-profile-mismatch", str(root / "v/index.m3u8"))]
    assert report.ok


def test_a_segment_that_cannot_be_read_is_unprobed(tmp_path: Path):
    root = copy(tmp_path, "ts-h264")
    with Origin(root, get_status={"/v/seg2.ts": 403}) as origin:
        report = probed(f"{origin.url}/index.m3u8")
    assert probe_findings(report) == [("segment-unprobed", f"{origin.url}/v/seg2.ts")]
    assert "403" in report.findings[0].message


def test_probe_none_reads_no_segment_and_reports_no_probe():
    report = probed(str(MEDIA / "ts-h264"), mode="none")
    assert all(p.probe is None for p in report.playlists)
    assert report.to_dict()["playlists"][1]["probe"] is None


@pytest.mark.parametrize(("count", "indexes"), [
    pytest.param(3, [0, 1, 2], id="fewer-than-the-sample"),
    pytest.param(100, [0, 14, 28, 42, 57, 71, 85, 99], id="first-last-and-a-spread"),
    pytest.param(9, [0, 1, 2, 3, 5, 6, 7, 8], id="one-more-than-the-sample"),
])
def test_sample_takes_the_first_the_last_and_a_spread(count: int, indexes: list[int]):
    assert chosen(count, ProbeSettings(mode="sample")) == indexes
    assert chosen(count, ProbeSettings(mode="all")) == list(range(count))


def test_probe_in_json_and_the_ladder_table(cli):
    run = cli("check", str(MEDIA / "fmp4-h265"), "--probe", "all", "--format", "json")
    variant = run.json["playlists"][0]["variants"][0]
    assert variant["probed_codecs"] == ["hvc1.1.6.L30.90", "mp4a.40.2"]
    assert (variant["probed_duration"], variant["probed_resolution"]) == (6.0, "160x90")
    probe = run.json["playlists"][1]["probe"]
    assert (probe["mode"], probe["segments_probed"], probe["measured_duration"]) == \
        ("all", 3, 6.0)
    first = probe["segments"][0]
    assert (first["start"], first["duration"], first["keyframe"], first["container"]) == \
        (0.08, 2.0, True, "fmp4")
    table = cli("check", str(MEDIA / "fmp4-h265"), "--probe", "sample", "--no-progress")
    assert "Probed" in table.stdout


@pytest.mark.parametrize("columns", ["100", "120"])
def test_the_probed_column_stays_on_an_ordinary_terminal(cli, monkeypatch, columns: str):
    """Asked for, the measurement outlives the facts the JSON carries anyway."""
    monkeypatch.setenv("COLUMNS", columns)
    table = cli("check", str(MEDIA / "fmp4-h265"), "--probe", "all", "--no-progress").stdout
    assert "Probed" in table and "0:00:06.000 hvc1.1.6.L30.90,mp4a.40.2" in table


def test_probe_from_the_settings_file(cli, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".hlsinspect.toml").write_text('probe = "sample"\n')
    run = cli("check", str(MEDIA / "ts-audio"), "--format", "json")
    assert run.json["playlists"][0]["probe"]["mode"] == "sample"
    (tmp_path / ".hlsinspect.toml").write_text('probe = "some"\n')
    run = cli("check", str(MEDIA / "ts-audio"), "--format", "json")
    assert run.exit_code == 2 and "none, sample, all" in run.stderr


@pytest.mark.parametrize(("option", "setting", "flagged"), [
    pytest.param([], None, True, id="default-half-a-second"),
    pytest.param(["--probe-tolerance", "0.1"], None, True, id="option-tighter"),
    pytest.param(["--probe-tolerance", "2"], None, False, id="option-looser"),
    pytest.param([], "probe-tolerance = 2.0", False, id="settings-file"),
    pytest.param(["--probe-tolerance", "0.1"], "probe-tolerance = 2", True,
                 id="option-beats-file"),
])
def test_the_extinf_tolerance_is_configurable(cli, tmp_path: Path, monkeypatch,
                                              option: list[str], setting: str | None,
                                              flagged: bool):
    """EXTINF 1.5 s longer than the media: a finding unless the tolerance allows it."""
    root = copy(tmp_path, "ts-h264")
    edit(root / "v/index.m3u8", second(b"#EXTINF:2.000000", b"#EXTINF:3.500000"))
    monkeypatch.chdir(tmp_path)
    if setting is not None:
        (tmp_path / ".hlsinspect.toml").write_text(setting + "\n")
    run = cli("check", str(root), "--probe", "all", "--format", "json", *option)
    names = {finding["name"] for finding in run.json["findings"]}
    assert ("segment-duration-mismatch" in names) is flagged


@pytest.mark.parametrize("value", ["-1", "61", "soon"])
def test_a_tolerance_out_of_range_is_a_usage_error(cli, value: str):
    run = cli("check", str(MEDIA / "ts-h264"), "--probe", "all", "--probe-tolerance", value)
    assert run.exit_code == 2


def test_probe_over_s3_reads_ranges_of_the_segments(s3: S3, s3_cli):
    s3.new_bucket("media")
    for name in ("ts-h264", "fmp4-h264"):
        s3.upload_tree(MEDIA / name, bucket="media", prefix=f"{name}/")
    s3.put("ts-h264/v/seg2.ts", HTML, bucket="media")
    run = s3_cli("check", "s3://media/", "--probe", "all", "--format", "json")
    probes = {p["uri"]: p["probe"] for p in run.json["playlists"] if p["probe"]}
    fmp4 = probes["s3://media/fmp4-h264/v/index.m3u8"]
    assert [s["duration"] for s in fmp4["segments"]] == [2.0, 2.0, 2.0]
    assert fmp4["codecs"] == ["avc1.4D401E", "mp4a.40.2"]
    found = [(f["name"], f["uri"]) for f in run.json["findings"] if f["name"] in PROBE_RULES]
    assert found == [("segment-not-media", "s3://media/ts-h264/v/seg2.ts")]


def test_a_probed_report_reads_back_from_its_json(cli, tmp_path: Path):
    """`hlsinspect merge` reads reports back: the probe members survive the round trip."""
    report = probed(str(MEDIA / "fmp4-h264"))
    data = report.to_dict()
    assert Report.from_dict(data).to_dict() == data
    (tmp_path / "a.json").write_text(json.dumps(data))
    merged = cli("merge", str(tmp_path / "a.json"), "--format", "json").json
    assert merged["playlists"] == data["playlists"]


def test_an_audio_rendition_is_checked_against_the_codecs_of_the_variants_playing_it(
        tmp_path: Path):
    root = tmp_path / "cmaf"
    shutil.copytree(MEDIA.parent / "titles" / "cmaf", root)
    assert probe_findings(probed(str(root / "master.m3u8"))) == []
    edit(root / "master.m3u8", lambda b: b.replace(b'42d00b,mp4a.40.2"', b'42d00b,ac-3"'))
    assert probe_findings(probed(str(root / "master.m3u8"))) == [
        ("codecs-mismatch", str(root / "v2/index.m3u8"))]


def test_a_fault_of_hlsinspect_on_one_segment_costs_that_segment_only(monkeypatch):
    import hlsinspect.pipeline.probe as stage

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(stage, "probe_segment", broken)
    report = probed(str(MEDIA / "ts-audio"))
    assert [name for name, _ in probe_findings(report)] == ["segment-unprobed"] * 3
    assert "RuntimeError: boom (please report it)" in report.findings[0].message


def test_a_probed_report_fits_the_json_schema(tmp_path: Path):
    from jsonschema import Draft202012Validator

    from hlsinspect.schema import report_schema

    validator = Draft202012Validator(report_schema())
    for name in [*INTACT, "ts-midgop"]:
        validator.validate(probed(str(MEDIA / name)).to_dict())
    validator.validate(probed(str(MEDIA / "ts-h264"), mode="sample").to_dict())
    root = copy(tmp_path, "ts-h264")
    edit(root / "v/seg1.ts", lambda b: HTML)
    report = probed(str(root)).to_dict()
    validator.validate(report)
    assert any(s["error"] for p in report["playlists"] if p["probe"]
               for s in p["probe"]["segments"])


def test_i_frame_playlists_are_not_probed(tmp_path: Path):
    """An I-frame byte range holds one picture, often without the PAT and PMT before it."""
    root = copy(tmp_path, "ts-h264")
    (root / "iframes.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        "#EXT-X-I-FRAMES-ONLY\n#EXTINF:2.0,\n#EXT-X-BYTERANGE:1880@376\nv/seg0.ts\n"
        "#EXTINF:2.0,\n#EXT-X-BYTERANGE:1880@376\nv/seg1.ts\n#EXT-X-ENDLIST\n")
    report = probed(str(root / "iframes.m3u8"))
    assert probe_findings(report) == []
    assert report.playlists[0].probe is None


def test_a_segment_cut_at_a_packet_boundary_is_called_cut_not_mistimed(tmp_path: Path):
    """Whole 188-byte packets, far less media than EXTINF: the hint points at the upload."""
    root = copy(tmp_path, "ts-h264")
    edit(root / "v/seg1.ts", lambda b: b[:188 * 43])
    [found] = [f for f in probed(str(root)).findings if f.name == "segment-duration-mismatch"]
    assert found.hint is not None and "cut short" in found.hint
    assert found.uri == str(root / "v/seg1.ts")


def test_a_scte35_stream_is_data_not_a_codec(tmp_path: Path):
    from tests.test_media_parsers import with_pmt_stream

    root = copy(tmp_path, "ts-h264")
    for n in range(3):
        edit(root / f"v/seg{n}.ts", lambda b: with_pmt_stream(b, 0x86))
    assert probe_findings(probed(str(root))) == []


NULL_PACKET = b"\x47\x1f\xff\x10" + b"\xff" * 184


def byte_range_title(tmp_path: Path, padded_to: int = 0) -> Path:
    """ts-h264's video as one file of three byte ranges, each segment padded with null
    packets to `padded_to` bytes when given."""
    root = copy(tmp_path, "ts-h264")
    parts = []
    for n in range(3):
        data = (root / f"v/seg{n}.ts").read_bytes()
        parts.append(data + NULL_PACKET * max(0, (padded_to - len(data)) // 188))
        (root / f"v/seg{n}.ts").unlink()
    (root / "v/all.ts").write_bytes(b"".join(parts))
    lines = ["#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-TARGETDURATION:2",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    offset = 0
    for part in parts:
        lines += ["#EXTINF:2.000,", f"#EXT-X-BYTERANGE:{len(part)}@{offset}", "all.ts"]
        offset += len(part)
    (root / "v/index.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))
    return root


class RangeIgnoringOrigin(LoopbackServer):
    """python -m http.server: it answers every GET with 200 and the whole file."""

    def __init__(self, root: Path) -> None:
        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

        super().__init__(functools.partial(Quiet, directory=str(root)))  # type: ignore[arg-type]


def test_an_origin_that_ignores_range_is_one_finding(tmp_path: Path):
    root = byte_range_title(tmp_path)
    with RangeIgnoringOrigin(root) as origin:
        report = probed(f"{origin.url}/index.m3u8")
    assert probe_findings(report) == [("origin-ignores-range", f"{origin.url}/v/index.m3u8")]
    finding = report.findings[0]
    assert finding.severity == "error" and finding.code == "HLS034"
    assert f"(GET {origin.url}/v/all.ts with Range: bytes=" in finding.message
    assert "answered 200 with the whole file" in finding.message
    with Origin(root) as honest:  # an origin that serves ranges: the title is clean
        assert probe_findings(probed(f"{honest.url}/index.m3u8")) == []


def test_segments_of_their_own_are_probed_on_an_origin_that_ignores_range(tmp_path: Path):
    root = copy(tmp_path, "ts-h264")
    with RangeIgnoringOrigin(root) as origin:
        report = probed(f"{origin.url}/index.m3u8")
    assert probe_findings(report) == []
    durations = [s.duration for p in report.playlists if p.probe for s in p.probe.segments
                 if s.container == "ts"]
    assert durations == pytest.approx([2.0, 2.0, 2.0], abs=0.05)


def test_an_origin_that_ignores_range_costs_little_memory(tmp_path: Path):
    """Three byte ranges of 16 MB in one 48 MB file: nothing is buffered up to an offset."""
    root = byte_range_title(tmp_path, padded_to=16 * 2**20)
    with RangeIgnoringOrigin(root) as origin:
        tracemalloc.start()
        try:
            report = probed(f"{origin.url}/index.m3u8")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 8 * 2**20, f"{peak / 2**20:.1f} MiB at the peak"
    assert [name for name, _ in probe_findings(report)] == ["origin-ignores-range"]


@pytest.mark.parametrize(("name", "ext"), [("ts-opengop", "ts"), ("fmp4-opengop", "m4s")])
def test_a_cra_before_rasl_pictures_is_no_independent_start(tmp_path: Path, name: str,
                                                            ext: str):
    """x265's default open GOP: each segment after the first starts on a CRA picture whose
    RASL pictures refer to the segment before (in fMP4, a sync sample all the same)."""
    root = copy(tmp_path, name)
    assert probe_findings(probed(str(root))) == [
        ("segment-not-independent", str(root / f"v/seg1.{ext}")),
        ("segment-not-independent", str(root / f"v/seg2.{ext}"))]


def test_a_cra_without_rasl_pictures_is_an_independent_start(tmp_path: Path):
    """The same pictures, the RASL ones renamed trailing (NAL type 1) in place."""
    root = copy(tmp_path, "ts-opengop")
    trailing = b"\x00\x00\x01\x02\x01"
    for n in (1, 2):
        edit(root / f"v/seg{n}.ts", lambda b: b.replace(b"\x00\x00\x01\x12\x01", trailing)
             .replace(b"\x00\x00\x01\x10\x01", trailing))
    assert probe_findings(probed(str(root))) == []


def apple_probed(target: str, mode: str) -> list[tuple[str, str | None]]:
    settings = Settings(probe=ProbeSettings(mode=mode),  # type: ignore[arg-type]
                        rules=Selection.of("apple"))
    return [(f.name, f.uri) for f in inspect([target], settings=settings).findings
            if f.name in ("apple-independent-segments-missing", "apple-segment-not-idr",
                          "segment-not-independent")]


@pytest.mark.parametrize(("name", "ext"), [("ts-opengop", "ts"), ("fmp4-opengop", "m4s")])
def test_apple_asks_for_idr_starts_and_for_the_tag_only_when_segments_have_them(
        tmp_path: Path, name: str, ext: str):
    root = copy(tmp_path, name)
    for playlist in ("index.m3u8", "v/index.m3u8"):
        edit(root / playlist, lambda b: b.replace(b"#EXT-X-INDEPENDENT-SEGMENTS\n", b""))
    master = str(root / "index.m3u8")
    assert apple_probed(master, "none") == [("apple-independent-segments-missing", None)]
    assert apple_probed(master, "all") == [  # a CRA is no IDR; the tag would be false
        ("apple-segment-not-idr", str(root / f"v/seg1.{ext}")),
        ("apple-segment-not-idr", str(root / f"v/seg2.{ext}"))]
    closed = copy(tmp_path, name.replace("opengop", "h265"))
    edit(closed / "index.m3u8", lambda b: b.replace(b"#EXT-X-INDEPENDENT-SEGMENTS\n", b""))
    assert apple_probed(str(closed / "index.m3u8"), "all") == \
        [("apple-independent-segments-missing", None)]


def test_a_ranged_read_of_an_origin_that_ignores_range_stops_at_once(tmp_path: Path):
    (tmp_path / "big.bin").write_bytes(bytes(range(256)) * 4096)
    with RangeIgnoringOrigin(tmp_path) as origin:
        store = HttpStorage(origin.url)
        assert store.read_range("big.bin", 0, 300) == (bytes(range(256)) * 2)[:300]
        with pytest.raises(StorageError) as raised:
            store.read_range("big.bin", 512, 100)
    assert raised.value.kind is ErrorKind.RANGE_IGNORED
    assert "bytes=512-611 answered 200 with the whole file (1048576 bytes)" in \
        raised.value.message


def test_a_segment_too_large_to_read_whole_on_such_an_origin_is_unprobed(tmp_path: Path,
                                                                         monkeypatch):
    monkeypatch.setattr("hlsinspect.pipeline.probe.WHOLE_LIMIT", 1024)
    root = copy(tmp_path, "ts-h264")
    with RangeIgnoringOrigin(root) as origin:
        report = probed(f"{origin.url}/index.m3u8")
    beyond_head = [n for n in range(3) if (root / f"v/seg{n}.ts").stat().st_size > HEAD]
    assert beyond_head  # a segment within the head is read from byte 0: Range or not
    assert probe_findings(report) == [("segment-unprobed", f"{origin.url}/v/seg{n}.ts")
                                      for n in beyond_head]
    assert "answers Range requests with the whole object" in report.findings[0].message


def test_probe_messages_name_the_object_as_its_playlist_does(cli, tmp_path: Path):
    """The finding carries the full URI; its message names the segment and the variant as
    the playlists write them, not the full path again."""
    from hlsinspect.checks.probe_examples import media_playlist, ts_segment

    title = tmp_path / "title"
    (title / "v1").mkdir(parents=True)
    (title / "master.m3u8").write_text(
        '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000,CODECS="avc1.4d401e",'
        "RESOLUTION=160x90\nv1/index.m3u8\n")
    (title / "v1" / "index.m3u8").write_text(media_playlist(("a.ts", 2.0), ("b.ts", 2.0)))
    (title / "v1" / "a.ts").write_bytes(ts_segment()[:-100])
    (title / "v1" / "b.ts").write_bytes(ts_segment(12.0))  # AAC, which CODECS does not name
    report = cli("check", str(title / "master.m3u8"), "--probe", "all", "--format", "json").json
    probe = [f for f in report["findings"] if f["code"].startswith("HLS8")]
    truncated = [f for f in probe if f["name"] == "segment-truncated"]
    assert truncated and truncated[0]["message"].startswith("segment 'a.ts' ")
    assert truncated[0]["uri"] == str(title / "v1" / "a.ts")
    codecs = [f for f in probe if f["name"] == "codecs-mismatch"]
    assert codecs and "the segments of v1/index.m3u8 " in codecs[0]["message"]
    assert not any(str(tmp_path) in f["message"] for f in probe), probe
