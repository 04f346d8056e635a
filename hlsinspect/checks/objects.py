"""Rules about the objects a playlist references, judged from the verification results.

Only a 404 (or absence from a complete listing, confirmed) makes an object missing; anything
else that kept hlsinspect from knowing is `object-unverified` with the reason, so no finding
ever claims "missing" on a guess. One finding per object, however many byte ranges use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hlsinspect.checks.context import ObjectContext
from hlsinspect.checks.registry import ERROR, INFO, WARNING, Issue, rule
from hlsinspect.references import ResolvedRef, range_reference
from hlsinspect.storage.base import Existence
from hlsinspect.storage.s3_errors import LISTING_GRANTED
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


_UNVERIFIED_HINTS = {
    "s3": "grant s3:ListBucket so that S3 answers 404 for missing keys, or run again",
    "http": "the origin answered neither the object nor 404/410: for 401/403 it needs a "
            "signed URL, a cookie or a header; for 429, 5xx or a timeout, run again",
    "local": "the message names the file system's error: check the file, its links and its "
             "directories' permissions",
    "s3-get-denied": "grant s3:GetObject on the object: S3 refused it although the bucket "
                     "could be listed (see the message for where to look)",
    "http-denied": "the origin refuses to say: does the URL need a signature, a cookie or a "
                   "header? A CDN's token or a signed URL for the object gives the answer",
    "http-throttled": "the origin throttled hlsinspect past its retries: run again later, or "
                      "with a lower --concurrency",
    "http-failing": "the origin failed past the retries (a 5xx, or a connection reset): run "
                    "again, and if it persists, look at the origin's logs",
    "http-slow": "the origin did not answer in time: run again, or raise --timeout if it is "
                 "slow by nature",
    "http-gone": "the origin stopped taking connections: is it still up and reachable? Then "
                 "run again",
    "http-tls": "the origin's certificate is not trusted here: check its chain and name (or "
                "SSL_CERT_FILE for a private authority)",
}
_HTTP_REASONS = (("access denied", "http-denied"), ("throttled", "http-throttled"),
                 ("unavailable", "http-failing"), ("reset or the answer cut off", "http-failing"),
                 ("timed out", "http-slow"), ("could not connect", "http-gone"),
                 ("TLS handshake failed", "http-tls"))
"""An HTTP origin's reason for an unverified object (storage/http.py words them), and the
hint that fits it; any other (an unexpected status) gets the origin's general hint."""


@rule("HLS015", "object-unverified", ERROR, scope="object", reference="RFC 8216 4.3.2",
      hint="S3: grant s3:ListBucket so that S3 answers 404 for missing keys, or s3:GetObject "
           "where the bucket can be listed; an HTTP origin: see the status it answered; a "
           "file: check its permissions; throttling and timeouts: run again",
      summary="Whether a referenced object exists could not be established (403 without "
              "s3:ListBucket, throttling or timeouts after retries); the message says why. "
              "Info for a preload hint's object, which need not exist yet, as "
              "preload-hint-missing is.",
      passing=[{"index.m3u8": VOD + SEG + END, "a.ts": TS}],
      tested_by="tests/test_s3_permissions.py::test_forbidden_segments_are_unverified_not_missing")
def object_unverified(ctx: ObjectContext) -> Iterator[Issue]:
    """The hint fits the store the object is in: s3:ListBucket means nothing to an origin.
    A preload hint's object that cannot be verified is info, as preload-hint-missing is:
    the hinted resource need not exist yet (RFC 8216bis 4.4.5.3). The first use of a key
    is a hint only when nothing else references it (hints come after segments and parts)."""
    for item, _ in ctx.first_uses:
        state = ctx.states.get(item.key)
        if state is not None and state.existence is Existence.UNKNOWN:
            uri = ctx.key_uri(item.key)
            hinted = item.ref.kind == "preload-hint"
            yield Issue(f"could not establish whether {LABEL[item.ref.kind]} "
                        f"{item.ref.uri!r} exists: {state.reason}", line=item.ref.line,
                        uri=uri, hint=_UNVERIFIED_HINTS[_hint_for(uri, state.reason)],
                        severity=INFO if hinted else None)


