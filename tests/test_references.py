"""How URIs in playlists become object keys, and how playlist text is judged before parsing."""

from __future__ import annotations

import pytest

from hlsinspect.checks.media import nearest_integer
from hlsinspect.locations import Reference, parse_target, resolve
from hlsinspect.playlists import ParseFailure, decode, parse
from hlsinspect.references import object_refs

PLAYLIST = "HLS/1M/title/sample.m3u8"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        pytest.param("sample00000.ts", Reference(key="HLS/1M/title/sample00000.ts"), id="relative"),
        pytest.param("v1/seg.ts", Reference(key="HLS/1M/title/v1/seg.ts"), id="subdirectory"),
        pytest.param("../2M/seg.ts", Reference(key="HLS/1M/2M/seg.ts"), id="dot-dot"),
        pytest.param("./a/./b.ts", Reference(key="HLS/1M/title/a/b.ts"), id="dot"),
        pytest.param("/other/seg.ts", Reference(key="other/seg.ts"), id="absolute-path"),
        pytest.param("seg%2000.ts", Reference(key="HLS/1M/title/seg 00.ts"), id="percent"),
        pytest.param("seg.ts?token=abc#t=1", Reference(key="HLS/1M/title/seg.ts"), id="query"),
        pytest.param("a//b.ts", Reference(key="HLS/1M/title/a//b.ts"), id="double-slash-kept"),
        pytest.param("../../../../x.ts", Reference(escapes=True), id="escapes"),
        pytest.param("s3://bucket/k/seg.ts", Reference(key="k/seg.ts"), id="same-bucket"),
        pytest.param("s3://other/k/seg.ts", Reference(external="in another bucket (other)"),
                     id="other-bucket"),
        pytest.param("https://cdn.example.com/seg.ts",
                     Reference(external="on another host (cdn.example.com)"), id="http"),
        pytest.param("skd://key-id", Reference(external="skd: URI"), id="fairplay"),
        pytest.param("data:text/plain;base64,AAAA", Reference(external="data: URI"), id="data"),
        pytest.param("//cdn.example.com/seg.ts",
                     Reference(external="on another host (cdn.example.com)"), id="network-path"),
    ],
)
def test_resolve(uri, expected):
    assert resolve(PLAYLIST, uri, "bucket") == expected


def test_resolve_at_bucket_root():
    assert resolve("master.m3u8", "v/a.m3u8", "b") == Reference(key="v/a.m3u8")
    assert resolve("master.m3u8", "../a.m3u8", "b") == Reference(escapes=True)


def test_targets():
    t = parse_target("s3://b/HLS/1M/x.m3u8", None)
    assert (t.bucket, t.key, t.mode) == ("b", "HLS/1M/x.m3u8", "playlist")
    assert parse_target("s3://b/HLS/", None).mode == "prefix"
    assert parse_target("s3://b", None).mode == "prefix"
    assert parse_target("HLS/1M/D0002021500_00000", "b").mode == "auto"
    assert parse_target("/HLS/x.m3u8", "b").key == "HLS/x.m3u8"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12.078744, 12), (12.5, 13), (13.499, 13), (13.5, 14), (2.5, 3), (0.4, 0)],
)
def test_nearest_integer_rounds_halves_up(value, expected):
    assert nearest_integer(value) == expected


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param(b"#EXTM3U\n#EXTINF:1,\x07\na.ts\n", 2, id="control-character"),
        pytest.param(b"#EXTM3U\n\n\n\xff\n", 4, id="bad-utf8-line"),
        pytest.param(b"  \n", 1, id="blank"),
        pytest.param(b'{"playlist": []}', 1, id="json"),
    ],
)
def test_decode_rejects(data, line):
    with pytest.raises(ParseFailure) as failure:
        decode(data)
    assert failure.value.line == line


def test_crlf_playlist_is_fine():
    playlist = parse("a/x.m3u8", b"#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXTINF:4,\r\ns.ts\r\n")
    assert [s.uri for s in playlist.segments] == ["s.ts"]
    assert playlist.segment_lines == [4]


def test_stream_inf_without_bandwidth_has_a_line():
    text = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:RESOLUTION=64x36\nv/a.m3u8\n"
    with pytest.raises(ParseFailure) as failure:
        parse("m.m3u8", text)
    assert failure.value.line == 3
    assert failure.value.message == "EXT-X-STREAM-INF lacks the required attribute BANDWIDTH"


def test_byterange_offsets_are_inferred():
    text = (b"#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:4\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:100@0\nall.ts\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:200\nall.ts\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:50@1000\nall.ts\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:25\nall.ts\n")
    refs, problems = object_refs(parse("x.m3u8", text))
    assert [r.byterange for r in refs] == [(0, 100), (100, 200), (1000, 50), (1050, 25)]
    assert [r.line for r in refs] == [6, 9, 12, 15]
    assert problems == []


def test_byterange_without_previous_subrange_is_a_problem():
    text = (b"#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:4\n"
            b"#EXTINF:4,\na.ts\n#EXTINF:4,\n#EXT-X-BYTERANGE:200\nb.ts\n")
    _, problems = object_refs(parse("x.m3u8", text))
    assert [p.line for p in problems] == [8]
