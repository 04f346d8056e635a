"""Rules about the objects a playlist references, judged from the verification results.

Only a 404 (or absence from a complete listing, confirmed) makes an object missing; anything
else that kept hlsinspect from knowing is `object-unverified` with the reason, so no finding
ever claims "missing" on a guess. One finding per object, however many byte ranges use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hlsinspect.checks.context import ObjectContext
from hlsinspect.checks.registry import ERROR, INFO, WARNING, Issue, rule
from hlsinspect.references import ResolvedRef
from hlsinspect.storage.base import Existence
from hlsinspect.syntax.attributes import as_int
from hlsinspect.uri.keys import without_query

TS = b"\x47" + b"\x00" * 187
VOD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
SEG = "#EXTINF:9.009,\na.ts\n"
END = "#EXT-X-ENDLIST\n"
FMP4 = ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg0.m4s\n#EXT-X-ENDLIST\n')
LABEL = {
    "segment": "segment",
    "init": "init segment (EXT-X-MAP)",
    "key": "key",
    "part": "partial segment (EXT-X-PART)",
    "preload-hint": "preload hint",
    "session-data": "session data (EXT-X-SESSION-DATA)",
}


def _missing(kind: str) -> Callable[[ObjectContext], Iterator[Issue]]:
    def check(ctx: ObjectContext) -> Iterator[Issue]:
        for item, uses in ctx.first_uses:
            state = ctx.states.get(item.key)
            if item.ref.kind != kind or state is None or state.existence is not Existence.MISSING:
                continue
            more = f" (referenced {uses} times)" if uses > 1 else ""
            yield Issue(f"{LABEL[kind]} {item.ref.uri!r} does not exist{more}",
                        line=item.ref.line, uri=ctx.key_uri(item.key))

    check.__doc__ = f"The object a {LABEL[kind]} names does not exist (404)."
    return check


rule("HLS010", "segment-missing", ERROR, scope="object", reference="RFC 8216 4.3.2",
     summary="A media segment's object does not exist (the store answered 404).",
     hint="upload the segment, or re-run the transcode",
     passing=[{"index.m3u8": VOD + SEG + END, "a.ts": TS}],
     failing=[{"index.m3u8": VOD + SEG + END}])(_missing("segment"))
rule("HLS012", "init-segment-missing", ERROR, scope="object", reference="RFC 8216 4.3.2.5",
     summary="The object named by EXT-X-MAP does not exist.",
     hint="upload the init segment next to the media segments",
     passing=[{"index.m3u8": FMP4, "init.mp4": b"\0" * 8, "seg0.m4s": b"\0" * 8}],
     failing=[{"index.m3u8": FMP4, "seg0.m4s": b"\0" * 8}])(_missing("init"))
rule("HLS013", "key-missing", ERROR, scope="object", reference="RFC 8216 4.3.2.4",
     summary="The key file named by EXT-X-KEY (or EXT-X-SESSION-KEY) does not exist in the "
             "store.",
     hint="upload the key file, or point URI at the key server",
     passing=[{"index.m3u8": VOD.replace("3\n", "3\n#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\"\n",
                                         1) + SEG + END, "k.key": b"0123456789abcdef",
               "a.ts": TS}],
     failing=[{"index.m3u8": VOD.replace("3\n", "3\n#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\"\n",
                                         1) + SEG + END, "a.ts": TS}])(_missing("key"))
rule("HLS017", "part-missing", ERROR, scope="object", reference="RFC 8216bis 4.4.4.9",
     summary="A partial segment (EXT-X-PART) object does not exist.",
     hint="a part listed in a playlist must be available when it is listed",
     passing=[{"index.m3u8": "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PART-INF:PART-TARGET=1\n"
               '#EXT-X-PART:DURATION=1,URI="p0.ts"\n', "p0.ts": TS}],
     failing=[{"index.m3u8": "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PART-INF:PART-TARGET=1\n"
               '#EXT-X-PART:DURATION=1,URI="p0.ts"\n'}])(_missing("part"))
rule("HLS018", "preload-hint-missing", INFO, scope="object", reference="RFC 8216bis 4.4.5.3",
     summary="The object named by EXT-X-PRELOAD-HINT does not exist yet (normal while live).",
     passing=[{"index.m3u8": "#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
               '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p1.ts"\n', "p1.ts": TS}],
     failing=["#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
              '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p1.ts"\n'])(_missing("preload-hint"))
rule("HLS025", "session-data-missing", ERROR, scope="object", reference="RFC 8216 4.3.4.4",
     summary="The file an EXT-X-SESSION-DATA URI names does not exist.",
     hint="upload the session data file next to the multivariant playlist",
     passing=[{"master.m3u8": '#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID="com.example.x",'
               'URI="x.json"\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n',
               "x.json": "{}", "v.m3u8": VOD + SEG + END, "a.ts": TS}],
     failing=[{"master.m3u8": '#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID="com.example.x",'
               'URI="x.json"\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n',
               "v.m3u8": VOD + SEG + END, "a.ts": TS}])(_missing("session-data"))


@rule("HLS015", "object-unverified", ERROR, scope="object", reference="RFC 8216 4.3.2",
      hint="grant s3:ListBucket so that S3 answers 404 for missing keys, or run again",
      summary="Whether a referenced object exists could not be established (403 without "
              "s3:ListBucket, throttling or timeouts after retries); the message says why.",
      passing=[{"index.m3u8": VOD + SEG + END, "a.ts": TS}],
      tested_by="tests/test_s3_permissions.py::test_forbidden_segments_are_unverified_not_missing")
def object_unverified(ctx: ObjectContext) -> Iterator[Issue]:
    for item, _ in ctx.first_uses:
        state = ctx.states.get(item.key)
        if state is not None and state.existence is Existence.UNKNOWN:
            yield Issue(f"could not establish whether {LABEL[item.ref.kind]} "
                        f"{item.ref.uri!r} exists: {state.reason}", line=item.ref.line,
                        uri=ctx.key_uri(item.key))


@rule("HLS011", "segment-empty", ERROR, scope="object", reference="RFC 8216 3",
      hint="the upload or the transcode was cut short: write the segment again",
      passing=[{"index.m3u8": VOD + SEG + END, "a.ts": TS}],
      failing=[{"index.m3u8": VOD + SEG + END, "a.ts": b""}])
def segment_empty(ctx: ObjectContext) -> Iterator[Issue]:
    """A segment, part or init segment object that is 0 bytes long."""
    for item, _ in ctx.first_uses:
        state = ctx.states.get(item.key)
        if (state is not None and state.size == 0 and item.ref.kind in ("segment", "init", "part")
                and state.existence is Existence.PRESENT):
            yield Issue(f"{LABEL[item.ref.kind]} {item.ref.uri!r} is 0 bytes",
                        line=item.ref.line, uri=ctx.key_uri(item.key), observed="0 bytes")


@rule("HLS014", "byterange-out-of-bounds", ERROR, scope="object",
      reference="RFC 8216 4.3.2.2",
      hint="the object is truncated or the playlist is stale: upload the whole file again",
      passing=[{"index.m3u8": VOD.replace(":3", ":4") + "#EXTINF:9.009,\n"
                "#EXT-X-BYTERANGE:100@0\nall.ts\n#EXTINF:9.009,\n#EXT-X-BYTERANGE:88\nall.ts\n"
                + END, "all.ts": TS}],
      failing=[{"index.m3u8": VOD.replace(":3", ":4") + "#EXTINF:9.009,\n"
                "#EXT-X-BYTERANGE:100@0\nall.ts\n#EXTINF:9.009,\n#EXT-X-BYTERANGE:100\nall.ts\n"
                + END, "all.ts": TS}])
def byterange_out_of_bounds(ctx: ObjectContext) -> Iterator[Issue]:
    """A byte range (offset + length, offsets inferred as the RFC says) past the end of its
    object. One finding per object: the first range past the end, and how many are."""
    reported: set[str] = set()
    for item in ctx.refs:
        state = ctx.states.get(item.key)
        if item.byterange is None or state is None or not state.size:
            continue
        offset, length = item.byterange
        if offset + length <= state.size or item.key in reported:
            continue
        reported.add(item.key)
        ranges = [r.byterange for r in ctx.refs if r.key == item.key and r.byterange]
        beyond = sum(1 for r in ranges if sum(r) > state.size)
        yield Issue(f"bytes {offset}-{offset + length - 1} of {item.ref.uri!r} reach past its "
                    f"end ({state.size} bytes); {beyond} of {len(ranges)} sub-ranges do",
                    line=item.ref.line, uri=ctx.key_uri(item.key),
                    observed=f"{offset + length} bytes needed", expected=f"<= {state.size}")


@rule("HLS208", "bitrate-tag-mismatch", ERROR, scope="object",
      reference="RFC 8216bis 4.4.4.8",
      hint="write EXT-X-BITRATE from the segments' real sizes, or drop the tag",
      passing=[{"index.m3u8": VOD + "#EXT-X-BITRATE:1\n#EXTINF:1.504,\na.ts\n" + END,
                "a.ts": TS}],
      failing=[{"index.m3u8": VOD + "#EXT-X-BITRATE:5000\n#EXTINF:1.504,\na.ts\n" + END,
                "a.ts": TS}])
def bitrate_tag_mismatch(ctx: ObjectContext) -> Iterator[Issue]:
    """An EXT-X-BITRATE more than 10% away from the bit rate (size over EXTINF duration) of
    a segment it applies to. One finding per tag, naming the first such segment."""
    segments = ctx.playlist.segments
    sizes = {item.ref.segment: ctx.states[item.key].size for item in ctx.refs
             if item.ref.kind == "segment" and item.ref.segment is not None
             and item.byterange is None and item.key in ctx.states}
    reported: set[int] = set()
    for segment in segments:
        tag, size = segment.bitrate, sizes.get(segment.index)
        declared = as_int(tag.value) if tag is not None else None
        if tag is None or declared is None or not size or not segment.duration:
            continue
        kbps = size * 8 / segment.duration / 1000
        if 0.9 * kbps <= declared <= 1.1 * kbps or tag.line in reported:
            continue
        reported.add(tag.line)
        yield Issue(f"EXT-X-BITRATE:{declared} kbit/s, but segment {segment.uri!r} measures "
                    f"{kbps:.1f} kbit/s ({size} bytes over {segment.duration:g} s)",
                    line=tag.line, uri=ctx.playlist.object_uri(segment.uri),
                    observed=f"{kbps:.1f} kbit/s", expected=f"{declared} kbit/s ± 10%")


_TYPES = {
    ".ts": ("video/mp2t",), ".m2ts": ("video/mp2t",),
    ".m4s": ("video/iso.segment", "video/mp4", "audio/mp4"),
    ".mp4": ("video/mp4", "audio/mp4", "application/mp4"), ".m4v": ("video/mp4",),
    ".m4a": ("audio/mp4",), ".cmfv": ("video/mp4",), ".cmfa": ("audio/mp4",),
    ".aac": ("audio/aac",), ".mp3": ("audio/mpeg",), ".ac3": ("audio/ac3",),
    ".ec3": ("audio/eac3",), ".vtt": ("text/vtt", "text/plain"), ".webvtt": ("text/vtt",),
}
"""Apple HLS 10.4's MIME types by file extension."""