def _hint_for(uri: str, reason: str | None) -> str:
    """The store's hint; for S3, the GetObject one when the listing worked (the reason says
    so): granting s3:ListBucket would change nothing then. For an HTTP origin, the one that
    fits what it did: a denial, throttling, a failure, slowness, no connection, TLS."""
    store = _store_of(uri)
    if store == "s3" and LISTING_GRANTED in (reason or ""):
        return "s3-get-denied"
    if store == "http":
        said = _after_url(reason or "")
        return next((hint for words, hint in _HTTP_REASONS if words in said), store)
    return store


def _after_url(reason: str) -> str:
    """What the origin did, without the URL that "cannot check URL: ..." starts with: a
    path may hold any of the words looked for (.../unavailable/slate.ts). A URL here has
    no ": " (its spaces are escaped), so the first one ends it."""
    if reason.startswith(("cannot check ", "cannot read ")):
        return reason.partition(": ")[2]
    return reason


def _store_of(uri: str) -> str:
    """Which kind of store a reported URI names: s3, http, or a local file."""
    scheme = uri.partition("://")[0].lower() if "://" in uri else ""
    return {"s3": "s3", "http": "http", "https": "http"}.get(scheme, "local")


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


def _growing(ctx: ObjectContext) -> set[str]:
    """Keys of the objects a live playlist is still writing: what its preload hints name,
    and what the parts of its segment in progress (EXT-X-PART after the last segment) name.
    RFC 8216bis 4.4.5.3: the hinted resource may not exist yet or be growing, and without
    BYTERANGE-LENGTH the hint runs to its end, wherever that will be; the parts written so
    far into the same object share its current size. A finished playlist writes nothing."""
    if ctx.playlist.playlist.endlist:
        return set()
    return {item.key for item in ctx.refs if item.ref.kind == "preload-hint"
            or (item.ref.kind == "part" and item.ref.segment is None)}


def _still_written(item: ResolvedRef, growing: set[str]) -> bool:
    """A preload hint (always a promise), or a part of an object still being written."""
    return item.ref.kind == "preload-hint" or (item.ref.kind == "part" and item.key in growing)


PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml")
"""What a web server or a bucket's error document serves: never media."""
TEXT_MEDIA = (".vtt", ".webvtt")
"""WebVTT segments: a segment without cues is a header of a few bytes beside ones with
cues, so their sizes say nothing of an error page."""


def _served_as_page(item: ResolvedRef, ctx: ObjectContext) -> str | None:
    """The Content-Type an HTML or XML page is served with, when the object's is known
    (S3 and HTTP HEAD) and is one; listings and local files say nothing."""
    state = ctx.states.get(item.key)
    served = (state.content_type or "") if state is not None else ""
    kind = served.split(";")[0].strip().lower()
    return kind if kind in PAGE_TYPES else None


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _tiny(ctx: ObjectContext) -> dict[str, tuple[int, float]]:
    """Segment objects (whole, not byte ranges) under a tenth of the playlist's median
    segment size, by key, with that median. A segment's size is also compared per second
    of its EXTINF against the median size per second, and it must be under a tenth of that
    too: a last segment a twentieth as long as the others is a twentieth their size, and
    normal, while an error page weighs nothing for any duration.
    Uniformly small segments have a small median, and are never flagged."""
    durations = {s.index: s.duration for s in ctx.playlist.segments}
    sized: list[tuple[str, int, float]] = []
    for item, _ in ctx.first_uses:
        state = ctx.states.get(item.key)
        duration = durations.get(item.ref.segment) if item.ref.segment is not None else None
        if (item.ref.kind != "segment" or item.byterange is not None or state is None
                or state.existence is not Existence.PRESENT or not state.size or not duration
                or item.key.split("?", 1)[0].lower().endswith(TEXT_MEDIA)):
            continue
        sized.append((item.key, state.size, duration))
    if len(sized) < 2:
        return {}
    size = _median([float(s) for _, s, _ in sized])
    rate = _median([s / d for _, s, d in sized])
    return {key: (s, size) for key, s, d in sized if s < size / 10 and s / d < rate / 10}


