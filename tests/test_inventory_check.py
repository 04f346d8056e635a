"""`check --inventory`: discovery and existence from an S3 Inventory, no LIST on the bucket.

The inventory is published into a destination bucket on moto's server, as S3 writes one;
hlsinspect reads it and then talks to the audited bucket through a recording proxy, so each
test can say exactly which requests the audited bucket saw.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import BUCKET, S3
from tests.s3proxy import S3Proxy
from tests.test_inventory import DEST, MANIFEST, Row, listing, publish

PREFIX = "HLS/1M/D0002021500_00000/"


def bucket_lists(proxy: S3Proxy) -> int:
    return sum(1 for method, path in proxy.log
               if method == "GET" and path.startswith(f"/{BUCKET}")
               and "list-type" in parse_qs(urlsplit(path).query))


def rows(s3: S3, leave_out: tuple[str, ...] = ()) -> list[Row]:
    return [Row(key, size) for key, size in listing(s3) if key not in leave_out]


@pytest.mark.parametrize("file_format", ["CSV", "Parquet", "ORC"])
def test_an_inventory_replaces_every_listing(cli, s3: S3, file_format: str):
    publish(s3, file_format, rows(s3))
    plain = cli("check", f"s3://{BUCKET}/HLS/", "--format", "json", "--endpoint-url",
                s3.endpoint)
    with S3Proxy(s3.endpoint) as proxy:
        done = cli("check", f"s3://{BUCKET}/HLS/", "--format", "json", "--endpoint-url",
                   proxy.endpoint, "--inventory", f"s3://{DEST}/{MANIFEST}")
        assert bucket_lists(proxy) == 0
        assert proxy.count("HEAD") == 0
    assert done.exit_code == plain.exit_code == 0, done.stderr
    assert done.json["playlists"] == plain.json["playlists"]
    assert done.json["summary"]["objects_checked"] == plain.json["summary"]["objects_checked"]
    [used] = [f for f in done.json["findings"] if f["name"] == "inventory-used"]
    assert used["severity"] == "info"
    assert f"s3://{DEST}/{MANIFEST}" in used["message"]
    assert "2026-" in used["message"]


def test_a_key_the_inventory_lacks_is_asked_once_with_head(cli, s3: S3):
    late = f"{PREFIX}sample00002.ts"  # written after the inventory was made
    publish(s3, "CSV", rows(s3, leave_out=(late,)))
    s3.delete(f"{PREFIX}sample00004.ts")  # deleted before the inventory: truly missing
    publish(s3, "CSV", rows(s3, leave_out=(late,)))
    with S3Proxy(s3.endpoint) as proxy:
        done = cli("check", f"s3://{BUCKET}/HLS/", "--format", "json", "--endpoint-url",
                   proxy.endpoint, "--inventory", f"s3://{DEST}/{MANIFEST}")
        heads = [path for method, path in proxy.log if method == "HEAD"]
        assert bucket_lists(proxy) == 0
    assert sorted(heads) == sorted([f"/{BUCKET}/{PREFIX}sample00002.ts",
                                    f"/{BUCKET}/{PREFIX}sample00004.ts"])
    assert done.exit_code == 1
    missing = [f["uri"] for f in done.json["findings"] if f["name"] == "segment-missing"]
    assert missing == [f"s3://{BUCKET}/{PREFIX}sample00004.ts"]


def test_the_dated_folder_is_enough(cli, s3: S3):
    publish(s3, "CSV", rows(s3))
    folder = MANIFEST.rpartition("/")[0] + "/"
    done = cli("check", f"s3://{BUCKET}/{PREFIX}", "--endpoint-url", s3.endpoint,
               "--inventory", f"s3://{DEST}/{folder}", "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert done.json["summary"]["objects_checked"] == 6


def test_another_buckets_inventory_is_exit_2(cli, s3: S3):
    publish(s3, "CSV", rows(s3), sourceBucket="some-other-bucket")
    done = cli("check", f"s3://{BUCKET}/HLS/", "--endpoint-url", s3.endpoint,
               "--inventory", f"s3://{DEST}/{MANIFEST}")
    assert done.exit_code == 2
    assert "some-other-bucket" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_manifest_is_exit_2(cli, s3: S3):
    s3.new_bucket(DEST)
    done = cli("check", f"s3://{BUCKET}/HLS/", "--endpoint-url", s3.endpoint,
               "--inventory", f"s3://{DEST}/nothing/manifest.json", "--format", "json")
    assert done.exit_code == 2
    assert done.json["error"]["message"]
    assert f"s3://{DEST}/nothing/manifest.json" in done.json["error"]["message"]


def test_an_inventory_with_only_local_targets_is_a_usage_error(cli, s3: S3, tmp_path):
    (tmp_path / "index.m3u8").write_text("#EXTM3U\n")
    done = cli("check", str(tmp_path), "--inventory", f"s3://{DEST}/{MANIFEST}",
               "--endpoint-url", s3.endpoint)
    assert done.exit_code == 2
    assert "no target is in S3" in done.stderr
