"""Hostile input within bounds: every input that once cost unbounded time or memory (a
trickling server, a fan-out of names, a buffer kept alive, a huge substitution...) now ends
in a finding, under a cap on time and memory.

Each run is a subprocess with an address-space limit and a timeout, so that a regression
fails the test instead of taking the machine or the suite down with it.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BUCKET, S3, Run
from tests.origin import Origin
from tests.s3proxy import S3Proxy

ROOT = Path(__file__).resolve().parent.parent
HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
GIB = 2**30

# The peak is VmHWM, this process's own high-water mark: ru_maxrss would carry over, across
# exec, the size of the pytest process that forked it.
_RUNNER = """
import atexit, os, re, resource, sys
limit = int(os.environ["BOUNDS_AS"])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
def peak():
    with open("/proc/self/status") as status:
        kb = re.search(r"VmHWM:\\s*(\\d+)", status.read()).group(1)
    os.write(2, ("\\nPEAK_KB=%s\\n" % kb).encode())
atexit.register(peak)
sys.argv = ["hlsinspect", *sys.argv[1:]]
from hlsinspect.command import main
main()
"""


@dataclass
class Bounded(Run):
    """A run in its own capped process, with its peak memory; `names` are its errors'."""

    peak_mb: float = 0.0

    def names(self) -> list[str]:
        return sorted(f["name"] for f in self.json["findings"] if f["severity"] == "error")


