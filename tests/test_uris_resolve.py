"""Each store's resolver: the one place a URI becomes a key, or the reason it names none."""

from __future__ import annotations

from pathlib import Path

import pytest

from hlsinspect.errors import UsageError
from hlsinspect.locations import parse_map, parse_maps, parse_target
from hlsinspect.storage.base import Existence, StorageError
from hlsinspect.storage.http import HttpStorage
from hlsinspect.storage.local import LocalStorage
from hlsinspect.storage.s3 import S3Storage
from hlsinspect.uri.keys import (
    Reference,
    as_directory,
    directory_of,
    directory_prefix,
    without_fragment,
    without_query,
)

PLAYLIST = "HLS/1M/title/index.m3u8"
INVALID_UTF8 = Reference(invalid="its percent-encoding is not UTF-8, so it names no key")


@pytest.fixture(scope="module")
def bucket() -> S3Storage:
    """The store of bucket `out` behind a custom endpoint (no request is ever made here)."""
    return S3Storage("out", endpoint_url="http://127.0.0.1:9000", region="us-east-1")


@pytest.mark.parametrize(
    ("uri", "key"),
    [
        pytest.param("https://out.s3.amazonaws.com/HLS/a.ts", "HLS/a.ts", id="virtual-hosted"),
        pytest.param("http://out.s3.amazonaws.com/HLS/a.ts", "HLS/a.ts", id="http"),
        pytest.param("https://OUT.S3.AMAZONAWS.COM/HLS/a.ts", "HLS/a.ts", id="host-case"),
        pytest.param("https://out.s3.eu-west-1.amazonaws.com/a.ts", "a.ts", id="regional"),
        pytest.param("https://out.s3-eu-west-1.amazonaws.com/a.ts", "a.ts", id="legacy-dash"),
        pytest.param("https://out.s3.dualstack.eu-west-1.amazonaws.com/a.ts", "a.ts",
                     id="dualstack"),
        pytest.param("https://out.s3.cn-north-1.amazonaws.com.cn/a.ts", "a.ts", id="china"),
        pytest.param("https://s3.amazonaws.com/out/k/a.ts", "k/a.ts", id="path-style"),
        pytest.param("https://s3.eu-west-1.amazonaws.com/out/k/a.ts", "k/a.ts",
                     id="path-style-regional"),
        pytest.param("https://s3-eu-west-1.amazonaws.com/out/k/a.ts", "k/a.ts",
                     id="path-style-legacy"),
        pytest.param("https://s3.dualstack.us-east-1.amazonaws.com/out/k/a.ts", "k/a.ts",
                     id="path-style-dualstack"),
        pytest.param("http://127.0.0.1:9000/out/k/a.ts", "k/a.ts", id="endpoint"),
        pytest.param("https://out.s3.amazonaws.com/HLS/a.ts?X-Amz-Signature=abc&X-Amz-Date=1",
                     "HLS/a.ts", id="presigned"),
        pytest.param("https://out.s3.amazonaws.com/HLS/seg%2000.ts#t=1", "HLS/seg 00.ts",
                     id="percent-decoded"),
        pytest.param("s3://out/HLS/seg%2000.ts", "HLS/seg 00.ts", id="s3-uri-decoded"),
        pytest.param("https://my.dotted.s3.amazonaws.com/a.ts", None, id="dotted-other"),
    ],
)
def test_s3_store_knows_its_own_urls(bucket: S3Storage, uri, key):
    where = bucket.resolve(PLAYLIST, uri)
    assert where.key == key
    if key is None:
        assert where.external == "in another bucket (my.dotted)"