@rule("HLS019", "segment-suspicious", WARNING, scope="object", reference="RFC 8216 3",
      hint="an error page or a placeholder was stored as the segment: upload the real one, "
           "or re-run the transcode",
      summary="A segment far smaller than its siblings, or served as HTML/XML: an error page "
              "stored as a segment.",
      passing=[{"index.m3u8": VOD + SEG + SEG.replace("a.ts", "b.ts")
                + SEG.replace("a.ts", "c.ts").replace("9.009", "0.5") + END,
                "a.ts": TS * 100, "b.ts": TS * 100, "c.ts": TS * 6},
               {"index.m3u8": VOD + SEG + SEG.replace("a.ts", "b.ts") + END,
                "a.ts": TS, "b.ts": TS}],
      failing=[{"index.m3u8": VOD + SEG + SEG.replace("a.ts", "b.ts")
                + SEG.replace("a.ts", "c.ts") + END, "a.ts": TS * 100, "b.ts": TS * 100,
                "c.ts": b"<html><body>Not Found</body></html>"}])
def segment_suspicious(ctx: ObjectContext) -> Iterator[Issue]:
    """A segment object far smaller than the other segments of its playlist (under a tenth
    of their median size, and of their median size per second of EXTINF, so a short last
    segment is not one), or whose HEAD answer gives it an HTML or XML Content-Type
    (text/html, application/xhtml+xml, text/xml, application/xml): the signs of an error
    page, stored in the segment's place by a failed download or a CDN. WebVTT segments are
    not compared by size. The Content-Type is known from S3 and HTTP HEAD answers only."""
    tiny = _tiny(ctx)
    for item, _ in ctx.first_uses:
        if item.ref.kind not in ("segment", "init", "part"):
            continue
        page = _served_as_page(item, ctx)
        if page is not None:
            yield Issue(f"{LABEL[item.ref.kind]} {item.ref.uri!r} is served as {page!r}: "
                        "a web page, not media", line=item.ref.line,
                        uri=ctx.key_uri(item.key), observed=page, expected="a media type")
        elif item.key in tiny:
            size, median = tiny[item.key]
            yield Issue(f"segment {item.ref.uri!r} is {size} bytes, under a tenth of the "
                        f"playlist's median segment ({median:.0f} bytes), for its duration "
                        "too", line=item.ref.line, uri=ctx.key_uri(item.key),
                        observed=f"{size} bytes", expected=f">= {median / 10:.0f} bytes")


@rule("HLS014", "byterange-out-of-bounds", ERROR, scope="object",
      reference="RFC 8216 4.3.2.2",
      hint="the object is truncated or the playlist is stale: upload the whole file again",
      passing=[{"index.m3u8": VOD.replace(":3", ":4") + "#EXTINF:9.009,\n"
                "#EXT-X-BYTERANGE:100@0\nall.ts\n#EXTINF:9.009,\n#EXT-X-BYTERANGE:88\nall.ts\n"
                + END, "all.ts": TS}],
      failing=[{"index.m3u8": VOD.replace(":3", ":4") + "#EXTINF:9.009,\n"
                "#EXT-X-BYTERANGE:100@0\nall.ts\n#EXTINF:9.009,\n#EXT-X-BYTERANGE:100\nall.ts\n"
                + END, "all.ts": TS},
               # one byte past the last: 100 + 89 = 189 of 188
               {"index.m3u8": VOD.replace(":3", ":4") + "#EXTINF:9.009,\n"
                "#EXT-X-BYTERANGE:100@0\nall.ts\n#EXTINF:9.009,\n#EXT-X-BYTERANGE:89\nall.ts\n"
                + END, "all.ts": TS}])
def byterange_out_of_bounds(ctx: ObjectContext) -> Iterator[Issue]:
    """A byte range (offset + length, offsets inferred as the RFC says) past the end of its
    object. One finding per object: the first range past the end, and how many are. In a
    live playlist, the ranges of an object still being written (a preload hint's, the parts
    of the segment in progress) are not judged."""
    reported: set[str] = set()
    growing = _growing(ctx)
    for item in ctx.refs:
        state = ctx.states.get(item.key)
        if (item.byterange is None or state is None or not state.size
                or _still_written(item, growing)):
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
                    observed=f"{offset + length} bytes needed", expected=f"<= {state.size}",
                    reference=range_reference(item.ref.kind))


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
