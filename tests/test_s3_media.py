"""`hlsinspect check` on the seed media playlist in S3, over real HTTP to moto's server."""

from __future__ import annotations

import json

import pytest

from tests.conftest import BUCKET, S3, SAMPLE_KEY

URI = f"s3://{BUCKET}/{SAMPLE_KEY}"
SEGMENT_3 = f"s3://{BUCKET}/HLS/1M/D0002021500_00000/sample00003.ts"


def test_seed_playlist_passes(s3_cli):
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 0, run.stderr
    report = run.json
    assert report["ok"] is True
    [playlist] = report["playlists"]
    assert playlist["uri"] == URI
    assert playlist["kind"] == "media"
    assert playlist["target_duration"] == 13
    assert playlist["segment_count"] == 6
    assert playlist["total_duration"] == pytest.approx(53.186521, abs=1e-9)
    assert playlist["version"] == 3
    assert playlist["media_sequence"] == 0
    assert playlist["endlist"] is True
    assert playlist["objects"] == {"checked": 6, "present": 6, "missing": 0, "unknown": 0}
    assert report["findings"] == []


def test_key_with_bucket_option_is_the_same_as_s3_uri(s3_cli):
    by_uri = s3_cli("check", URI, "--format", "json").json
    by_key = s3_cli("check", SAMPLE_KEY, "--bucket", BUCKET, "--format", "json").json
    assert by_key["playlists"] == by_uri["playlists"]


def test_bucket_from_environment(s3_cli, monkeypatch):
    monkeypatch.setenv("HLSINSPECT_BUCKET", BUCKET)
    run = s3_cli("check", SAMPLE_KEY, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json["playlists"][0]["uri"] == URI


def test_table_shows_facts_and_verdict(s3_cli):
    run = s3_cli("check", URI)
    assert run.exit_code == 0
    assert "53.186521 s (0:00:53.187)" in run.stdout
    assert "PASS" in run.stdout
    assert "6 segments" in run.stdout


def test_deleted_segment_is_missing(s3_cli, s3: S3):
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 1
    [finding] = run.json["findings"]
    assert finding["name"] == "segment-missing"
    assert finding["severity"] == "error"
    assert finding["uri"] == SEGMENT_3
    assert finding["playlist"] == URI
    assert finding["line"] == 13  # the URI line of sample00003.ts
    assert run.json["summary"]["missing"] == 1
    assert run.json["playlists"][0]["objects"]["missing"] == 1


def test_deleted_segment_in_table(s3_cli, s3: S3):
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    run = s3_cli("check", URI)
    assert run.exit_code == 1
    assert "segment-missing" in run.stdout
    assert SEGMENT_3 in run.stdout
    assert "FAIL" in run.stdout


def test_zero_byte_segment(s3_cli, s3: S3):
    s3.put("HLS/1M/D0002021500_00000/sample00002.ts", b"")
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 1
    assert run.names() == ["segment-empty"]
    assert run.json["findings"][0]["uri"].endswith("sample00002.ts")


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        pytest.param(b"<html><body>403 Forbidden</body></html>", 1, "HTML", id="html"),
        pytest.param(b"\x00\x01\x02\xff\xfe binary", 1, "binary", id="binary"),
        pytest.param(b"", 1, "empty", id="empty"),
        pytest.param(b"#EXT-X-VERSION:3\n#EXTINF:10,\na.ts\n", 1, "#EXTM3U", id="no-extm3u"),
        pytest.param(b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:9,\n\xc3\x28.ts\n", 4,
                     "UTF-8", id="invalid-utf8"),
    ],
)
def test_unparsable_playlist_is_a_finding(s3_cli, s3: S3, body, line, words):
    s3.put(SAMPLE_KEY, body)
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 1, run.stderr
    assert "Traceback" not in run.stderr
    [finding] = run.json["findings"]
    assert finding["name"] == "playlist-parse-error"
    assert finding["line"] == line
    assert words in finding["message"]