@pytest.mark.parametrize(
    ("uri", "external"),
    [
        pytest.param("https://other.s3.amazonaws.com/a.ts", "in another bucket (other)",
                     id="other-virtual"),
        pytest.param("https://s3.amazonaws.com/other/a.ts", "in another bucket (other)",
                     id="other-path-style"),
        pytest.param("http://127.0.0.1:9000/other/a.ts", "in another bucket (other)",
                     id="other-on-endpoint"),
        pytest.param("http://127.0.0.1:9001/out/a.ts", "on another host (127.0.0.1:9001)",
                     id="endpoint-other-port"),
        pytest.param("https://cdn.example.com/out/a.ts", "on another host (cdn.example.com)",
                     id="cdn"),
        pytest.param("https://out.s3.amazonaws.com.evil.example/a.ts",
                     "on another host (out.s3.amazonaws.com.evil.example)", id="look-alike"),
        pytest.param("s3://other/a.ts", "in another bucket (other)", id="s3-other"),
        pytest.param("skd://key-id", "a skd: URI, which names no stored object", id="fairplay"),
    ],
)
def test_s3_store_leaves_other_places_alone(bucket: S3Storage, uri, external):
    assert bucket.resolve(PLAYLIST, uri) == Reference(external=external)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        pytest.param("a//b.ts", Reference(key="HLS/1M/title/a//b.ts"), id="empty-segment-kept"),
        pytest.param("%FF.ts", INVALID_UTF8, id="invalid-utf8"),
        pytest.param("s3://out/%ff.ts", INVALID_UTF8, id="invalid-utf8-s3-uri"),
        pytest.param("https://out.s3.amazonaws.com/%C3%28.ts", INVALID_UTF8,
                     id="invalid-utf8-url"),
        pytest.param("a%00b.ts", Reference(invalid="it contains a NUL character"), id="nul"),
        pytest.param("/", Reference(invalid="it names the top of the store, not an object"),
                     id="top"),
        pytest.param("x" * 1100, Reference(
            invalid="its key is longer than 1024 bytes, the most S3 allows"), id="too-long"),
        pytest.param("%2e%2e/%2e%2e/%2e%2e/%2e%2e/x.ts", Reference(escapes=True),
                     id="encoded-dots"),
        pytest.param("https://out.s3.amazonaws.com/../x.ts", Reference(escapes=True),
                     id="url-escapes"),
        pytest.param("v/..", Reference(key="HLS/1M/title/"), id="trailing-dot-dot"),
        pytest.param("100%.ts", Reference(key="HLS/1M/title/100%.ts"), id="lone-percent"),
        pytest.param("sub/..%2Fx.ts", Reference(key="HLS/1M/title/sub/../x.ts"),
                     id="encoded-slash-keeps-dot-dot"),
        pytest.param("sub/%2E%2E%2Fx.ts", Reference(key="HLS/1M/title/sub/../x.ts"),
                     id="encoded-dots-and-slash-in-one-segment"),
        pytest.param("sub/%2e%2E/x.ts", Reference(key="HLS/1M/title/x.ts"),
                     id="encoded-dot-segment"),
        pytest.param("a%2Fb.ts", Reference(key="HLS/1M/title/a/b.ts"), id="encoded-slash"),
        pytest.param("a+b%2B%20.ts", Reference(key="HLS/1M/title/a+b+ .ts"), id="plus"),
        pytest.param("s3://out/a/b/../c.ts", Reference(key="a/c.ts"), id="s3-uri-dots"),
        pytest.param("s3://out/a/b/..%2Fc.ts", Reference(key="a/b/../c.ts"),
                     id="s3-uri-encoded-slash"),
    ],
)
def test_key_rules(bucket: S3Storage, tmp_path: Path, uri, expected):
    """S3 and the local store apply the same rules (s3:// and URLs of the bucket aside)."""
    assert bucket.resolve(PLAYLIST, uri) == expected
    if "://" not in uri:
        assert LocalStorage(str(tmp_path)).resolve(PLAYLIST, uri) == expected


def test_local_store_keeps_empty_segments_as_s3_does(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/b.ts").write_bytes(b"\x47" * 188)
    store = LocalStorage(str(tmp_path))
    assert store.stat("a/b.ts").existence is Existence.PRESENT
    assert store.stat("a//b.ts").existence is Existence.MISSING
    assert store.stat("a/").existence is Existence.MISSING
    # `..` in a key is literal in S3 (`a/..%2Fb.ts`): the system must not resolve it
    assert store.stat("a/x/../b.ts").existence is Existence.MISSING
    assert store.stat("a/./b.ts").existence is Existence.MISSING
    assert store.list_directory("a/x/..") == {}
    with pytest.raises(StorageError):
        store.read_range("a/x/../b.ts", 0, 1)
    with pytest.raises(StorageError):
        list(store.list_keys("a/x/../"))
    assert store.list_directory("a//") == {}
    assert store.uri("a//b.ts") == f"{tmp_path}/a//b.ts"


@pytest.fixture(scope="module")
def origin() -> HttpStorage:
    return HttpStorage("https://cdn.example.com")


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        pytest.param("seg.ts", Reference(key="t/v/seg.ts"), id="relative"),
        pytest.param("../a.ts", Reference(key="t/a.ts"), id="dot-dot"),
        pytest.param("../../../../a.ts", Reference(key="a.ts"), id="clamped-as-players-do"),
        pytest.param("%2e%2e/a.ts", Reference(key="t/a.ts"), id="encoded-dots"),
        pytest.param("/abs/a.ts", Reference(key="abs/a.ts"), id="absolute-path"),
        pytest.param("a%2Fb.ts", Reference(key="t/v/a%2Fb.ts"), id="encoded-slash-kept"),
        pytest.param("a%ff.ts", Reference(key="t/v/a%FF.ts"), id="any-byte"),
        pytest.param("seg 1.ts", Reference(key="t/v/seg%201.ts"), id="space-encoded"),
        pytest.param("seg.ts?token=1#t=2", Reference(key="t/v/seg.ts?token=1"),
                     id="query-kept"),
        pytest.param("https://CDN.example.com:443/x.ts", Reference(key="x.ts"),
                     id="same-origin"),
        pytest.param("//cdn.example.com/x.ts", Reference(key="x.ts"), id="network-path"),
        pytest.param("http://cdn.example.com/x.ts",
                     Reference(external="on another host (http://cdn.example.com)"),
                     id="other-scheme"),
        pytest.param("https://img.example.com/x.ts",
                     Reference(external="on another host (https://img.example.com)"),
                     id="other-host"),
        pytest.param("skd://asset", Reference(external="a skd: URI, which names no stored object"),
                     id="fairplay"),
        pytest.param("https://[::1/x.ts", Reference(invalid="it is not a valid URL"),
                     id="broken-url"),
    ],
)
def test_http_store_resolves_urls_as_players_do(origin: HttpStorage, uri, expected):
    assert origin.resolve("t/v/index.m3u8", uri) == expected


