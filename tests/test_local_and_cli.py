"""The zero-setup path (a local directory), the CLI's contract, and a real subprocess run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hlsinspect.checks.registry import RULES
from tests.conftest import BUCKET, FIXTURES, S3, SAMPLE_DIR, SAMPLE_KEY

CONTRACT_NAMES = {
    "segment-missing", "object-unverified", "init-segment-missing", "key-missing",
    "playlist-missing", "playlist-unreadable", "playlist-parse-error", "playlist-empty",
    "target-duration-missing", "extinf-exceeds-target-duration", "endlist-missing",
    "byterange-out-of-bounds", "segment-empty", "uri-escapes-root", "external-uri-not-checked",
    "variant-duration-mismatch",
}
PLAYLIST_MEMBERS = {"uri", "kind", "parent", "version", "target_duration", "media_sequence",
                    "playlist_type", "endlist", "segment_count", "total_duration", "objects"}


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A writable copy of the bundled bucket tree."""
    root = tmp_path / BUCKET
    shutil.copytree(FIXTURES / BUCKET, root)
    return root


def local_view(report: dict, prefix: str) -> dict:
    """The report with local paths written as they would be in S3, for comparison."""
    text = json.dumps(report).replace(prefix, f"s3://{BUCKET}/")
    data = json.loads(text)
    data.pop("targets")
    return data


def test_local_file_passes(cli):
    run = cli("check", str(SAMPLE_DIR / "sample.m3u8"), "--format", "json")
    assert run.exit_code == 0, run.stderr
    [playlist] = run.json["playlists"]
    assert playlist["uri"] == str(SAMPLE_DIR / "sample.m3u8")
    assert (playlist["target_duration"], playlist["segment_count"]) == (13, 6)
    assert playlist["total_duration"] == pytest.approx(53.186521)


def test_local_report_equals_s3_report(cli, s3_cli, s3: S3, tree: Path):
    """The same tree, damaged the same way, reads the same from disk and from S3."""
    (tree / "HLS/1M/D0002021500_00000/sample00003.ts").unlink()
    (tree / "HLS/1M/D0002021500_00000/sample00001.ts").write_bytes(b"")
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    s3.put("HLS/1M/D0002021500_00000/sample00001.ts", b"")
    local = cli("check", str(tree / SAMPLE_KEY), "--format", "json")
    remote = s3_cli("check", f"s3://{BUCKET}/{SAMPLE_KEY}", "--format", "json")
    assert local.exit_code == remote.exit_code == 1
    assert local_view(local.json, f"{tree}/") == local_view(remote.json, f"s3://{BUCKET}/")
    assert sorted(local.names()) == ["segment-empty", "segment-missing"]


def test_json_has_every_contracted_member(cli):
    report = cli("check", str(SAMPLE_DIR / "sample.m3u8"), "--format", "json").json
    assert set(report) >= {"schema_version", "tool", "ok", "targets", "playlists", "findings",
                           "summary"}
    assert report["schema_version"] == 1
    assert report["tool"]["name"] == "hlsinspect"
    assert set(report["playlists"][0]) >= PLAYLIST_MEMBERS
    assert set(report["playlists"][0]["objects"]) == {"checked", "present", "missing", "unknown"}
    assert set(report["summary"]) == {"playlists", "playlists_missing", "segments",
                                      "objects_checked", "missing", "unknown", "errors",
                                      "warnings", "infos"}


def test_finding_has_every_contracted_member(cli, tree: Path):
    (tree / "HLS/1M/D0002021500_00000/sample00000.ts").unlink()
    report = cli("check", str(tree / SAMPLE_KEY), "--format", "json").json
    [finding] = report["findings"]
    contract = {"code", "name", "severity", "message", "playlist", "uri", "line"}
    assert set(finding) == contract | {"reference", "hint", "observed", "expected"}
    assert finding["reference"] == "RFC 8216 4.3.2"
    assert finding["hint"]
    assert finding["code"] == "HLS010"
    assert finding["uri"] == str(tree / "HLS/1M/D0002021500_00000/sample00000.ts")


def test_bare_key_without_bucket_is_a_usage_error(cli):
    run = cli("check", "HLS/1M/D0002021500_00000/sample.m3u8")
    assert run.exit_code == 2
    assert "no bucket was given" in run.stderr
    assert "--bucket" in run.stderr


def test_bad_option_exits_2_in_our_format(cli):
    run = cli("check", str(SAMPLE_DIR / "sample.m3u8"), "--format", "yaml")
    assert run.exit_code == 2
    assert run.stderr.startswith("hlsinspect: error: ")
    assert "Traceback" not in run.stderr