def bounded(*args: str, seconds: float = 60, memory: int = 2 * GIB,
            env: dict[str, str] | None = None) -> Bounded:
    """`hlsinspect ARGS` in a subprocess limited to `memory` bytes of address space, killed
    (and the test failed) after `seconds`."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "BOUNDS_AS": str(memory), **(env or {})}
    try:
        done = subprocess.run([sys.executable, "-c", _RUNNER, *args], capture_output=True,
                              text=True, timeout=seconds, env=environ, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hlsinspect {' '.join(args)} ran longer than {seconds} s")
    stderr, _, peak = done.stderr.rpartition("PEAK_KB=")
    assert "Traceback" not in stderr, stderr
    return Bounded(done.returncode, done.stdout, stderr, int(peak or 0) / 1024)


# --- a total deadline per request ----------------------------------------------------------


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_trickling_origin_is_cut_at_the_timeout(tmp_path: Path, part: str):
    (tmp_path / "a.ts").write_bytes(b"\x47" * 188)
    (tmp_path / "m.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nslow.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=2000\nv.m3u8\n")
    (tmp_path / "v.m3u8").write_text(f"{HEAD}#EXTINF:4,\na.ts\n#EXTINF:4,\nslow.ts\n"
                                     "#EXT-X-ENDLIST\n")

    def slow(method: str, path: str) -> str | None:
        return part if path in ("/slow.m3u8", "/slow.ts") else None

    with Origin(tmp_path, trickle=slow) as origin:
        run = bounded("check", f"{origin.url}/m.m3u8", "--format", "json", "--timeout", "2",
                      seconds=40)
    assert run.exit_code == 1, run.stderr
    found = {f["name"]: f for f in run.json["findings"] if f["severity"] == "error"}
    assert found["playlist-unreadable"]["uri"].endswith("/slow.m3u8")
    assert "timed out after 2 s" in found["playlist-unreadable"]["message"]
    if part == "headers":  # a HEAD has no body: one trickled after its headers is not read
        assert found["object-unverified"]["uri"].endswith("/slow.ts")
        assert "timed out after 2 s" in found["object-unverified"]["message"]
    else:
        assert "object-unverified" not in found


def test_a_trickling_root_playlist_ends_the_run_with_the_reason(tmp_path: Path):
    with Origin(tmp_path, trickle=lambda method, path: "body") as origin:
        run = bounded("check", f"{origin.url}/m.m3u8", "--timeout", "2", seconds=30)
    assert run.exit_code == 2
    assert f"cannot read {origin.url}/m.m3u8: timed out after 2 s" in run.stderr


def test_the_timeout_comes_from_the_config_file(tmp_path: Path, cli, monkeypatch):
    (tmp_path / ".hlsinspect.toml").write_text("timeout = 0\n")
    monkeypatch.chdir(tmp_path)
    run = cli("check", str(tmp_path))
    assert run.exit_code == 2
    assert "timeout must be a number of seconds from 0.1 to 3600" in run.stderr


def test_s3_body_trickled_is_cut_at_the_timeout(s3: S3):
    s3.put("t/index.m3u8", f"{HEAD}#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n")
    s3.put("t/a.ts", b"\x47" * 188)
    s3.put("t/m.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nindex.m3u8\n")

    def trickle(method: str, path: str) -> str | None:
        return "trickle" if method == "GET" and "index.m3u8" in path else None

    with S3Proxy(s3.endpoint, fault=trickle) as proxy:
        run = bounded("check", f"s3://{BUCKET}/t/m.m3u8", "--endpoint-url", proxy.endpoint,
                      "--format", "json", "--timeout", "2", seconds=40)
    assert run.exit_code == 1, run.stderr
    [unreadable] = [f for f in run.json["findings"] if f["severity"] == "error"]
    assert unreadable["name"] == "playlist-unreadable"
    assert "timed out after 2 s" in unreadable["message"]


# --- no buffer outlives a failed read ------------------------------------------------------


def test_bodies_over_the_limit_are_not_kept_after_the_failure(tmp_path: Path):
    """16 variants without Content-Length, each over the playlist limit (16 MiB here): each
    read stops at the limit, and its buffer is freed before the next one starts."""
    limit = 16 * 2**20
    variants = "".join(f"#EXT-X-STREAM-INF:BANDWIDTH={n + 1}000\nv{n}.m3u8\n" for n in range(16))
    (tmp_path / "m.m3u8").write_text(f"#EXTM3U\n{variants}")
    big = b"#EXTM3U\n" + b"#" * limit

    def unsized(path: str) -> bytes | None:
        return big if path.startswith("/v") else None

    with Origin(tmp_path, unsized=unsized) as origin:
        run = bounded("check", f"{origin.url}/m.m3u8", "--format", "json", "--concurrency", "1",
                      env={"HLSINSPECT_LIMIT_MAX_PLAYLIST_BYTES": str(limit)}, seconds=120)
    assert run.exit_code == 1, run.stderr
    assert run.names() == ["playlist-unreadable"] * 16
    assert "larger than a playlist can be (16 MiB)" in run.json["findings"][0]["message"]
    # kept alive, the 16 buffers alone would be 256 MiB
    assert run.peak_mb < 160, run.peak_mb


# --- a cap on playlists per title; loops found by normalised names and by content ----------


def _served(origin: Origin) -> int:
    return len(origin.paths("GET"))


def test_a_fan_out_of_names_stops_at_the_cap(tmp_path: Path):
    """A multivariant playlist naming itself 2,000 times under new queries: a static server
    serves the same bytes to each, every name is a new key."""
    variants = "".join(f"#EXT-X-STREAM-INF:BANDWIDTH=1000\nq.m3u8?{n}\n" for n in range(2000))
    (tmp_path / "q.m3u8").write_text(f"#EXTM3U\n{variants}")
    with Origin(tmp_path) as origin:
        run = bounded("check", f"{origin.url}/q.m3u8", "--format", "json", seconds=120,
                      env={"HLSINSPECT_LIMIT_MAX_PLAYLISTS_PER_TITLE": "300"})
        served = _served(origin)
    assert run.exit_code == 1, run.stderr
    names = run.names()
    assert names.count("title-too-large") == 1
    assert names.count("playlist-loop") == 300  # the same bytes as the root: loops
    [large] = [f for f in run.json["findings"] if f["name"] == "title-too-large"]
    assert "cap of 300 playlists a title may read" in large["message"]
    assert "1700 more" in large["message"]
    assert served == 301


@pytest.mark.parametrize("uri", [
    pytest.param("x{n}%2F..%2F/m.m3u8", id="encoded-slashes"),
    pytest.param("m.m3u8?{n}", id="queries"),
])
def test_the_same_bytes_under_other_names_are_a_loop(tmp_path: Path, uri: str):
    """20 names of the multivariant playlist itself: each level would be 20 times the last
    (20^8 playlists); the bytes are those of the playlist being followed, so each is a loop."""
    variants = "".join(f"#EXT-X-STREAM-INF:BANDWIDTH=1000\n{uri.format(n=n)}\n"
                       for n in range(20))
    (tmp_path / "m.m3u8").write_text(f"#EXTM3U\n{variants}")
    for n in range(20):  # x1/../m.m3u8 is m.m3u8, as a static server normalises it
        (tmp_path / f"x{n}").mkdir()
    with Origin(tmp_path) as origin:
        run = bounded("check", f"{origin.url}/m.m3u8", "--format", "json", seconds=60)
        served = _served(origin)
    assert run.exit_code == 1, run.stderr
    loops = [f for f in run.json["findings"] if f["name"] == "playlist-loop"]
    assert len(loops) == 20
    assert "the same bytes under another name" in loops[0]["message"]
    assert "title-too-large" not in run.names()
    assert served == 21


@pytest.mark.parametrize("store", ["http", "local"])
def test_an_escaped_unreserved_character_names_the_same_playlist(tmp_path: Path, store: str):
    (tmp_path / "self.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n"
                                        "%73elf.m3u8\n")
    with Origin(tmp_path) as origin:
        target = f"{origin.url}/self.m3u8" if store == "http" else str(tmp_path / "self.m3u8")
        run = bounded("check", target, "--format", "json", seconds=60)
    [loop] = [f for f in run.json["findings"] if f["name"] == "playlist-loop"]
    assert loop["uri"] == target
    assert "the same bytes" not in loop["message"]  # the name alone says it


def test_distinct_playlists_over_the_cap(tmp_path: Path):
    (tmp_path / "a.ts").write_bytes(b"\x47" * 188)
    for n in range(30):
        (tmp_path / f"v{n}.m3u8").write_text(f"{HEAD}#EXTINF:{n % 4 + 1},\na.ts\n"
                                             "#EXT-X-ENDLIST\n")
    variants = "".join(f"#EXT-X-STREAM-INF:BANDWIDTH=1000\nv{n}.m3u8\n" for n in range(30))
    (tmp_path / "m.m3u8").write_text(f"#EXTM3U\n{variants}")
    run = bounded("check", str(tmp_path / "m.m3u8"), "--format", "json",
                  env={"HLSINSPECT_LIMIT_MAX_PLAYLISTS_PER_TITLE": "10"})
    assert "title-too-large" in run.names()
    assert len(run.json["playlists"]) == 11


# --- values out of range are findings, and never reach a renderer --------------------------

NINES = "9" * 400


@pytest.mark.parametrize("output_format", ["table", "json", "markdown", "github", "gitlab"])
def test_numbers_out_of_range_are_findings_in_every_format(tmp_path: Path, output_format: str):
    (tmp_path / "m.m3u8").write_text(
        f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH={NINES},RESOLUTION={NINES}x{NINES},"
        f'FRAME-RATE={NINES},CODECS="avc1.64001f"\nv.m3u8\n')
    (tmp_path / "v.m3u8").write_text(f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{NINES}"
                                     f"\n#EXTINF:{NINES},\na.ts\n#EXTINF:1e300,\na.ts\n"
                                     "#EXT-X-ENDLIST\n")
    (tmp_path / "a.ts").write_bytes(b"\x47" * 188)
    report = tmp_path / "out" / "report.txt"
    report.parent.mkdir()
    run = bounded("check", str(tmp_path / "m.m3u8"), "--format", output_format, "--output",
                  str(report), "--junit", str(tmp_path / "out" / "junit.xml"))
    assert run.exit_code == 1, run.stderr
    assert sorted(p.name for p in report.parent.iterdir()) == ["junit.xml", "report.txt"]
    text = report.read_text()
    assert "Infinity" not in text and "NaN" not in text
    if output_format == "json":
        found = sorted((f["name"], f["line"]) for f in json.loads(text)["findings"]
                       if f["severity"] == "error")
        assert found == [("attribute-value-invalid", 2)] * 3 + [
            ("extinf-duration-invalid", 4), ("extinf-duration-invalid", 6),
            ("tag-value-invalid", 3)]


def test_a_renderer_that_fails_leaves_the_output_file_as_it_was(tmp_path: Path, monkeypatch,
                                                                  cli):
    from hlsinspect.render import json as render_json

    (tmp_path / "t").mkdir()
    (tmp_path / "t/index.m3u8").write_text(f"{HEAD}#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n")
    report = tmp_path / "report.json"
    report.write_text("the last report\n")

    def broken(value: Any, newline: str = "\n") -> str:
        raise ValueError("broken on purpose")

    monkeypatch.setattr(render_json, "_encode", broken)
    run = cli("check", str(tmp_path / "t"), "--format", "json", "--output", str(report))
    assert run.exit_code == 2
    assert report.read_text() == "the last report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "t"]


def test_renderers_take_non_finite_numbers():
    from hlsinspect.render.json import _encode
    from hlsinspect.render.table import clock

    assert json.loads(_encode({"duration": float("inf"), "rates": [float("nan"), 1.5]})) == {
        "duration": None, "rates": [None, 1.5]}
    assert clock(float("inf")) == clock(float("nan")) == clock(1e300) == "-"


# --- merge refuses JSON nested too deeply ---------------------------------------------------


@pytest.mark.parametrize("depth", [100, 100_000])
def test_merge_refuses_json_nested_too_deeply(tmp_path: Path, cli, depth: int):
    deep = tmp_path / "deep.json"
    deep.write_text('{"tool": {"name": "hlsinspect"}, "x": ' + "[" * depth + "]" * depth + "}")
    run = cli("merge", str(deep))
    assert run.exit_code == 2
    assert f"deep.json is nested {depth + 1} levels deep, deeper than a report can be (64)" \
        in run.stderr
    assert "Traceback" not in run.stderr and "RecursionError" not in run.stderr


# --- a bound on what EXT-X-DEFINE substitution builds ---------------------------------------


def test_a_huge_substitution_is_a_finding_not_a_string(tmp_path: Path):
    """A 1 MB VALUE referenced 100 times in each of 14 URIs would build 1.4 GB of URIs."""
    uri = "{$v}" * 100 + ".ts"
    segments = "".join(f"#EXTINF:4,\n{uri}?{n}\n" for n in range(14))
    (tmp_path / "index.m3u8").write_text(
        f'#EXTM3U\n#EXT-X-VERSION:8\n#EXT-X-TARGETDURATION:4\n#EXT-X-DEFINE:NAME="v",'
        f'VALUE="{"a" * 2**20}"\n{segments}#EXT-X-ENDLIST\n')
    run = bounded("check", str(tmp_path / "index.m3u8"), "--format", "json", memory=GIB)
    assert run.exit_code == 1, run.stderr
    found = [f for f in run.json["findings"] if f["name"] == "value-out-of-range"]
    assert [f["line"] for f in found] == list(range(6, 34, 2))
    assert "a URI would be 104,857,605 characters long, more than 8,192: not followed" in \
        found[0]["message"]
    assert run.peak_mb < 300, run.peak_mb


# --- linear-time parsing, findings capped per attribute -------------------------------------


def test_two_million_empty_attribute_items(tmp_path: Path):
    (tmp_path / "m.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000"
                                     + "," * 2_000_000 + "\nv.m3u8\n")
    run = bounded("check", str(tmp_path / "m.m3u8"), "--format", "json", seconds=30)
    problems = [f["message"] for f in run.json["findings"]
                if f["name"] == "attribute-list-malformed"]
    # ten problems listed (the same message, reported once), the rest counted
    assert problems == ["#EXT-X-STREAM-INF: an empty item (two commas, or a comma at the end)",
                        "#EXT-X-STREAM-INF: 1,999,990 more problems like these, not listed"]


def test_a_codecs_list_of_80000_entries(tmp_path: Path):
    codecs = ",".join(f"bogus{n}" for n in range(80_000))
    (tmp_path / "m.m3u8").write_text(
        f'#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,CODECS="{codecs}"\nv.m3u8\n')
    run = bounded("check", str(tmp_path / "m.m3u8"), "--format", "json", seconds=60)
    found = [f["message"] for f in run.json["findings"] if f["name"] == "codecs-invalid"]
    assert found[0] == ("#EXT-X-STREAM-INF CODECS: 'bogus0' is not a four-character sample "
                        "entry code in 'bogus0'")
    assert found[10] == "#EXT-X-STREAM-INF CODECS: 79,990 more entries with a problem, not listed"
    assert len(found) == 11
    assert sum(len(f["message"]) for f in run.json["findings"]) < 5_000


def test_groups_are_indexed_once():
    from hlsinspect.checks.context import Member, TitleContext
    from hlsinspect.syntax.lines import read_lines

    lines = read_lines("#EXTM3U\n" + "".join(
        f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a{n % 3}",NAME="n{n}",URI="a{n}.m3u8"\n'
        for n in range(9)))
    members = [Member("audio", f"a{n}.m3u8", tag, None)
               for n, tag in enumerate(lines.all("EXT-X-MEDIA"))]
    context = TitleContext(None, members)  # type: ignore[arg-type]
    assert [m.uri for m in context.group("AUDIO", "a1")] == ["a1.m3u8", "a4.m3u8", "a7.m3u8"]
    members.clear()  # an index: the members are read once, at the first question
    assert [m.uri for m in context.group("AUDIO", "a2")] == ["a2.m3u8", "a5.m3u8", "a8.m3u8"]
    assert context.group("AUDIO", None) == context.group("VIDEO", "a1") == []


# --- a playlist of more segments or lines than hlsinspect parses ----------------------------


@pytest.mark.parametrize(("limit", "body", "message"), [
    pytest.param("MAX_SEGMENTS", "#EXTINF:4,\na.ts\n" * 1001, "1,001 segments, more than "
                 "hlsinspect reads in one playlist (1,000)", id="segments"),
    pytest.param("MAX_LINES", "#EXT-X-GAP\n" * 1001 + "#EXTINF:4,\na.ts\n", "1,008 lines, more "
                 "than hlsinspect reads in one playlist (1,000)", id="lines"),
])
def test_a_playlist_too_large_to_parse(tmp_path: Path, limit: str, body: str, message: str):
    (tmp_path / "a.ts").write_bytes(b"\x47" * 188)
    (tmp_path / "big.m3u8").write_text(f"{HEAD}{body}#EXT-X-ENDLIST\n")
    (tmp_path / "small.m3u8").write_text(f"{HEAD}#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n")
    (tmp_path / "m.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nbig.m3u8\n"
                                     "#EXT-X-STREAM-INF:BANDWIDTH=2000\nsmall.m3u8\n")
    run = bounded("check", str(tmp_path / "m.m3u8"), "--format", "json",
                  env={f"HLSINSPECT_LIMIT_{limit}": "1000"})
    [unreadable] = [f for f in run.json["findings"] if f["name"] == "playlist-unreadable"]
    assert unreadable["message"] == (f"variant playlist 'big.m3u8': {tmp_path}/big.m3u8 is too "
                                     f"large: {message}")
    assert [p["segment_count"] for p in run.json["playlists"]] == [None, None, 1]


# --- --probe caps boxes, samples and reads per segment --------------------------------------

FMP4 = ROOT / "fixtures" / "media" / "fmp4-h264"


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _fmp4_title(tmp_path: Path, segment: bytes) -> Path:
    from hlsinspect.media.bmff import init_tracks

    shutil.copytree(FMP4, tmp_path / "t")
    init = (tmp_path / "t/v/init.mp4").read_bytes()
    (tmp_path / "t/v/seg0.m4s").write_bytes(segment.replace(
        b"TRAK", struct.pack(">I", min(init_tracks(init)))))
    return tmp_path / "t"


def test_trun_boxes_claiming_millions_of_samples(tmp_path: Path):
    """200 traf boxes in 12 KB, each claiming a million samples without per-sample fields."""
    tfhd = _box(b"tfhd", struct.pack(">I4sI", 0x8, b"TRAK", 1000))  # a default duration
    traf = _box(b"traf", tfhd + _box(b"tfdt", bytes(8)) + _box(b"trun", struct.pack(
        ">II", 0, 1_000_000)))
    title = _fmp4_title(tmp_path, _box(b"moof", traf * 200))
    run = bounded("check", str(title), "--probe", "all", "--format", "json", memory=GIB,
                  seconds=60)
    [found] = [f for f in run.json["findings"] if f["name"] == "segment-not-media"]
    assert found["message"].endswith("segment 'seg0.m4s' holds more than 100,000 samples "
                                     "(its trun boxes claim so): its timing is not read")
    assert run.peak_mb < 200, run.peak_mb


def test_boxes_that_each_cost_a_read(tmp_path: Path):
    """300 boxes of just over 4 KiB: each lies past the bytes in hand, so each costs a GET."""
    _fmp4_title(tmp_path, _box(b"styp", b"msdh") + _box(b"free", bytes(4200)) * 300)
    with Origin(tmp_path) as origin:
        run = bounded("check", f"{origin.url}/t/index.m3u8", "--probe", "all", "--format",
                      "json", seconds=60, env={"HLSINSPECT_LIMIT_MAX_PROBE_READS": "20"})
        reads = origin.paths("GET").count("/t/v/seg0.m4s")
    [found] = [f for f in run.json["findings"] if f["name"] == "segment-not-media"]
    assert found["message"].endswith("segment 'seg0.m4s' needs more than 20 reads to walk: "
                                     "the rest is not read")
    assert reads == 20