@pytest.mark.parametrize(
    ("text", "bucket", "key", "mode"),
    [
        pytest.param("s3://bkt/HLS/seg%2000.m3u8", None, "HLS/seg 00.m3u8", "playlist",
                     id="s3-uri-is-decoded"),
        pytest.param("s3://bkt/HLS/./x/../", None, "HLS/", "prefix", id="s3-dot-segments"),
        pytest.param("s3://bkt", None, "", "prefix", id="bucket"),
        pytest.param("HLS/seg%2000.m3u8", "bkt", "HLS/seg%2000.m3u8", "playlist",
                     id="bare-key-is-literal"),
    ],
)
def test_s3_targets(text, bucket, key, mode):
    target = parse_target(text, bucket)
    assert (target.bucket, target.key, target.mode) == ("bkt", key, mode)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("s3://bkt/%FF.m3u8", "percent-encoding is not UTF-8", id="invalid-utf8"),
        pytest.param("s3://bkt/../x.m3u8", "climbs above the bucket", id="escapes"),
        pytest.param("s3://b!/x.m3u8", "not a valid bucket name", id="bucket-name"),
        pytest.param("https://cdn.example.com/hls/", "cannot be listed", id="http-directory"),
        pytest.param("https://user:secret@cdn.example.com/x.m3u8", "credentials in the URL",
                     id="http-credentials"),
        pytest.param("https:///x.m3u8", "is not a valid URL", id="http-no-host"),
    ],
)
def test_bad_url_targets(text, words):
    with pytest.raises(UsageError) as failed:
        parse_target(text, None)
    assert words in failed.value.message
    assert "secret" not in failed.value.message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        pytest.param("s3:/bkt/HLS/x.m3u8", "write s3://bkt/HLS/x.m3u8", id="one-slash"),
        pytest.param("s3:bkt/HLS/", "write s3://bkt/HLS/", id="no-slash"),
        pytest.param("https:/cdn.example.com/x.m3u8", "write https://cdn.example.com/x.m3u8",
                     id="http-one-slash"),
    ],
)
def test_a_url_missing_a_slash_is_named_not_read_as_a_local_path(text, hint):
    with pytest.raises(UsageError) as failed:
        parse_target(text, None)
    assert "is not an" in failed.value.message
    assert failed.value.hint == hint


def test_a_bucket_option_that_contradicts_the_url_is_refused():
    with pytest.raises(UsageError) as failed:
        parse_target("s3://other/HLS/x.m3u8", "bkt")
    assert "'other'" in failed.value.message
    assert parse_target("s3://bkt/HLS/x.m3u8", "bkt").bucket == "bkt"


def test_http_target():
    target = parse_target("HTTPS://CDN.example.com:443/t/../v/master.m3u8?sig=1", None)
    assert (target.origin, target.key, target.mode) == (
        "https://cdn.example.com", "v/master.m3u8?sig=1", "playlist")


