"""How URIs in playlists become object keys, and how playlist text is judged before parsing."""

from __future__ import annotations

import pytest

from hlsinspect.checks.media import nearest_integer
from hlsinspect.locations import Reference, parse_target, resolve
from hlsinspect.playlists import ParseFailure, decode, parse, query_values
from hlsinspect.references import object_refs, place, playlist_refs

PLAYLIST = "HLS/1M/title/sample.m3u8"
NO_OBJECT = "URI, which names no stored object"


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
        pytest.param("skd://key-id", Reference(external=f"a skd: {NO_OBJECT}"), id="fairplay"),
        pytest.param("data:text/plain;base64,AAAA", Reference(external=f"a data: {NO_OBJECT}"),
                     id="data"),
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
    t = parse_target("s3://bkt/HLS/1M/x.m3u8", None)
    assert (t.bucket, t.key, t.mode) == ("bkt", "HLS/1M/x.m3u8", "playlist")
    assert parse_target("s3://bkt/HLS/", None).mode == "prefix"
    assert parse_target("s3://bkt", None).mode == "prefix"
    assert parse_target("HLS/1M/D0002021500_00000", "bkt").mode == "auto"
    assert parse_target("/HLS/x.m3u8", "bkt").key == "HLS/x.m3u8"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12.078744, 12), (12.5, 13), (13.499, 13), (13.5, 14), (2.5, 3), (0.4, 0)],
)
def test_nearest_integer_rounds_halves_up(value, expected):
    assert nearest_integer(value) == expected


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param(b"#EXTM3U\n\n\n\xff\n", 4, id="bad-utf8-line"),
        pytest.param(b"  \n", 1, id="blank"),
        pytest.param(b'{"playlist": []}', 1, id="json"),
    ],
)
def test_decode_rejects(data, line):
    with pytest.raises(ParseFailure) as failure:
        decode(data)
    assert failure.value.line == line


def test_control_characters_are_recorded_with_their_line_and_reading_goes_on():
    _text, problems = decode(b"#EXTM3U\n#EXTINF:1,\x07\na.ts\n")
    assert [line for _, line in problems] == [2]
    assert "U+0007" in problems[0][0]
    assert parse("x.m3u8", b"#EXTM3U\n#EXTINF:1,\x07\na.ts\n").segments[0].uri == "a.ts"


def test_crlf_playlist_is_fine():
    playlist = parse("a/x.m3u8", b"#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXTINF:4,\r\ns.ts\r\n")
    assert [(s.uri, s.line, s.line_of_extinf) for s in playlist.segments] == [("s.ts", 4, 3)]
    assert playlist.problems == []


def test_stream_inf_without_bandwidth_is_still_a_variant():
    text = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:RESOLUTION=64x36\nv/a.m3u8\n"
    playlist = parse("m.m3u8", text)
    assert playlist.is_multivariant
    assert [(v.uri, v.tag.line) for v in playlist.structure.variants] == [("v/a.m3u8", 3)]


def _placed(text: bytes) -> tuple[list[tuple[int, int] | None], list[int], list[int]]:
    refs = object_refs(parse("x.m3u8", text))
    placed, problems = place([(r, r.uri.removeprefix("./")) for r in refs])
    return [r.byterange for r in placed], [r.ref.line for r in placed], [p.ref.line
                                                                        for p in problems]


def test_byterange_offsets_are_inferred():
    text = (b"#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:4\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:100@0\nall.ts\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:200\n./all.ts\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:50@1000\nall.ts\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:25\nall.ts\n")
    ranges, lines, problems = _placed(text)
    assert ranges == [(0, 100), (100, 200), (1000, 50), (1050, 25)]
    assert lines == [6, 9, 12, 15]
    assert problems == []


def test_byterange_without_previous_subrange_is_a_problem():
    text = (b"#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:4\n"
            b"#EXTINF:4,\na.ts\n#EXTINF:4,\n#EXT-X-BYTERANGE:200\nb.ts\n")
    assert _placed(text)[2] == [8]


def test_gap_segments_are_not_objects_to_verify():
    text = (b"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n"
            b"#EXT-X-GAP\n#EXTINF:4,\nb.ts\n#EXTINF:4,\nc.ts\n")
    refs = object_refs(parse("x.m3u8", text))
    assert [(r.uri, r.fetched) for r in refs] == [("a.ts", True), ("b.ts", False), ("c.ts", True)]
    assert [r.ref.uri for r in place([(r, r.uri) for r in refs])[0]] == ["a.ts", "c.ts"]