def test_a_misspelt_command_is_not_offered_as_a_command(cli):
    run = cli("chek", str(SAMPLE_DIR / "sample.m3u8"))
    assert run.exit_code == 2
    assert "did you mean 'check'?" in run.stderr
    assert "hint: run 'hlsinspect --help'" in run.stderr
    assert "chek --help" not in run.stderr


def test_other_schemes_are_refused(cli):
    run = cli("check", "ftp://cdn.example.com/x.m3u8")
    assert run.exit_code == 2
    assert "only s3:// and http(s):// URLs and local paths" in run.stderr


def test_rules_lists_every_contracted_name(cli):
    run = cli("rules", "--format", "json")
    listed = {r["name"] for r in json.loads(run.stdout)}
    assert listed >= CONTRACT_NAMES
    assert listed == set(RULES)
    codes = [r["code"] for r in json.loads(run.stdout)]
    assert len(codes) == len(set(codes))
    table = cli("rules")
    assert all(name in table.stdout for name in CONTRACT_NAMES)


def test_version(cli):
    run = cli("--version")
    assert run.exit_code == 0
    assert run.stdout.startswith("hlsinspect 0.")


def test_show_prints_the_playlist_as_stored(s3_cli):
    run = s3_cli("show", f"s3://{BUCKET}/{SAMPLE_KEY}")
    assert run.exit_code == 0
    assert run.stdout == (SAMPLE_DIR / "sample.m3u8").read_text()


def test_show_missing_playlist_exits_2(s3_cli):
    run = s3_cli("show", f"s3://{BUCKET}/nope.m3u8")
    assert run.exit_code == 2
    assert "NoSuchKey" in run.stderr