def test_map_parsing():
    item = parse_map("https://CDN.example.com/hls=s3://out/HLS")
    assert (item.prefix, item.store, item.location, item.base) == (
        "https://cdn.example.com/hls/", "s3", "out", "HLS/")
    assert item.below("https://cdn.example.com/hls/1M/a.ts?t=1") == "1M/a.ts?t=1"
    assert item.below("https://cdn.example.com/hlsx/a.ts") is None
    assert item.below("https://cdn.example.com/hls/../secret/a.ts") is None
    assert item.below("http://cdn.example.com/hls/a.ts") is None
    origin = parse_map("s3://old-bucket/=https://origin.example.com:8443/vod")
    assert (origin.store, origin.location, origin.base) == (
        "http", "https://origin.example.com:8443", "vod/")


def test_local_map_and_precedence(tmp_path: Path):
    maps = parse_maps([f"https://cdn.example.com/={tmp_path}",
                       "https://cdn.example.com/special/=s3://bkt/"])
    assert [m.prefix for m in maps] == ["https://cdn.example.com/special/",
                                        "https://cdn.example.com/"]
    assert maps[1].location == str(tmp_path)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("https://cdn.example.com/", "expected PREFIX=TARGET", id="no-equals"),
        pytest.param("=s3://bkt/", "expected PREFIX=TARGET", id="no-prefix"),
        pytest.param("https://cdn.example.com/=", "expected PREFIX=TARGET", id="no-target"),
        pytest.param("cdn.example.com=s3://bkt/", "PREFIX must be an http(s):// or s3:// URL",
                     id="prefix-not-a-url"),
        pytest.param("https://u:secret@cdn.example.com/=s3://bkt/", "without user:password",
                     id="prefix-credentials"),
        pytest.param("https://cdn.example.com/?a=1=s3://bkt/", "query", id="prefix-query"),
        pytest.param("https://cdn.example.com/=ftp://x/", "TARGET must be", id="bad-scheme"),
        pytest.param("https://cdn.example.com/=/no/such/dir", "TARGET must be",
                     id="missing-directory"),
        pytest.param("https://cdn.example.com/=s3://no!/", "not a valid bucket name",
                     id="bad-bucket"),
        pytest.param("https://cdn.example.com/=https://u:secret@o.example.com/",
                     "without user:password", id="target-credentials"),
    ],
)
def test_bad_maps(text, words):
    with pytest.raises(UsageError) as failed:
        parse_map(text)
    assert words in failed.value.message
    assert "secret" not in failed.value.message
    assert failed.value.hint is not None


def test_a_prefix_given_twice():
    with pytest.raises(UsageError, match="given twice"):
        parse_maps(["https://cdn.example.com=s3://aaa/", "https://cdn.example.com/=s3://bbb/"])


@pytest.mark.parametrize(("playlist", "uri", "key"), [
    ("pct/a%41/i.m3u8", "v/s.ts", "pct/a%41/v/s.ts"),
    ("q?/i.m3u8", "s x.ts", "q?/s x.ts"),
    ("a%20b/i.m3u8", "../c%20d.ts", "c d.ts"),
    ("a#b/i.m3u8", "s.ts?sig=1", "a#b/s.ts"),
])
def test_a_playlist_key_is_taken_as_it_is_only_the_reference_is_decoded(
        bucket: S3Storage, tmp_path: Path, playlist: str, uri: str, key: str):
    """A key may hold `%`, `?` or `#`: the playlist's own directory is not a URL to decode."""
    assert bucket.resolve(playlist, uri) == Reference(key=key)
    assert LocalStorage(str(tmp_path)).resolve(playlist, uri) == Reference(key=key)


def test_a_segment_beside_a_playlist_in_a_percent_named_directory_is_found(tmp_path: Path):
    from hlsinspect import inspect

    title = tmp_path / "pct" / "a%41"
    title.mkdir(parents=True)
    (title / "i.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
                                  "#EXTINF:4,\nv/s.ts\n#EXT-X-ENDLIST\n")
    (title / "v").mkdir()
    (title / "v" / "s.ts").write_bytes(b"\x47" * 188)
    report = inspect([str(tmp_path / "pct")])
    assert report.summary.missing == 0
    assert report.summary.objects_checked == 1


def test_one_helper_drops_query_and_fragment_and_one_names_a_directory():
    assert [without_query(u) for u in ("a.ts?t=1#f", "a.ts#f?t=1", "s3://b/k.ts?x", "a.ts")] == [
        "a.ts", "a.ts", "s3://b/k.ts", "a.ts"]
    assert without_fragment("a.ts?t=1#f") == "a.ts?t=1"
    assert [directory_of(k) for k in ("a/b/c.ts", "c.ts")] == ["a/b", ""]
    assert [directory_prefix(k) for k in ("a/b/c.ts", "c.ts")] == ["a/b/", ""]
    assert [as_directory(p) for p in ("hls", "hls/", "")] == ["hls/", "hls/", ""]
