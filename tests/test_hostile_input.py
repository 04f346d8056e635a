"""Inputs that once broke hlsinspect, or would break a careless checker: each stays a finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import BUCKET, FIXTURES, S3, SAMPLE_DIR, SAMPLE_KEY

HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def names(run) -> list[str]:
    """The errors' names (the playlists here are minimal: warnings are not their point)."""
    return sorted(f["name"] for f in run.json["findings"] if f["severity"] == "error")


@pytest.mark.parametrize(
    "uri",
    [
        pytest.param("%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", id="encoded-dots"),
        pytest.param("../../../../../../../etc/passwd", id="plain-dots"),
    ],
)
def test_climbing_out_of_the_root_is_never_followed(cli, tmp_path: Path, uri):
    write(tmp_path, "t/master.m3u8", f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n{uri}\n")
    write(tmp_path, "t/media.m3u8", f"{HEAD}#EXTINF:4,\n{uri}\n#EXT-X-ENDLIST\n")
    for target in (tmp_path / "t", tmp_path / "t/master.m3u8", tmp_path / "t/media.m3u8"):
        run = cli("check", str(target), "--format", "json")
        assert "root:" not in run.stdout
        assert "uri-escapes-root" in names(run), target
        assert run.json["summary"]["objects_checked"] == 0


def test_an_encoded_slash_is_part_of_a_key_and_climbs_nowhere(cli, tmp_path: Path):
    """`%2F` is reserved: `a%2F..%2Fetc` is one segment, which S3 decodes to the literal key
    `a/../etc` (it does not resolve dot segments in keys). No file can have that name, so
    the local store answers that it does not exist, and reads nothing above the root."""
    uri = "a%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd"
    write(tmp_path, "t/media.m3u8", f"{HEAD}#EXTINF:4,\n{uri}\n#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path / "t/media.m3u8"), "--format", "json")
    assert "root:" not in run.stdout
    key = "t/a/" + "/".join([".."] * 7) + "/etc/passwd"
    assert [(f["name"], f["uri"]) for f in run.json["findings"] if f["severity"] == "error"] == [
        ("segment-missing", str(tmp_path) + "/" + key)]
    assert run.json["summary"]["objects_checked"] == 1


def test_every_key_of_a_rotating_playlist_is_checked(cli, tmp_path: Path):
    write(tmp_path, "a.ts", b"\x47" * 188)
    write(tmp_path, "b.ts", b"\x47" * 188)
    write(tmp_path, "k2.key", b"0123456789abcdef")
    write(tmp_path, "index.m3u8", HEAD.replace("VERSION:3", "VERSION:5")
          + '#EXT-X-KEY:METHOD=AES-128,URI="k1.key"\n#EXTINF:4,\na.ts\n'
          + '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="k2.key"\n#EXT-X-KEY:METHOD=SAMPLE-AES,'
            'URI="skd://asset",KEYFORMAT="com.apple.streamingkeydelivery"\n#EXTINF:4,\nb.ts\n'
          + "#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path / "index.m3u8"), "--format", "json")
    assert run.exit_code == 1
    found = {(f["name"], f["line"]) for f in run.json["findings"]}
    assert found == {("key-missing", 5), ("external-uri-not-checked", 9)}


def test_session_keys_of_a_multivariant_playlist_are_checked(cli, tmp_path: Path):
    write(tmp_path, "v.m3u8", f"{HEAD}#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "a.ts", b"\x47" * 188)
    write(tmp_path, "m.m3u8", '#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=AES-128,URI="gone.key"\n'
                              "#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n")
    run = cli("check", str(tmp_path / "m.m3u8"), "--format", "json")
    assert run.exit_code == 1
    [finding] = [f for f in run.json["findings"] if f["severity"] == "error"]
    assert (finding["name"], finding["line"]) == ("key-missing", 2)
    assert run.json["playlists"][0]["objects"] is None


def test_uri_lines_without_extinf_are_findings_and_lines_stay_exact(cli, tmp_path: Path):
    write(tmp_path, "a.ts", b"\x47" * 188)
    write(tmp_path, "index.m3u8", HEAD + "stray.ts\n#EXTINF:4,\na.ts\n#EXTINF:4,\nb.ts\n"
                                         "#EXTINF:4,\n#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path / "index.m3u8"), "--format", "json")
    found = sorted((f["name"], f["line"]) for f in run.json["findings"])
    # a URI line is a segment even without EXTINF (RFC 8216 4.1): reported and verified
    assert found == [("extinf-missing", 5), ("extinf-without-segment", 10),
                     ("segment-missing", 5), ("segment-missing", 9)]


def test_stream_inf_without_uri_line(cli, tmp_path: Path):
    write(tmp_path, "v.m3u8", f"{HEAD}#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "a.ts", b"\x47" * 188)
    write(tmp_path, "m.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"
                              "#EXT-X-STREAM-INF:BANDWIDTH=2000\nv.m3u8\n")
    run = cli("check", str(tmp_path / "m.m3u8"), "--format", "json")
    assert [(f["name"], f["line"]) for f in run.json["findings"]
            if f["severity"] == "error"] == [("stream-inf-uri-missing", 2)]


@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "-4"])
def test_non_finite_or_negative_extinf_is_a_parse_error(cli, tmp_path: Path, value):
    write(tmp_path, "index.m3u8", f"{HEAD}#EXTINF:{value},\na.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "other.m3u8", f"{HEAD}#EXTINF:4,\nb.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "b.ts", b"\x47" * 188)
    run = cli("check", str(tmp_path), "--format", "json")
    assert run.exit_code == 1, run.stderr
    # the duration is reported; the segment is still verified; the other playlist stands
    assert sorted((f["name"], f["line"]) for f in run.json["findings"]) == [
        ("extinf-duration-invalid", 5), ("segment-missing", 6)]
    assert run.json["summary"]["segments"] == 2
    assert run.json["playlists"][0]["total_duration"] == 0


def test_line_separator_characters_are_a_warning_not_a_line_end(cli, tmp_path: Path):
    """RFC 8216 4.1 ends lines with LF only and does not forbid U+2028; parsers that split
    lines on it read another playlist, so it is a warning, and the URI stays one line."""
    write(tmp_path, "index.m3u8", f"{HEAD}#EXTINF:4,\na\u2028b.ts\n#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path / "index.m3u8"), "--format", "json")
    found = {f["name"]: f for f in run.json["findings"]}
    assert sorted((f["name"], f["severity"], f["line"]) for f in found.values()) == [
        ("segment-missing", "error", 6), ("text-character-risky", "warning", 6)]
    assert "U+2028" in found["text-character-risky"]["message"]
    assert found["segment-missing"]["uri"].endswith("a\u2028b.ts")


def test_nul_in_a_uri_is_a_finding(cli, tmp_path: Path):
    write(tmp_path, "index.m3u8", f"{HEAD}#EXTINF:4,\na%00b.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "m.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv%00.m3u8\n"
                              "#EXT-X-STREAM-INF:BANDWIDTH=2\nindex.m3u8\n")
    run = cli("check", str(tmp_path / "m.m3u8"), "--format", "json")
    assert run.exit_code == 1
    assert sorted((f["name"], f["line"]) for f in run.json["findings"]
                  if f["severity"] == "error") == [("uri-invalid", 3), ("uri-invalid", 6)]
    assert run.json["playlists"][1]["segment_count"] == 1


def test_rich_markup_in_names_is_printed_as_text(cli, tmp_path: Path):
    write(tmp_path, "[/b]/index.m3u8", f"{HEAD}#EXTINF:4,\n[red]a.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "m.m3u8", '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="[/red]"\n'
                              "[/b]/index.m3u8\n")
    run = cli("check", str(tmp_path))
    assert run.exit_code == 1
    assert "[/b]/index.m3u8" in run.stdout
    assert "[red]a.ts" in run.stdout


def test_mixed_local_and_s3_targets(cli, s3: S3):
    for order in ([str(SAMPLE_DIR), f"s3://{BUCKET}/{SAMPLE_KEY}"],
                  [f"s3://{BUCKET}/{SAMPLE_KEY}", str(SAMPLE_DIR)]):
        run = cli("check", *order, "--endpoint-url", s3.endpoint)
        assert run.exit_code == 0
        assert f"s3://{BUCKET}/{SAMPLE_KEY}" in run.stdout
        assert str(SAMPLE_DIR / "sample.m3u8") in run.stdout


def test_a_target_that_fails_among_others(cli, s3: S3):
    run = cli("check", str(SAMPLE_DIR), "s3://no-such-bucket/x.m3u8",
              "--endpoint-url", s3.endpoint, "--format", "json")
    assert run.exit_code == 1
    [finding] = run.json["findings"]
    assert finding["name"] == "target-not-inspected"
    assert "no-such-bucket" in finding["message"]
    assert run.json["summary"]["segments"] == 6


def test_hlsinspect_bucket_does_not_hijack_local_paths(cli, monkeypatch):
    monkeypatch.setenv("HLSINSPECT_BUCKET", "some-bucket")
    run = cli("check", str(SAMPLE_DIR / "sample.m3u8"), "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json["playlists"][0]["uri"] == str(SAMPLE_DIR / "sample.m3u8")


def test_symlinked_directories_are_walked_once_and_never_out_of_the_root(cli, tmp_path: Path):
    shutil.copytree(SAMPLE_DIR, tmp_path / "t/real")
    (tmp_path / "t/alias").symlink_to(tmp_path / "t/real", target_is_directory=True)
    (tmp_path / "t/loop").symlink_to(tmp_path / "t", target_is_directory=True)
    (tmp_path / "t/outside").symlink_to(FIXTURES / "titles", target_is_directory=True)
    run = cli("check", str(tmp_path / "t"), "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json["summary"]["playlists"] == 1
    assert run.json["summary"]["missing"] == 0


def test_variant_uri_naming_a_directory(cli, tmp_path: Path):
    (tmp_path / "v.m3u8").mkdir()
    write(tmp_path, "m.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n")
    run = cli("check", str(tmp_path / "m.m3u8"), "--format", "json")
    assert names(run) == ["playlist-unreadable"]
    assert "is a directory" in run.json["findings"][0]["message"]


def test_byteranges_of_one_resource_written_two_ways(cli, tmp_path: Path):
    write(tmp_path, "all.ts", b"\x47" * 400)
    write(tmp_path, "index.m3u8", HEAD.replace("VERSION:3", "VERSION:4")
          + "#EXTINF:4,\n#EXT-X-BYTERANGE:200@0\nall.ts\n"
          + "#EXTINF:4,\n#EXT-X-BYTERANGE:200\n./all.ts\n#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path / "index.m3u8"), "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert run.json["findings"] == []


def test_negative_byterange(cli, tmp_path: Path):
    write(tmp_path, "all.ts", b"\x47" * 400)
    write(tmp_path, "index.m3u8", HEAD.replace("VERSION:3", "VERSION:4")
          + "#EXTINF:4,\n#EXT-X-BYTERANGE:-5@-3\nall.ts\n#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path / "index.m3u8"), "--format", "json")
    assert names(run) == ["tag-value-invalid"]
    assert run.json["findings"][0]["line"] == 6


def test_unwritable_output_is_one_line_and_exit_2(cli, tmp_path: Path):
    for option in ("--output", "--junit"):
        run = cli("check", str(SAMPLE_DIR), option, str(tmp_path / "no/such/dir/r.json"))
        assert run.exit_code == 2
        assert run.stderr.startswith("hlsinspect: error: cannot write ")
        assert "Traceback" not in run.stderr
        run = cli("check", str(SAMPLE_DIR), option, str(tmp_path))
        assert run.exit_code == 2
        assert "is a directory" in run.stderr


def test_usage_error_with_json_format_prints_a_json_document(cli):
    run = cli("check", str(SAMPLE_DIR), "--format", "json", "--concurrency", "0")
    assert run.exit_code == 2
    document = json.loads(run.stdout)
    assert document["ok"] is False
    assert document["error"]["kind"] == "usage"
    assert "hlsinspect check --help" in run.stderr


def test_junit_is_written_when_nothing_could_be_inspected(s3_cli, tmp_path: Path):
    junit = tmp_path / "r.xml"
    run = s3_cli("check", "s3://no-such-bucket/x.m3u8", "--junit", str(junit))
    assert run.exit_code == 2
    xml = junit.read_text()
    assert 'errors="1"' in xml
    assert "no-such-bucket" in xml


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--bucket", "Bad_Bucket!"], "not a valid bucket name"),
        (["--bucket", "good-bucket", "--iam", "--principal", "arn:aws:iam::1:user/a"],
         "names no principal"),
    ],
)
def test_policy_refuses_what_cannot_work(cli, args, words):
    run = cli("policy", *args)
    assert run.exit_code == 2
    assert words in run.stderr


def test_endpoint_credentials_are_not_echoed(cli):
    run = cli("check", f"s3://{BUCKET}/{SAMPLE_KEY}",
              "--endpoint-url", "http://user:hunter2@127.0.0.1:9")
    assert run.exit_code == 2
    assert "hunter2" not in run.stderr
    assert "http://REDACTED@127.0.0.1:9" in run.stderr


def test_deeply_nested_multivariant_playlists_stop(cli, tmp_path: Path):
    for n in range(1200):
        write(tmp_path, f"m{n}.m3u8", f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nm{n + 1}.m3u8\n")
    run = cli("check", str(tmp_path / "m0.m3u8"), "--format", "json")
    assert run.exit_code == 1
    assert run.stderr == ""
    nested = [f for f in run.json["findings"] if f["name"] == "multivariant-nested"]
    assert len(nested) == 8
    assert "not followed further" in nested[-1]["message"]


def test_absurd_numbers_are_parse_errors_not_crashes(cli, tmp_path: Path):
    write(tmp_path, "a.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:" + "9" * 400 + "\n"
                              "#EXTINF:4,\nx.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "b.m3u8", f"{HEAD}#EXTINF:4,\nx.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "x.ts", b"\x47" * 188)
    run = cli("check", str(tmp_path), "--format", "json")
    assert run.exit_code == 1
    assert [(f["name"], f["line"]) for f in run.json["findings"]] == [
        ("tag-value-invalid", 2)]


def test_lone_carriage_return_is_a_parse_error(cli, tmp_path: Path):
    write(tmp_path, "index.m3u8", f"{HEAD}#EXTINF:2,\rseg.ts\n#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path / "index.m3u8"), "--format", "json")
    # a lone CR does not end a line: seg.ts is part of the EXTINF line, not a segment
    found = {(f["name"], f["line"]): f["message"] for f in run.json["findings"]}
    assert set(found) == {("playlist-parse-error", 5), ("extinf-without-segment", 5),
                          ("playlist-empty", None)}
    assert "carriage return" in found["playlist-parse-error", 5]


def test_two_targets_in_one_store_are_verified_once(cli, tmp_path: Path):
    write(tmp_path, "a.m3u8", f"{HEAD}#EXTINF:4,\nx.ts\n#EXTINF:4,\ngone.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "b.m3u8", f"{HEAD}#EXTINF:4,\nx.ts\n#EXTINF:4,\ngone.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "x.ts", b"\x47" * 188)
    run = cli("check", str(tmp_path / "a.m3u8"), str(tmp_path / "b.m3u8"), "--format", "json")
    summary = run.json["summary"]
    assert (summary["objects_checked"], summary["missing"]) == (2, 1)


def test_byterange_continuation_across_external_files_is_invalid(cli, tmp_path: Path):
    write(tmp_path, "index.m3u8", HEAD.replace("VERSION:3", "VERSION:4")
          + "#EXTINF:4,\n#EXT-X-BYTERANGE:100@0\nhttps://cdn.example.com/a.ts\n"
          + "#EXTINF:4,\n#EXT-X-BYTERANGE:100\nhttps://cdn.example.com/b.ts\n#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path / "index.m3u8"), "--format", "json")
    assert "byterange-invalid" in names(run)


def test_too_large_playlist_is_refused_before_reading(cli, tmp_path: Path):
    big = tmp_path / "x.m3u8"
    with big.open("wb") as handle:
        handle.truncate(65 * 2**20)
    write(tmp_path, "b.m3u8", f"{HEAD}#EXTINF:4,\nx.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "x.ts", b"\x47" * 188)
    run = cli("check", str(tmp_path), "--format", "json")
    assert run.exit_code == 1
    [finding] = run.json["findings"]
    assert finding["name"] == "playlist-unreadable"
    assert "larger than a playlist can be (64 MiB)" in finding["message"]


def test_root_lets_references_climb_as_far_as_in_the_bucket(cli, tmp_path: Path):
    write(tmp_path, "t/keys/enc.key", b"0123456789abcdef")
    write(tmp_path, "t/v/a.ts", b"\x47" * 188)
    write(tmp_path, "t/v/index.m3u8", HEAD + '#EXT-X-KEY:METHOD=AES-128,URI="../keys/enc.key"\n'
                                             "#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n")
    alone = cli("check", str(tmp_path / "t/v/index.m3u8"), "--format", "json")
    assert names(alone) == ["uri-escapes-root"]
    assert "--root" in alone.json["findings"][0]["message"]
    rooted = cli("check", str(tmp_path / "t/v/index.m3u8"), "--root", str(tmp_path / "t"),
                 "--format", "json")
    assert rooted.exit_code == 0, rooted.stdout
    assert rooted.json["summary"]["objects_checked"] == 2
    outside = cli("check", str(tmp_path / "t/v/index.m3u8"), "--root", str(tmp_path / "t/keys"))
    assert outside.exit_code == 2
    assert "not inside --root" in outside.stderr


def test_byte_order_mark_is_a_finding_and_segments_are_still_verified(cli, tmp_path: Path):
    write(tmp_path, "index.m3u8", b"\xef\xbb\xbf" + f"{HEAD}#EXTINF:4,\ngone.ts\n"
                                                    "#EXT-X-ENDLIST\n".encode())
    run = cli("check", str(tmp_path / "index.m3u8"), "--format", "json")
    found = sorted((f["name"], f["line"]) for f in run.json["findings"])
    assert found == [("playlist-parse-error", 1), ("segment-missing", 6)]
    [parse_error] = [f for f in run.json["findings"] if f["name"] == "playlist-parse-error"]
    assert "byte order mark" in parse_error["message"]
