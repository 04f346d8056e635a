"""A bucket is known to exist before a 404 in it is believed; a name S3 cannot have is a
usage error before any request."""

from __future__ import annotations

import pytest

from tests.conftest import BUCKET, FIXTURES, S3, SAMPLE_KEY
from tests.s3proxy import S3Proxy
from tests.test_s3_permissions import GET_ALL, LIST
from tests.test_uris_map import CDN, DIRECTORY, URI, cdn_playlist

GET_ANYWHERE = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*"}
NO_BUCKET_MAP = f"{CDN}/{DIRECTORY}/=s3://no-such-bucket/enc/"


def test_a_map_into_a_missing_bucket_is_exit_2_not_every_segment_missing(s3_cli, s3: S3):
    cdn_playlist(s3)
    run = s3_cli("check", URI, "--format", "json", "--map", NO_BUCKET_MAP)
    assert run.exit_code == 2, run.stdout
    assert run.json["error"]["kind"] == "no-bucket"
    assert run.json["error"]["message"] == (
        f"--map {NO_BUCKET_MAP}: bucket 'no-such-bucket' does not exist "
        "(S3 answered NoSuchBucket (404))")
    assert "segment-missing" not in run.stdout


def test_a_map_into_a_bucket_that_exists_is_checked_as_before(cli, s3: S3):
    """One listing of one key confirms the bucket; then each object gets its HEAD."""
    cdn_playlist(s3)
    s3.new_bucket("origin-copy")
    for n in (0, 1, 2, 4, 5):
        s3.put(f"enc/sample0000{n}.ts", b"\x47" * 188, bucket="origin-copy")
    with S3Proxy(s3.endpoint) as proxy:
        run = cli("check", URI, "--format", "json", "--verify", "head", "--endpoint-url",
                  proxy.endpoint, "--map", f"{CDN}/{DIRECTORY}/=s3://origin-copy/enc/")
        asked = [(method, path) for method, path in proxy.log
                 if path.startswith("/origin-copy")]
    assert asked[0] == ("GET", "/origin-copy?list-type=2&max-keys=1&prefix=enc%2F"
                               "&encoding-type=url")
    assert sorted(method for method, _ in asked[1:]) == ["HEAD"] * 6
    assert run.exit_code == 1
    assert [(f["name"], f["uri"]) for f in run.json["findings"]
            if f["severity"] == "error"] == [
        ("segment-missing", "s3://origin-copy/enc/sample00003.ts")]


def test_without_list_permission_a_get_finds_the_missing_bucket(s3_cli, s3: S3, as_user):
    """A caller with s3:GetObject alone is refused the listing (403, which says nothing
    about the bucket); the body of a GET's answer says NoSuchBucket."""
    cdn_playlist(s3)
    as_user([GET_ANYWHERE])
    run = s3_cli("check", URI, "--format", "json", "--map", NO_BUCKET_MAP)
    assert run.exit_code == 2, run.stdout
    assert run.json["error"]["kind"] == "no-bucket"
    assert "--map" in run.json["error"]["message"]


def test_without_list_permission_a_bucket_that_exists_is_not_refused(s3_cli, s3: S3, as_user):
    """Listing refused, the GET answers for the key (here NoSuchKey; S3 says 403 to such a
    caller): the bucket exists, and the run goes on."""
    cdn_playlist(s3)
    s3.new_bucket("origin-copy")
    for n in range(6):
        s3.put(f"enc/sample0000{n}.ts", b"\x47" * 188, bucket="origin-copy")
    as_user([GET_ALL, {**GET_ALL, "Resource": "arn:aws:s3:::origin-copy/*"}])
    run = s3_cli("check", URI, "--format", "json",
                 "--map", f"{CDN}/{DIRECTORY}/=s3://origin-copy/enc/")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.json["summary"]["objects_checked"] == 6


def test_with_list_permission_on_another_bucket_only(s3_cli, s3: S3, as_user):
    """Both probes refused (403): the bucket is taken to exist and nothing is called
    missing on a 404 that never comes."""
    cdn_playlist(s3)
    s3.new_bucket("origin-copy")
    as_user([LIST, GET_ALL])
    run = s3_cli("check", URI, "--format", "json",
                 "--map", f"{CDN}/{DIRECTORY}/=s3://origin-copy/enc/")
    assert run.exit_code == 1, run.stderr
    assert {f["name"] for f in run.json["findings"] if f["severity"] == "error"} == {
        "object-unverified"}


def test_a_missing_target_bucket_names_the_target(s3_cli):
    run = s3_cli("check", f"s3://no-such-bucket/{SAMPLE_KEY}")
    assert run.exit_code == 2
    assert run.stderr.startswith(
        f"hlsinspect: error: cannot read s3://no-such-bucket/{SAMPLE_KEY}: NoSuchBucket")


def test_an_inventory_in_a_missing_bucket_names_the_option(s3_cli):
    manifest = "s3://no-such-inventories/inv/x/2026-11-28T01-00Z/manifest.json"
    run = s3_cli("check", URI, "--inventory", manifest)
    assert run.exit_code == 2
    assert run.stderr.splitlines()[0] == (
        f"hlsinspect: error: --inventory {manifest}: bucket 'no-such-inventories' does not "
        "exist (S3 answered NoSuchBucket)")