def test_a_bad_duration_is_named_in_plain_words_on_its_line(s3_cli, s3: S3):
    s3.put(SAMPLE_KEY, b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:abc,\na.ts\n#EXT-X-ENDLIST\n")
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 1, run.stderr
    [first] = [f for f in run.json["findings"] if f["name"] == "extinf-duration-invalid"]
    assert (first["name"], first["line"]) == ("extinf-duration-invalid", 3)
    assert first["message"] == "EXTINF duration 'abc' is not a number of seconds"
    assert "int()" not in json.dumps(run.json) and "ValueError" not in json.dumps(run.json)


def test_segment_longer_than_target_duration(s3_cli, s3: S3):
    text = s3.get(SAMPLE_KEY).decode().replace(
        "#EXTINF:9.009011,\nsample00002", "#EXTINF:14.6,\nsample00002")
    s3.put(SAMPLE_KEY, text)
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 1
    [finding] = run.json["findings"]
    assert finding["name"] == "extinf-exceeds-target-duration"
    assert finding["line"] == 10
    assert finding["uri"].endswith("sample00002.ts")
    assert "15 s" in finding["message"]


@pytest.mark.parametrize(
    ("duration", "fails"),
    [("13.4", False), ("13.499", False), ("13.4999999999999999", False), ("13.5", True),
     ("14.0", True)],
)
def test_extinf_rounds_to_nearest_integer(s3_cli, s3: S3, duration, fails):
    text = s3.get(SAMPLE_KEY).decode().replace("#EXTINF:12.078744,", f"#EXTINF:{duration},")
    s3.put(SAMPLE_KEY, text)
    run = s3_cli("check", URI, "--format", "json")
    assert ("extinf-exceeds-target-duration" in run.names()) is fails
    assert run.exit_code == (1 if fails else 0)


def test_no_endlist_is_a_warning(s3_cli, s3: S3):
    s3.put(SAMPLE_KEY, s3.get(SAMPLE_KEY).decode().replace("#EXT-X-ENDLIST\n", ""))
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 0
    assert run.names() == ["endlist-missing"]
    assert run.json["findings"][0]["severity"] == "warning"
    assert run.json["playlists"][0]["endlist"] is False
    strict = s3_cli("check", URI, "--format", "json", "--fail-on", "warning")
    assert strict.exit_code == 1
    assert strict.json["ok"] is False


def test_no_endlist_in_vod_playlist_is_an_error(s3_cli, s3: S3):
    text = s3.get(SAMPLE_KEY).decode().replace("#EXT-X-ENDLIST\n", "")
    s3.put(SAMPLE_KEY, text.replace("#EXTM3U\n", "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n"))
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 1
    assert run.json["findings"][0]["severity"] == "error"
    assert run.json["playlists"][0]["playlist_type"] == "VOD"


def test_no_target_duration_and_no_segments(s3_cli, s3: S3):
    s3.put(SAMPLE_KEY, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-ENDLIST\n")
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 1
    assert sorted(run.names()) == ["playlist-empty", "target-duration-missing"]


def test_missing_playlist_key_exits_2(s3_cli):
    run = s3_cli("check", f"s3://{BUCKET}/HLS/1M/nope/sample.m3u8")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr.startswith(
        f"hlsinspect: error: cannot read s3://{BUCKET}/HLS/1M/nope/sample.m3u8: NoSuchKey")
    assert "Traceback" not in run.stderr


def test_missing_bucket_exits_2(s3_cli):
    run = s3_cli("check", f"s3://no-such-bucket/{SAMPLE_KEY}")
    assert run.exit_code == 2
    assert "bucket 'no-such-bucket' does not exist" in run.stderr
    assert "hint:" in run.stderr


def test_error_with_json_format_is_a_json_document(s3_cli):
    run = s3_cli("check", f"s3://no-such-bucket/{SAMPLE_KEY}", "--format", "json")
    assert run.exit_code == 2
    report = run.json
    assert report["ok"] is False
    assert report["error"]["kind"] == "no-bucket"
    assert "no-such-bucket" in report["error"]["message"]
    assert report["schema_version"] == 1


def test_endpoint_unreachable_exits_2(cli):
    with socket_free_port() as port:
        run = cli("check", f"s3://{BUCKET}/{SAMPLE_KEY}",
                  "--endpoint-url", f"http://127.0.0.1:{port}")
    assert run.exit_code == 2
    assert "could not connect to http://127.0.0.1:" in run.stderr
    assert "Traceback" not in run.stderr


def test_no_credentials_exits_2(s3_cli, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    run = s3_cli("check", URI)
    assert run.exit_code == 2
    assert "no usable AWS credentials" in run.stderr
    assert "hint:" in run.stderr


def test_debug_shows_traceback(s3_cli):
    run = s3_cli("check", f"s3://no-such-bucket/{SAMPLE_KEY}", "--debug")
    assert run.exit_code == 2
    assert "Traceback" in run.stderr


def test_output_file_and_junit(s3_cli, s3: S3, tmp_path):
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    out, junit = tmp_path / "report.json", tmp_path / "report.xml"
    run = s3_cli("check", URI, "--format", "json", "--output", str(out), "--junit", str(junit))
    assert run.exit_code == 1
    assert run.stdout == ""
    assert '"segment-missing"' in out.read_text()
    xml = junit.read_text()
    assert f'<testcase classname="{URI}" name="HLS010 segment-missing at line' in xml
    assert 'failures="1"' in xml
    assert "sample00003.ts" in xml


class socket_free_port:
    """A loopback port with nothing listening on it."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_a_wrong_content_type_is_an_apple_warning(s3_cli, s3: S3):
    """S3 serves what the uploader said: octet-stream for a .ts is Apple HLS 10.4's case."""
    key = "HLS/1M/D0002021500_00000/sample00002.ts"
    body = s3.get(key)
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=body,
                         ContentType="application/octet-stream")
    for name in ("sample00000.ts", "sample00001.ts"):
        other = f"HLS/1M/D0002021500_00000/{name}"
        s3.client.put_object(Bucket=s3.bucket, Key=other, Body=s3.get(other),
                             ContentType="video/mp2t")
    run = s3_cli("check", URI, "--format", "json", "--rules", "apple", "--verify", "head")
    found = [f for f in run.json["findings"] if f["name"] == "apple-content-type"]
    assert len(found) == 1
    assert found[0]["uri"].endswith("sample00002.ts") or "more objects" in found[0]["message"]
    assert found[0]["observed"] == "application/octet-stream"
    assert found[0]["severity"] == "warning"
    rfc = s3_cli("check", URI, "--format", "json", "--verify", "head")
    assert "apple-content-type" not in {f["name"] for f in rfc.json["findings"]}


@pytest.mark.parametrize("served", ["text/html; charset=utf-8", "application/xml"])
def test_a_segment_served_as_a_web_page_is_suspicious(s3_cli, s3: S3, served: str):
    """The object keeps its size (no sibling is smaller): HEAD's Content-Type alone says it
    is a page. A listing does not give the Content-Type, so it says nothing then."""
    key = "HLS/1M/D0002021500_00000/sample00002.ts"
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=s3.get(key), ContentType=served)
    run = s3_cli("check", URI, "--format", "json", "--verify", "head")
    found = [f for f in run.json["findings"] if f["name"] == "segment-suspicious"]
    assert [(f["uri"], f["observed"], f["severity"]) for f in found] == [
        (f"s3://{BUCKET}/{key}", served.split(";")[0], "warning")]
    listed = s3_cli("check", URI, "--format", "json", "--verify", "list")
    assert "segment-suspicious" not in {f["name"] for f in listed.json["findings"]}


def test_segments_served_as_media_are_not_suspicious(s3_cli, s3: S3):
    key = "HLS/1M/D0002021500_00000/sample00002.ts"
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=s3.get(key), ContentType="video/mp2t")
    run = s3_cli("check", URI, "--format", "json", "--verify", "head")
    assert "segment-suspicious" not in {f["name"] for f in run.json["findings"]}