@rule("HLS724", "apple-content-type", WARNING, scope="object", profile="apple",
      reference="Apple HLS 10.4",
      hint="serve media with its recommended MIME type (S3: set Content-Type when uploading, "
           "for example aws s3 cp --content-type video/mp2t)",
      passing=[{"index.m3u8": VOD + SEG + END, "a.ts": TS}],
      tested_by="tests/test_s3_media.py::test_a_wrong_content_type_is_an_apple_warning")
def apple_content_type(ctx: ObjectContext) -> Iterator[Issue]:
    """A segment, init segment or part served with a Content-Type other than Apple's
    recommended one for its extension (video/mp2t for .ts, video/iso.segment or video/mp4
    for fMP4, audio/aac...): some players refuse what they cannot identify. Known only from
    S3 or HTTP HEAD answers; a local directory, or a listing, says nothing of it. One finding
    per playlist, naming the first object and counting the others."""
    wrong: list[tuple[ResolvedRef, str, str]] = []
    for item, _ in ctx.first_uses:
        state = ctx.states.get(item.key)
        path = without_query(item.key).lower()
        suffix = path[path.rfind("."):] if "." in path.rpartition("/")[2] else ""
        allowed = _TYPES.get(suffix)
        if (state is None or state.content_type is None or allowed is None
                or item.ref.kind not in ("segment", "init", "part")):
            continue
        served = state.content_type.split(";")[0].strip().lower()
        if served not in allowed:
            wrong.append((item, served, " or ".join(allowed)))
    if wrong:
        item, served, expected = wrong[0]
        more = f" (and {len(wrong) - 1} more objects)" if len(wrong) > 1 else ""
        yield Issue(f"{LABEL[item.ref.kind]} {item.ref.uri!r} is served as {served!r}{more}",
                    line=item.ref.line, uri=ctx.key_uri(item.key), observed=served,
                    expected=expected)