def test_a_byte_range_after_a_gap_segment_continues_it():
    text = (b"#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:6\n"
            b"#EXTINF:6,\n#EXT-X-BYTERANGE:1000@100\na.mp4\n"
            b"#EXT-X-GAP\n#EXTINF:6,\n#EXT-X-BYTERANGE:1000\na.mp4\n"
            b"#EXTINF:6,\n#EXT-X-BYTERANGE:1000\na.mp4\n")
    ranges, lines, problems = _placed(text)
    assert (ranges, lines, problems) == ([(100, 1000), (2100, 1000)], [6, 13], [])


def test_variables_are_substituted_in_the_uris_to_verify():
    text = (b'#EXTM3U\n#EXT-X-VERSION:8\n#EXT-X-DEFINE:NAME="dir",VALUE="v1"\n'
            b'#EXT-X-DEFINE:IMPORT="cdn"\n#EXT-X-TARGETDURATION:4\n'
            b"#EXTINF:4,\n{$dir}/a.ts\n#EXTINF:4,\n{$cdn}/b.ts\n#EXTINF:4,\n{$nope}/c.ts\n")
    playlist = parse("x.m3u8", text)
    refs = object_refs(playlist, playlist.variables({"cdn": "https://cdn.example.com"}))
    # a variable without a value never hides the object: it stays as written, and is named
    assert [(r.uri, r.unresolved) for r in refs] == [
        ("v1/a.ts", ()), ("https://cdn.example.com/b.ts", ()), ("{$nope}/c.ts", ("nope",))]
    assert [(r.uri, r.unresolved) for r in object_refs(playlist)] == [
        ("v1/a.ts", ()), ("{$cdn}/b.ts", ("cdn",)), ("{$nope}/c.ts", ("nope",))]


def test_queryparam_takes_the_first_percent_decoded_value_of_the_playlist_url():
    text = (b'#EXTM3U\n#EXT-X-VERSION:11\n#EXT-X-DEFINE:QUERYPARAM="t"\n'
            b'#EXT-X-DEFINE:QUERYPARAM="e"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8?t={$t}\n')
    playlist = parse("m.m3u8", text)
    assert playlist.variables(query=query_values("https://h/m.m3u8?e=&t=a%20b+c&t=2#f")) == {
        "t": "a b+c"}  # an empty value is no value (RFC 8216bis 4.4.2.3)
    assert query_values("s3://b/m.m3u8?t=1") == {}
    assert [(r.uri, r.unresolved) for r in playlist_refs(playlist)] == [("v.m3u8?t={$t}", ("t",))]


def test_a_byte_range_without_offset_continues_only_the_previous_segment_of_its_file():
    """RFC 8216 4.3.2.2: the previous media segment must be a sub-range of the same resource;
    an earlier one of that resource, with another file between, does not count."""
    text = (b"#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:4\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:100@10\na.ts\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:200@0\nb.ts\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:50\na.ts\n"
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:60\na.ts\n")
    ranges, lines, problems = _placed(text)
    assert ranges == [(10, 100), (0, 200), (0, 50), (50, 60)]
    assert (lines, problems) == ([6, 9, 12, 15], [12])


def test_an_init_range_needs_its_offset_and_is_no_segment_to_continue():
    """RFC 8216bis 4.4.4.5: EXT-X-MAP BYTERANGE is "<n>@<o>", the offset REQUIRED; without it
    the range is reported and placed at 0. Segments continue segments, never the init range."""
    text = (b"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n"
            b'#EXT-X-MAP:URI="all.mp4",BYTERANGE="100"\n'
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:50\nall.mp4\n"
            b'#EXT-X-MAP:URI="all.mp4",BYTERANGE="100@700"\n'
            b"#EXTINF:4,\n#EXT-X-BYTERANGE:40\nall.mp4\n")
    refs = object_refs(parse("x.m3u8", text))
    placed, problems = place([(r, r.uri) for r in refs])
    assert [(r.ref.kind, r.byterange) for r in placed] == [
        ("init", (0, 100)), ("segment", (0, 50)), ("init", (700, 100)), ("segment", (50, 40))]
    assert [(p.ref.line, p.message) for p in problems] == [
        (4, 'EXT-X-MAP BYTERANGE needs an offset, "<length>@<offset>"'),
        (7, "EXT-X-BYTERANGE has no offset, but the previous segment is not a sub-range of "
            "the same resource")]
