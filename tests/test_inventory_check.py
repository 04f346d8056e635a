"""`check --inventory`: discovery and existence from an S3 Inventory, no LIST on the bucket.

The inventory is published into a destination bucket on moto's server, as S3 writes one;
hlsinspect reads it and then talks to the audited bucket through a recording proxy, so each
test can say exactly which requests the audited bucket saw.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from hlsinspect.errors import UsageError
from hlsinspect.settings import duration_text, parse_duration
from tests.conftest import BUCKET, S3
from tests.s3proxy import S3Proxy
from tests.test_inventory import DEST, MANIFEST, Row, listing, made_ago, publish

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
    assert re.search(r"made \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", used["message"])


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


DAY = 86_400


def iso(stamp: str) -> str:
    """A creationTimestamp as the report writes it."""
    moment = datetime.fromtimestamp(int(stamp) / 1000, tz=timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def test_a_stale_inventory_is_exit_2_naming_its_date_and_the_option(cli, s3: S3):
    """A segment deleted after the inventory was written would pass: refuse to trust it."""
    stamp = made_ago(3 * DAY)
    publish(s3, "CSV", rows(s3), creationTimestamp=stamp)
    s3.delete(f"{PREFIX}sample00003.ts")
    with S3Proxy(s3.endpoint) as proxy:
        done = cli("check", f"s3://{BUCKET}/{PREFIX}", "--endpoint-url", proxy.endpoint,
                   "--inventory", f"s3://{DEST}/{MANIFEST}", "--format", "json")
        data_files = [path for _, path in proxy.log if "/data/" in path]
    assert done.exit_code == 2, done.stdout
    error = done.json["error"]
    assert error["kind"] == "stale-inventory"
    assert error["message"].startswith(
        f"the inventory s3://{DEST}/{MANIFEST} was made {iso(stamp)}, ")
    assert "3 days ago: older than --inventory-max-age 2d" in error["message"]
    assert "--inventory-max-age 0" in error["hint"]
    assert data_files == []  # refused before any data file is read


@pytest.mark.parametrize(("age", "limit", "exit_code"), [
    pytest.param(3 * DAY, "4d", 0, id="within-days"),
    pytest.param(3 * DAY, "0", 0, id="zero-switches-it-off"),
    pytest.param(40 * 3600, "36h", 2, id="hours"),
    pytest.param(40 * 3600, "2d", 0, id="default-spelled-out"),
    pytest.param(100 * 60, "90m", 2, id="minutes"),
    pytest.param(100 * 60, "7200", 0, id="seconds"),
])
def test_inventory_max_age_forms(cli, s3: S3, age, limit, exit_code):
    publish(s3, "CSV", rows(s3), creationTimestamp=made_ago(age))
    done = cli("check", f"s3://{BUCKET}/{PREFIX}", "--endpoint-url", s3.endpoint,
               "--inventory", f"s3://{DEST}/{MANIFEST}", "--inventory-max-age", limit)
    assert done.exit_code == exit_code, done.stderr


def test_inventory_max_age_from_the_settings_file(cli, s3: S3, tmp_path: Path, monkeypatch):
    publish(s3, "CSV", rows(s3), creationTimestamp=made_ago(40 * 3600))
    monkeypatch.chdir(tmp_path)
    args = ["check", f"s3://{BUCKET}/{PREFIX}", "--endpoint-url", s3.endpoint,
            "--inventory", f"s3://{DEST}/{MANIFEST}"]
    assert cli(*args).exit_code == 0
    (tmp_path / ".hlsinspect.toml").write_text('inventory-max-age = "36h"\n')
    done = cli(*args)
    assert done.exit_code == 2
    assert "older than --inventory-max-age 36h" in done.stderr
    assert cli(*args, "--inventory-max-age", "3d").exit_code == 0  # the command line wins
    (tmp_path / ".hlsinspect.toml").write_text("inventory-max-age = 0\n")
    assert cli(*args).exit_code == 0
    (tmp_path / ".hlsinspect.toml").write_text('inventory-max-age = "soon"\n')
    done = cli(*args)
    assert done.exit_code == 2
    assert "inventory-max-age must be a duration" in done.stderr


def test_without_creation_timestamp_the_dated_folder_dates_it(cli, s3: S3):
    publish(s3, "CSV", rows(s3), creationTimestamp=None)
    done = cli("check", f"s3://{BUCKET}/{PREFIX}", "--endpoint-url", s3.endpoint,
               "--inventory", f"s3://{DEST}/{MANIFEST}")
    assert done.exit_code == 2
    assert "was made 2026-11-28T01:00:00Z" in done.stderr


def test_a_bad_inventory_max_age_is_a_usage_error(cli):
    done = cli("check", ".", "--inventory-max-age", "soon", "--format", "json")
    assert done.exit_code == 2
    assert done.json["error"]["kind"] == "usage"
    assert "--inventory-max-age 'soon' is not a duration" in done.stderr


@pytest.mark.parametrize(("text", "seconds"), [
    ("36h", 129_600), ("2d", 172_800), ("90m", 5_400), ("3600", 3_600), ("45s", 45),
    ("1w", 604_800), ("1.5h", 5_400), ("0", 0),
])
def test_durations(text, seconds):
    assert parse_duration(text, "--inventory-max-age") == seconds
    assert parse_duration(duration_text(seconds), "x") == seconds


@pytest.mark.parametrize("text", ["", "2 days", "-1h", "h", "1y"])
def test_what_is_no_duration(text):
    with pytest.raises(UsageError):
        parse_duration(text, "--inventory-max-age")
