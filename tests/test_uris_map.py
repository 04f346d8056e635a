"""--map PREFIX=TARGET: CDN URLs verified against the origin bucket, a directory, an origin."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import BUCKET, FIXTURES, S3, SAMPLE_KEY
from tests.origin import Origin
from tests.titles import findings, playlist

DIRECTORY = "HLS/1M/D0002021500_00000"
URI = f"s3://{BUCKET}/{SAMPLE_KEY}"
CDN = "https://cdn.example.com"


def cdn_playlist(s3: S3) -> None:
    """The seed playlist with every segment written as a CDN URL."""
    text = s3.get(SAMPLE_KEY).decode()
    s3.put(SAMPLE_KEY, text.replace("sample0", f"{CDN}/{DIRECTORY}/sample0"))


def test_cdn_urls_are_external_unless_mapped(s3_cli, s3: S3):
    cdn_playlist(s3)
    s3.delete(f"{DIRECTORY}/sample00003.ts")
    unmapped = s3_cli("check", URI, "--format", "json")
    assert unmapped.exit_code == 0
    assert findings(unmapped.json, "info") == [
        ("external-uri-not-checked", f"{CDN}/{DIRECTORY}/sample0000{n}.ts") for n in range(6)]
    mapped = s3_cli("check", URI, "--format", "json", "--map", f"{CDN}/=s3://{BUCKET}/")
    assert mapped.exit_code == 1
    assert findings(mapped.json, "error", "warning", "info") == [
        ("segment-missing", f"s3://{BUCKET}/{DIRECTORY}/sample00003.ts")]
    assert mapped.json["summary"]["objects_checked"] == 6


def test_map_with_paths_on_both_sides_into_another_bucket(s3_cli, s3: S3):
    cdn_playlist(s3)
    s3.new_bucket("origin-copy")
    for n in (0, 1, 2, 4, 5):
        s3.put(f"vod/sample0000{n}.ts", b"\x47" * 188, bucket="origin-copy")
    run = s3_cli("check", URI, "--format", "json",
                 "--map", f"{CDN}/{DIRECTORY}=s3://origin-copy/vod")
    assert run.exit_code == 1
    assert findings(run.json) == [("segment-missing", "s3://origin-copy/vod/sample00003.ts")]


def test_map_to_a_local_directory(s3_cli, s3: S3, tmp_path: Path):
    cdn_playlist(s3)
    shutil.copytree(FIXTURES / BUCKET / DIRECTORY, tmp_path / "copy")
    (tmp_path / "copy/sample00002.ts").unlink()
    run = s3_cli("check", URI, "--format", "json",
                 "--map", f"{CDN}/{DIRECTORY}/={tmp_path / 'copy'}")
    assert run.exit_code == 1
    assert findings(run.json) == [("segment-missing", str(tmp_path / "copy/sample00002.ts"))]


def test_map_to_an_http_origin_follows_its_playlists_there(s3_cli, s3: S3, tmp_path: Path):
    """A variant mapped to an origin is read there; its relative segments are asked there."""
    shutil.copytree(FIXTURES / "titles/ts-ladder", tmp_path / "ladder")
    (tmp_path / "ladder/stream_1/seg003.ts").unlink()
    master = (FIXTURES / "titles/ts-ladder/master.m3u8").read_text()
    s3.put("ladder/master.m3u8", master.replace("stream_1/", f"{CDN}/ladder/stream_1/"))
    with Origin(tmp_path) as origin:
        run = s3_cli("check", f"s3://{BUCKET}/ladder/master.m3u8", "--format", "json",
                     "--map", f"{CDN}/={origin.url}/")
        asked = set(origin.paths())
    assert run.exit_code == 1
    variant = f"{origin.url}/ladder/stream_1/index.m3u8"
    assert findings(run.json) == [
        ("playlist-missing", f"s3://{BUCKET}/ladder/stream_0/index.m3u8"),
        ("playlist-missing", f"s3://{BUCKET}/ladder/stream_2/index.m3u8"),
        ("segment-missing", f"{origin.url}/ladder/stream_1/seg003.ts")]
    assert playlist(run.json, variant)["segment_count"] == 4
    assert asked == {"/ladder/stream_1/index.m3u8",
                     *(f"/ladder/stream_1/seg00{n}.ts" for n in range(4))}


def test_a_target_under_a_prefix_is_inspected_where_it_maps(s3_cli, s3: S3):
    run = s3_cli("check", f"{CDN}/{SAMPLE_KEY}", "--format", "json",
                 "--map", f"{CDN}/=s3://{BUCKET}/")
    assert run.exit_code == 0, run.stderr
    assert run.json["playlists"][0]["uri"] == URI
    assert run.json["targets"] == [f"{CDN}/{SAMPLE_KEY}"]


def test_the_most_specific_prefix_wins(s3_cli, s3: S3, tmp_path: Path):
    cdn_playlist(s3)
    run = s3_cli("check", URI, "--format", "json",
                 "--map", f"{CDN}/=s3://{BUCKET}/",
                 "--map", f"{CDN}/{DIRECTORY}/sample00005.ts/={tmp_path}")
    assert run.exit_code == 0, run.stdout
    run = s3_cli("check", URI, "--format", "json",
                 "--map", f"{CDN}/=s3://{BUCKET}/", "--map", f"{CDN}/{DIRECTORY}/={tmp_path}")
    assert run.exit_code == 1
    assert {name for name, _ in findings(run.json)} == {"segment-missing"}
    assert all(uri.startswith(str(tmp_path)) for _, uri in findings(run.json))


def test_bad_map_is_one_line_and_exit_2(cli):
    run = cli("check", str(FIXTURES / BUCKET), "--map", "https://cdn.example.com/")
    assert run.exit_code == 2
    assert run.stderr.splitlines() == [
        "hlsinspect: error: --map 'https://cdn.example.com/': expected PREFIX=TARGET",
        "hint: write --map PREFIX=TARGET, for example --map https://cdn.example.com/=s3://bucket/",
    ]


def test_bad_map_with_json_still_writes_the_document(cli, tmp_path: Path):
    run = cli("check", str(FIXTURES / BUCKET), "--format", "json",
              "--map", f"https://u:hunter2@cdn.example.com/={tmp_path}")
    assert run.exit_code == 2
    document = json.loads(run.stdout)
    assert (document["ok"], document["error"]["kind"]) == (False, "usage")
    assert "hunter2" not in run.stdout + run.stderr