def test_subprocess_against_moto(s3: S3):
    """`python -m hlsinspect` as a CI job would run it: real process, real exit code."""
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    env = {**os.environ, "HLSINSPECT_BUCKET": BUCKET, "AWS_ENDPOINT_URL": s3.endpoint}
    done = subprocess.run(
        [sys.executable, "-m", "hlsinspect", "check", SAMPLE_KEY, "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert [f["name"] for f in report["findings"]] == ["segment-missing"]
    assert report["findings"][0]["uri"].endswith("sample00003.ts")
    assert done.stderr == ""


def test_subprocess_table_on_local_fixture():
    done = subprocess.run(
        [sys.executable, "-m", "hlsinspect", "check", str(SAMPLE_DIR / "sample.m3u8")],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "PASS" in done.stdout
    assert "53.186521 s (0:00:53.187)" in done.stdout


def test_same_playlist_named_twice_is_inspected_once(s3_cli, s3: S3):
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    run = s3_cli("check", f"s3://{BUCKET}/{SAMPLE_KEY}", SAMPLE_KEY, "--bucket", BUCKET,
                 "--format", "json")
    assert run.exit_code == 1
    assert len(run.json["playlists"]) == 1
    assert run.names() == ["segment-missing"]


def test_bucket_option_on_an_existing_local_path_says_so(s3_cli):
    run = s3_cli("check", str(SAMPLE_DIR / "sample.m3u8"), "--bucket", BUCKET)
    assert run.exit_code == 2
    assert "exists on this machine: without --bucket it is checked there" in run.stderr


def test_rules_fit_a_narrow_terminal(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    run = cli("rules")
    assert run.exit_code == 0
    assert "HLS001 playlist-parse-error  error" in run.stdout
    assert run.stdout.splitlines()[0] == "CODE name  severity, profile, scope  (reference)"
    assert max(len(line) for line in run.stdout.splitlines()) <= 80


def test_findings_lead_with_what_is_not_there(cli, tmp_path: Path):
    """Within a severity, missing objects come before the text of the playlist, whatever
    their line: they are what a QA engineer acts on first."""
    (tmp_path / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:abc,\na.ts\n"
        "#EXTINF:4,\nb.ts\n")
    (tmp_path / "a.ts").write_bytes(b"")
    run = cli("check", str(tmp_path / "index.m3u8"), "--format", "json")
    assert [(f["name"], f["line"]) for f in run.json["findings"]] == [
        ("segment-missing", 7), ("segment-empty", 5), ("extinf-duration-invalid", 4),
        ("endlist-missing", None)]


def test_a_long_run_of_one_finding_says_where_it_lies(cli, tmp_path: Path):
    body = "".join(f"#EXTINF:4,\ns{n:03}.ts\n" for n in range(40))
    (tmp_path / "index.m3u8").write_text(
        f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n{body}#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path / "index.m3u8"))
    assert run.exit_code == 1
    assert "more segment-missing in" in run.stdout
    assert "s039.ts)" in run.stdout and ", lines " in run.stdout
    assert run.stdout.count("fix: ") == 1


def test_a_fix_is_printed_once_for_every_playlist_it_applies_to(cli, tmp_path: Path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.m3u8").write_text(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\ns.ts\n"
            "#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path))
    assert run.stdout.count("HLS010 segment-missing") == 2
    assert run.stdout.count("fix: upload the segment") == 1


@pytest.mark.parametrize("args", [
    pytest.param(["--format", "json", "--concurrency", "0"], id="bad-value"),
    pytest.param(["--format=json", "--quiet", "-b", "bkt", "--no-such-option"], id="unknown"),
    pytest.param(["--format", "json", "--probe", "deep"], id="bad-choice"),
])
def test_a_usage_errors_document_names_the_targets_given(cli, args, tmp_path: Path):
    """The error document of a bad option still says what was to be inspected."""
    junit = tmp_path / "r.xml"
    run = cli("check", "a/x.m3u8", *args, "https://u:pw@cdn.example.com/t.m3u8",
              "--junit", str(junit), "--", "-odd.m3u8")
    assert run.exit_code == 2
    assert run.json["error"]["kind"] == "usage"
    assert run.json["targets"] == ["a/x.m3u8", "https://REDACTED@cdn.example.com/t.m3u8",
                                   "-odd.m3u8"]
    assert "pw@" not in junit.read_text()


def test_a_usage_error_of_merge_names_the_reports(cli):
    run = cli("merge", "one.json", "two.json", "--format", "json", "--fail-on", "never")
    assert run.exit_code == 2
    assert run.json["targets"] == ["one.json", "two.json"]


def test_an_unverified_file_gets_a_file_hint(cli, tree: Path):
    segment = tree / "HLS/1M/D0002021500_00000/sample00002.ts"
    segment.unlink()
    segment.symlink_to(segment.name)  # a link to itself: stat fails with ELOOP
    run = cli("check", str(segment.parent / "sample.m3u8"), "--format", "json")
    [finding] = [f for f in run.json["findings"] if f["severity"] == "error"]
    assert finding["name"] == "object-unverified"
    assert "s3:" not in finding["hint"]
    assert finding["hint"].startswith("the message names the file system's error")


def test_show_escapes_what_a_terminal_or_a_ci_log_would_act_on(cli, tmp_path: Path):
    hostile = tmp_path / "esc.m3u8"
    hostile.write_bytes(b"#EXTM3U\n#EXT-X-TARGETDURATION:4\n\x1b]0;owned\x07#EXTINF:4,\n"
                        b"::error::forged\n##[set-output name=x]y\ns\xff.ts\n")
    run = cli("show", str(hostile))
    assert run.exit_code == 0
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout
    assert "\\x1b]0;owned\\x07" in run.stdout
    assert "\n::error" not in run.stdout and ":\\x3aerror::forged" in run.stdout
    assert "##[" not in run.stdout and "#\\x23[set-output" in run.stdout
    assert "s\\udcff.ts" in run.stdout  # an undecodable byte, named
    assert "shown escaped" in run.stderr


def test_show_of_binary_data_says_so_with_its_first_bytes(cli, tmp_path: Path):
    """Kilobytes of escapes tell nothing: binary data is named as such, its size and first
    bytes on one line, exit 2 (nothing on stdout)."""
    garbage = tmp_path / "garbage.m3u8"
    garbage.write_bytes(bytes([0x8c, 0xd7, 0x00, 0x47]) + bytes(range(256)) * 16)
    run = cli("show", str(garbage))
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.splitlines() == [
        f"hlsinspect: error: {garbage} is binary data (4,100 bytes), not a playlist",
        "hint: its first bytes: 8c d7 00 47 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f "
        "10 11 12 13"]


def test_show_gives_a_clean_playlist_byte_for_byte(tmp_path: Path):
    clean = tmp_path / "crlf.m3u8"
    body = b"#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXTINF:4,\r\ns0.ts\r\n#EXT-X-ENDLIST\r\n"
    clean.write_bytes(body)
    run = subprocess.run([sys.executable, "-m", "hlsinspect", "show", str(clean)],
                         capture_output=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (0, body, b"")