@pytest.mark.parametrize(
    ("args", "where", "name"),
    [
        pytest.param(["s3://Titles!Out/"], "target 's3://Titles!Out/'", "Titles!Out",
                     id="target"),
        pytest.param(["x.m3u8", "--bucket", "titles out"], "--bucket", "titles out",
                     id="bucket-option"),
        pytest.param([URI, "--map", f"{CDN}/=s3://titles~out/hls/"],
                     f"--map '{CDN}/=s3://titles~out/hls/'", "titles~out", id="map"),
        pytest.param([URI, "--inventory", "s3://ab/inv/manifest.json"],
                     "--inventory s3://ab/inv/manifest.json", "ab", id="inventory"),
        pytest.param([f"s3://{'x' * 256}/x.m3u8"], f"target 's3://{'x' * 256}/x.m3u8'",
                     "x" * 256, id="too-long-even-for-old-buckets"),
    ],
)
def test_a_name_s3_cannot_have_is_a_usage_error(s3_cli, args, where, name):
    """Names no rule ever allowed: refused before any request."""
    run = s3_cli("check", *args, "--format", "json")
    assert run.exit_code == 2
    assert run.json["error"]["kind"] == "usage"
    lines = run.stderr.splitlines()
    assert lines[0].startswith(f"hlsinspect: error: {where}: {name!r} is not a valid bucket "
                               "name (")
    assert lines[1].startswith("hint: S3 bucket names are 3-63 characters of lower-case")


@pytest.mark.parametrize(
    ("args", "name"),
    [
        pytest.param(["s3://Titles_Out/"], "Titles_Out", id="target-prefix"),
        pytest.param(["HLS/x.m3u8", "--bucket", "Titles_Out"], "Titles_Out", id="bucket-option"),
        pytest.param(["s3://my..bucket/x.m3u8"], "my..bucket", id="two-dots"),
        pytest.param(["s3://192.168.5.4/x.m3u8"], "192.168.5.4", id="ip-address"),
        pytest.param([URI, "--map", f"{CDN}/=s3://Titles_Out/hls/"], "Titles_Out", id="map"),
        pytest.param([URI, "--inventory", "s3://Old_Inventories/inv/manifest.json"],
                     "Old_Inventories", id="inventory"),
    ],
)
def test_a_name_only_old_buckets_have_is_invalid_when_s3_has_no_such_bucket(s3_cli, args, name):
    """Capitals, underscores, two dots or an IP shape: us-east-1 allowed them before March
    2018, so S3 is asked; it has no such bucket, and the name is the likelier mistake."""
    run = s3_cli("check", *args, "--format", "json")
    assert run.exit_code == 2
    assert run.json["error"]["kind"] == "usage"
    first, hint = run.stderr.splitlines()[:2]
    assert first.startswith("hlsinspect: error: ")
    assert f"{name!r} is not a valid bucket name (" in first
    assert "does not exist" in first
    assert hint.startswith("hint: S3 bucket names are 3-63 characters of lower-case")
    assert "before March 2018" in hint


def test_an_old_bucket_with_capitals_and_underscores_is_inspected(s3_cli, s3: S3):
    """Such buckets still exist (made in us-east-1 before 2018) and are read path-style."""
    s3.new_bucket("Legacy_Titles")
    s3.upload_tree(FIXTURES / BUCKET, bucket="Legacy_Titles")
    run = s3_cli("check", f"s3://Legacy_Titles/{SAMPLE_KEY}", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json["summary"]["objects_checked"] == 6
    assert run.json["summary"]["missing"] == 0


@pytest.mark.parametrize("given", ["app1-transcoder-out", "s3://app1-transcoder-out",
                                   "s3://app1-transcoder-out/"])
def test_policy_takes_the_bucket_as_a_name_or_an_s3_uri(cli, given):
    run = cli("policy", "--bucket", given, "--iam")
    assert run.exit_code == 0, run.stderr
    assert f'"arn:aws:s3:::{BUCKET}/*"' in run.stdout


def test_policy_refuses_a_name_s3_cannot_have(cli):
    run = cli("policy", "--bucket", "s3://Titles!Out/", "--iam")
    assert run.exit_code == 2
    assert "'Titles!Out' is not a valid bucket name" in run.stderr


def test_policy_takes_an_old_buckets_name(cli):
    run = cli("policy", "--bucket", "s3://Legacy_Titles/", "--iam")
    assert run.exit_code == 0, run.stderr
    assert '"arn:aws:s3:::Legacy_Titles/*"' in run.stdout


def test_a_map_into_a_targets_missing_bucket_is_confirmed_too(s3_cli, s3: S3):
    """The target in the missing bucket fails alone; the other target's URIs map there, so
    its 404s would otherwise all be believed."""
    cdn_playlist(s3)
    run = s3_cli("check", URI, f"s3://no-such-bucket/{SAMPLE_KEY}", "--format", "json",
                 "--map", NO_BUCKET_MAP)
    assert run.exit_code == 2, run.stdout
    assert run.json["error"]["kind"] == "no-bucket"
    assert run.json["error"]["message"].startswith(f"--map {NO_BUCKET_MAP}: ")
