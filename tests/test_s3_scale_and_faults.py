"""S3 at scale and misbehaving: pagination, throttling, an unreadable variant."""

from __future__ import annotations

import json
import re

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from tests.conftest import BUCKET, S3, SAMPLE_KEY, make_user
from tests.s3proxy import S3Proxy
from tests.test_s3_permissions import LIST
from tests.titles import findings, place, playlist

URI = f"s3://{BUCKET}/{SAMPLE_KEY}"


def media_playlist(segments: list[str]) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    for name in segments:
        lines += ["#EXTINF:4.0,", name]
    return ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()


def test_prefix_of_3000_keys_with_20_playlists(s3_cli, s3: S3):
    """Listing pages at 1,000 keys: every playlist, wherever it falls, is found."""
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
    s3.new_bucket("bulk-out")
    keys = 0
    for title in range(20):
        segments = [f"seg{n:05d}.ts" for n in range(149)]
        for name in segments:
            backend.put_object("bulk-out", f"HLS/t{title:02d}/{name}", b"\x47" * 188)
        # keys sort after the segments, so most playlists sit on later pages
        backend.put_object("bulk-out", f"HLS/t{title:02d}/zz.m3u8", media_playlist(segments))
        keys += len(segments) + 1
    assert keys == 3000
    run = s3_cli("check", "s3://bulk-out/HLS/", "--format", "json", "--no-progress")
    assert run.exit_code == 0, run.stderr
    report = run.json
    assert [p["uri"] for p in report["playlists"]] == [
        f"s3://bulk-out/HLS/t{t:02d}/zz.m3u8" for t in range(20)]
    assert report["summary"]["segments"] == 20 * 149
    assert report["summary"]["objects_checked"] == 20 * 149


@pytest.mark.parametrize("mode", ["head", "list", "auto"])
def test_every_verify_mode_finds_the_missing_segment(s3_cli, s3: S3, mode):
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    run = s3_cli("check", URI, "--format", "json", "--verify", mode)
    assert run.exit_code == 1
    assert [(f["name"], f["uri"].rsplit("/", 1)[1]) for f in run.json["findings"]] == [
        ("segment-missing", "sample00003.ts")]


def test_throttled_heads_are_retried_until_answered(cli, s3: S3):
    """Each segment's first 6 HEADs get 503 SlowDown: more than botocore alone retries."""
    seen: dict[str, int] = {}

    def throttle(method: str, path: str) -> bool:
        if method != "HEAD":
            return False
        seen[path] = seen.get(path, 0) + 1
        return seen[path] <= 6

    with S3Proxy(s3.endpoint, throttle=throttle) as proxy:
        run = cli("check", URI, "--endpoint-url", proxy.endpoint, "--format", "json",
                  "--verify", "head")
    assert run.exit_code == 0, run.stdout
    assert run.json["findings"] == []
    assert proxy.throttled == 6 * 6


def test_persistent_throttling_is_unverified_never_missing(cli, s3: S3):
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")

    def throttle(method: str, path: str) -> bool:
        return "sample00003" in path or "list-type" in path

    with S3Proxy(s3.endpoint, throttle=throttle) as proxy:
        run = cli("check", URI, "--endpoint-url", proxy.endpoint, "--format", "json")
    assert run.exit_code == 1
    [finding] = run.json["findings"]
    assert finding["name"] == "object-unverified"
    assert finding["uri"].endswith("sample00003.ts")
    assert re.search(r"throttled \(503 SlowDown\) after 16 tries", finding["message"])
    assert run.json["summary"]["missing"] == 0


def test_unreadable_variant_does_not_hide_the_others(s3_cli, s3: S3, tmp_path, monkeypatch):
    title = place("ts-ladder", "s3", tmp_path, s3)
    readable = [f"arn:aws:s3:::ts-ladder/{k}" for k in
                ("master.m3u8", "stream_0/*", "stream_2/*")]
    key_id, secret = make_user(s3, "qa", [
        {**LIST, "Resource": "arn:aws:s3:::ts-ladder"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": readable}])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    s3.enable_iam()
    run = s3_cli("check", "s3://ts-ladder/master.m3u8", "--format", "json", "--verify", "head")
    assert run.exit_code == 1
    assert findings(run.json) == [("playlist-unreadable", title.uri("stream_1/index.m3u8"))]
    assert "s3:GetObject" in run.json["findings"][0]["hint"]
    assert playlist(run.json, title.uri("stream_1/index.m3u8"))["load_status"] == "unreadable"
    assert playlist(run.json, title.uri("stream_0/index.m3u8"))["objects"]["present"] == 4
    assert json.dumps(run.json).count(secret) == 0


def test_prefix_listing_settles_existence_without_heads(cli, s3: S3, tmp_path):
    """The listing that found the playlists also proves which segments exist; the one it
    lacks is confirmed with a single HEAD before it is reported missing."""
    title = place("ts-ladder", "s3", tmp_path, s3)
    title.delete("stream_1/seg002.ts")
    with S3Proxy(s3.endpoint) as proxy:
        run = cli("check", "s3://ts-ladder/", "--endpoint-url", proxy.endpoint,
                  "--format", "json")
    assert run.exit_code == 1
    assert findings(run.json) == [("segment-missing", title.uri("stream_1/seg002.ts"))]
    assert proxy.methods["HEAD"] == 1  # only the absent key is asked
    # the title's top, listed with a delimiter; its three variant directories, listed at
    # once; four playlists
    assert proxy.methods["GET"] == 1 + 3 + 4
    with S3Proxy(s3.endpoint) as proxy:
        run = cli("check", "s3://ts-ladder/", "--endpoint-url", proxy.endpoint,
                  "--format", "json", "--verify", "head")
    assert findings(run.json) == [("segment-missing", title.uri("stream_1/seg002.ts"))]
    assert proxy.methods["HEAD"] == 12
