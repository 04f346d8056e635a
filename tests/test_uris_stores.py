"""URIs in real playlists reach their objects: the bucket's own URLs, and the key rules that
make a copy on disk check exactly like the bucket."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BUCKET, FIXTURES, S3, SAMPLE_KEY
from tests.s3proxy import S3Proxy
from tests.test_local_and_cli import local_view

DIRECTORY = "HLS/1M/D0002021500_00000"
URI = f"s3://{BUCKET}/{SAMPLE_KEY}"
HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:13\n#EXT-X-PLAYLIST-TYPE:VOD\n"


def media(*uris: str) -> str:
    return HEAD + "".join(f"#EXTINF:9.0,\n{uri}\n" for uri in uris) + "#EXT-X-ENDLIST\n"


def url_forms(endpoint: str) -> list[str]:
    """sample0000N.ts written in each URL form of the bucket, for N = 0..5."""
    return [
        f"https://{BUCKET}.s3.amazonaws.com/{DIRECTORY}/sample00000.ts",
        f"http://{BUCKET}.s3.eu-west-1.amazonaws.com/{DIRECTORY}/sample00001.ts",
        f"https://{BUCKET}.s3-eu-west-1.amazonaws.com/{DIRECTORY}/sample00002.ts?X-Amz-Sig=1",
        f"https://s3.dualstack.eu-west-1.amazonaws.com/{BUCKET}/{DIRECTORY}/sample00003.ts",
        f"https://s3.amazonaws.com/{BUCKET}/{DIRECTORY}/sample00004.ts",
        f"{endpoint}/{BUCKET}/{DIRECTORY}/sample00005.ts",
    ]


def test_the_buckets_own_urls_are_verified(s3_cli, s3: S3):
    """Once, such a playlist passed with "0/0 objects" whatever was missing."""
    s3.put(SAMPLE_KEY, media(*url_forms(s3.endpoint)))
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert run.json["findings"] == []
    assert run.json["summary"]["objects_checked"] == 6
    for n in range(6):
        s3.delete(f"{DIRECTORY}/sample0000{n}.ts")
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 1
    assert [(f["name"], f["uri"]) for f in run.json["findings"]] == [
        ("segment-missing", f"s3://{BUCKET}/{DIRECTORY}/sample0000{n}.ts") for n in range(6)]


def test_urls_of_the_bucket_are_asked_at_the_endpoint_only(cli, s3: S3):
    with S3Proxy(s3.endpoint) as proxy:
        s3.put(SAMPLE_KEY, media(*url_forms(proxy.endpoint)))
        run = cli("check", URI, "--endpoint-url", proxy.endpoint, "--format", "json",
                  "--verify", "head")
    assert run.exit_code == 0, run.stdout
    assert sorted(path for method, path in proxy.log if method == "HEAD") == [
        f"/{BUCKET}/{DIRECTORY}/sample0000{n}.ts" for n in range(6)]


def test_other_buckets_and_hosts_stay_external(s3_cli, s3: S3):
    s3.put(SAMPLE_KEY, media("https://other-bucket.s3.amazonaws.com/a.ts",
                             "https://s3.amazonaws.com/other-bucket/b.ts",
                             "s3://other-bucket/c.ts", "https://cdn.example.com/d.ts"))
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 0
    assert [(f["name"], f["severity"]) for f in run.json["findings"]] == [
        ("external-uri-not-checked", "info")] * 4
    assert "in another bucket (other-bucket)" in run.json["findings"][0]["message"]
    assert "on another host (cdn.example.com)" in run.json["findings"][3]["message"]
    assert run.json["summary"]["objects_checked"] == 0


def test_s3_uris_are_percent_decoded_in_playlists_and_targets(s3_cli, s3: S3):
    s3.put(f"{DIRECTORY}/seg 00.ts", b"\x47" * 188)
    s3.put(f"{DIRECTORY}/100%.m3u8", media(f"s3://{BUCKET}/{DIRECTORY}/seg%2000.ts"))
    run = s3_cli("check", f"s3://{BUCKET}/{DIRECTORY}/100%25.m3u8", "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert run.json["playlists"][0]["uri"] == f"s3://{BUCKET}/{DIRECTORY}/100%.m3u8"
    assert run.json["summary"]["objects_checked"] == 1
    literal = s3_cli("check", f"{DIRECTORY}/100%.m3u8", "--bucket", BUCKET, "--format", "json")
    assert literal.json["playlists"] == run.json["playlists"]


def test_keys_with_dots_encoded_slashes_and_plus_signs_are_looked_up_literally(s3_cli,
                                                                              s3: S3):
    """A player resolves dot segments before it asks (RFC 3986 5.2.4); S3 then decodes the
    path once and looks the key up as it is: `..` inside a key is literal, `%2F` is a `/`
    of the key, `+` is a plus sign (not a space, as in form encoding)."""
    ts = b"\x47" * 188
    for key in ("v/sub/../x.ts", "v/a+b.ts", "v/a b.ts", "v/sub/../y.ts", "v/c/d.ts"):
        s3.put(key, ts)
    s3.put("v/index.m3u8", media("sub/..%2Fx.ts", "a+b.ts", "a%20b.ts", "a%2Bb.ts",
                                 "sub/%2E%2E%2Fy.ts", "c%2Fd.ts", "sub/../y.ts"))
    run = s3_cli("check", f"s3://{BUCKET}/v/index.m3u8", "--format", "json")
    assert [(f["name"], f["uri"], f["line"]) for f in run.json["findings"]
            if f["severity"] == "error"] == [("segment-missing", f"s3://{BUCKET}/v/y.ts", 18)]
    assert run.json["summary"]["objects_checked"] == 6
    # a request path with a `..` segment is never sent (a normalising proxy would rewrite
    # it): HEAD alone leaves that key unverified, the listing above found it
    heads = s3_cli("check", f"s3://{BUCKET}/v/index.m3u8", "--format", "json",
                   "--verify", "head")
    assert sorted((f["name"], f["uri"]) for f in heads.json["findings"]
                  if f["severity"] == "error") == [
        ("object-unverified", f"s3://{BUCKET}/v/sub/../x.ts"),
        ("object-unverified", f"s3://{BUCKET}/v/sub/../y.ts"),
        ("segment-missing", f"s3://{BUCKET}/v/y.ts")]
    assert all("its key has a '.' or '..' segment, which S3 keeps as it is" in f["message"]
               for f in heads.json["findings"] if f["name"] == "object-unverified")


def test_a_target_that_decodes_to_no_key_is_a_usage_error(s3_cli):
    run = s3_cli("check", f"s3://{BUCKET}/HLS/%FF.m3u8")
    assert run.exit_code == 2
    assert "percent-encoding is not UTF-8" in run.stderr
    assert "hint: an s3:// URI is percent-decoded: write a literal % as %25" in run.stderr


def same_view(report: dict[str, Any], tree: Path) -> dict[str, Any]:
    """A local report as the S3 one would read (the local store's --root advice aside)."""
    view = local_view(report, f"{tree}/")
    for finding in view["findings"]:
        finding["message"] = finding["message"].replace(
            "; if the directory is a copy of a bucket, name the bucket's top with --root", "")
    return view


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / BUCKET
    shutil.copytree(FIXTURES / BUCKET, root)
    return root


ODD_URIS = [
    "sample00000.ts",
    "./x/../sample00001.ts",  # dot segments
    "sub//sample00002.ts",  # an empty segment: a distinct key, no file can hold it
    "sub/sample00002.ts",
    "seg%2000.ts",  # percent-encoded name
    "%FF.ts",  # decodes to no UTF-8 key
    "dir/",  # a "directory" key
    "/HLS/1M/D0002021500_00000/sample00003.ts",  # absolute path from the top
    "../../../../sample00004.ts",  # above the top
]


def test_a_local_copy_checks_like_the_bucket(cli, s3_cli, s3: S3, tree: Path):
    """The same odd URIs, on disk under --root and in S3: identical reports."""
    text = media(*ODD_URIS)
    for where in (tree / DIRECTORY, tree / DIRECTORY / "sub"):
        where.mkdir(exist_ok=True)
    shutil.copy(tree / DIRECTORY / "sample00002.ts", tree / DIRECTORY / "sub")
    # a segment's size, not a 188-byte stub that segment-suspicious would rightly name
    shutil.copy(tree / DIRECTORY / "sample00002.ts", tree / DIRECTORY / "seg 00.ts")
    (tree / SAMPLE_KEY).write_text(text)
    s3.upload_tree(tree)
    local = cli("check", str(tree / SAMPLE_KEY), "--root", str(tree), "--format", "json")
    remote = s3_cli("check", URI, "--format", "json")
    assert local.exit_code == remote.exit_code == 1
    assert same_view(local.json, tree) == local_view(remote.json, f"s3://{BUCKET}/")
    assert sorted((f["name"], f["line"]) for f in remote.json["findings"]) == [
        ("segment-missing", 10), ("segment-missing", 18), ("uri-escapes-root", 22),
        ("uri-invalid", 16)]
    missing = [f["uri"] for f in remote.json["findings"] if f["name"] == "segment-missing"]
    assert missing == [f"s3://{BUCKET}/{DIRECTORY}/sub//sample00002.ts",
                       f"s3://{BUCKET}/{DIRECTORY}/dir/"]


def test_a_local_copy_with_bucket_urls_checks_like_the_bucket_with_map(cli, s3_cli, s3: S3,
                                                                       tree: Path):
    """The local store does not know the bucket's name: --map tells it."""
    forms = url_forms(s3.endpoint)[:5]
    (tree / SAMPLE_KEY).write_text(media(*forms))
    s3.put(SAMPLE_KEY, media(*forms))
    (tree / DIRECTORY / "sample00001.ts").unlink()
    s3.delete(f"{DIRECTORY}/sample00001.ts")
    maps = [option for prefix in (f"https://{BUCKET}.s3.amazonaws.com/",
                                  f"http://{BUCKET}.s3.eu-west-1.amazonaws.com/",
                                  f"https://{BUCKET}.s3-eu-west-1.amazonaws.com/",
                                  f"https://s3.dualstack.eu-west-1.amazonaws.com/{BUCKET}/",
                                  f"https://s3.amazonaws.com/{BUCKET}/")
            for option in ("--map", f"{prefix}={tree}")]
    local = cli("check", str(tree / SAMPLE_KEY), "--root", str(tree), "--format", "json", *maps)
    remote = s3_cli("check", URI, "--format", "json")
    assert local.exit_code == remote.exit_code == 1
    assert same_view(local.json, tree) == local_view(remote.json, f"s3://{BUCKET}/")
    assert [f["name"] for f in local.json["findings"]] == ["segment-missing"]
