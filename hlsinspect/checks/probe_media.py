"""Rules on what --probe read from the segments: the container, the timing and keyframes.

They run only with `--probe sample` or `--probe all` (scope `probe`); each segment that could
not be understood is reported once, by the first rule that applies to it, and is left out
of the timing rules.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.probe_examples import (
    HTML,
    media_playlist,
    packed_audio,
    probed,
    ts_segment,
)
from hlsinspect.checks.probed import ProbeContext, SegmentProbe, named
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule

WRAP = (1 << 33) / 90_000
"""Seconds after which a 33-bit MPEG-TS timestamp starts again from 0."""
PROBE_TESTS = "tests/test_probe.py::"
TS = ts_segment()
ONE_TS = media_playlist(("a.ts", 2.0))
FMP4 = media_playlist(("a.m4s", 2.0), extra='#EXT-X-MAP:URI="init.mp4"')


def _seg(ctx: ProbeContext, uri: str) -> str:
    """`segment 'seg001.ts'`: the object as its playlist names it (the finding has its URI)."""
    return f"segment '{named(uri, ctx.playlist.uri)}'"


def _problems(ctx: ProbeContext, *kinds: str) -> Iterator[tuple[SegmentProbe, str]]:
    for segment in ctx.probe.segments:
        found = segment.found
        for problem in found.problems if found is not None else ():
            if problem.kind in kinds:
                yield segment, problem.message


@rule("HLS800", "segment-not-media", ERROR, scope="probe", reference="RFC 8216 3",
      hint="re-upload the segment from the transcoder's output; an HTML page is what a web "
           "server answered instead of the media",
      passing=[probed({"index.m3u8": ONE_TS, "a.ts": TS})],
      failing=[probed({"index.m3u8": ONE_TS, "a.ts": HTML}),
               probed({"index.m3u8": ONE_TS, "a.ts": bytes(range(256)) * 64})])
def segment_not_media(ctx: ProbeContext) -> Iterator[Issue]:
    """A segment's bytes are not the media its playlist implies (an error page, random bytes,
    the wrong container), or its container is damaged past reading."""
    for segment, message in _problems(ctx, "not-media", "malformed"):
        yield Issue(f"{_seg(ctx, segment.uri)} {message}", line=segment.line, uri=segment.uri)


@rule("HLS801", "segment-truncated", ERROR, scope="probe", reference="RFC 8216 3",
      hint="the upload was interrupted: upload the segment again",
      passing=[probed({"index.m3u8": ONE_TS, "a.ts": TS})],
      failing=[probed({"index.m3u8": ONE_TS, "a.ts": TS[:-100]})])
def segment_truncated(ctx: ProbeContext) -> Iterator[Issue]:
    """A segment ends in the middle of a packet, box or frame: it was cut short."""
    for segment, message in _problems(ctx, "truncated"):
        yield Issue(f"{_seg(ctx, segment.uri)} {message}", line=segment.line, uri=segment.uri)


@rule("HLS802", "init-segment-invalid", ERROR, scope="probe", reference="RFC 8216 3.3",
      hint="the EXT-X-MAP object must hold an ftyp and a moov with the tracks",
      passing=[probed({"index.m3u8": ONE_TS, "a.ts": TS})],
      failing=[probed({"index.m3u8": FMP4, "init.mp4": b"\0\0\0\x10ftypiso6\0\0\0\0",
                       "a.m4s": b"\0\0\0\x08moof"})])
def init_segment_invalid(ctx: ProbeContext) -> Iterator[Issue]:
    """The init segment (EXT-X-MAP) has no readable moov box, so no segment after it plays."""
    for problem in ctx.probe.inits:
        yield Issue(f"init {_seg(ctx, problem.uri)} {problem.message}", line=problem.line,
                    uri=problem.uri)


CUT_HINT = ("less than half the media EXTINF announces: the segment was probably cut short "
            "(an interrupted upload); compare its size with the transcoder's output and upload "
            "it again, or write EXTINF from the media's timestamps if the media is complete")


@rule("HLS803", "segment-duration-mismatch", ERROR, scope="probe",
      reference="RFC 8216 4.3.2.1",
      hint="write EXTINF from the media's timestamps; players drift and seek wrongly otherwise",
      passing=[probed({"index.m3u8": ONE_TS, "a.ts": TS})],
      failing=[probed({"index.m3u8": media_playlist(("a.ts", 3.6)), "a.ts": TS})])
def segment_duration_mismatch(ctx: ProbeContext) -> Iterator[Issue]:
    """A segment's EXTINF differs from the duration its timestamps measure by more than the
    probe tolerance (0.5 s unless configured)."""
    for segment, found in ctx.measured():
        if segment.extinf is None or found.duration is None:
            continue
        if abs(found.duration - segment.extinf) > ctx.tolerance:
            # far less media than EXTINF is rather a segment cut off at a packet boundary
            # (an interrupted upload) than a wrong EXTINF: the fix is then the upload
            cut = found.duration < segment.extinf / 2
            yield Issue(f"{_seg(ctx, segment.uri)}: EXTINF says {segment.extinf:.3f} s, its media "
                        f"lasts {found.duration:.3f} s", line=segment.line, uri=segment.uri,
                        observed=f"{found.duration:.3f}", expected=f"{segment.extinf:.3f}",
                        hint=CUT_HINT if cut else None)


@rule("HLS804", "segment-timestamp-gap", WARNING, scope="probe", reference="RFC 8216 3",
      hint="without EXT-X-DISCONTINUITY, each segment must continue where the one before "
           "ended; a gap stalls players and an overlap repeats media",
      passing=[probed({"index.m3u8": media_playlist(("a.ts", 2.0), ("b.ts", 2.0)), "a.ts": TS,
                       "b.ts": ts_segment(start=12.005333)}),
               probed({"index.m3u8": media_playlist(("a.ts", 2.0), ("b.ts", 2.0)).replace(
                   "#EXTINF:2.000,\nb.ts", "#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nb.ts"),
                   "a.ts": TS, "b.ts": ts_segment(start=20.0)}, "a discontinuity")],
      failing=[probed({"index.m3u8": media_playlist(("a.ts", 2.0), ("b.ts", 2.0)), "a.ts": TS,
                       "b.ts": ts_segment(start=13.0)})])
def segment_timestamp_gap(ctx: ProbeContext) -> Iterator[Issue]:
    """A segment does not start where the previous one ends (a gap or overlap beyond 0.1 s),
    with no EXT-X-DISCONTINUITY between them."""
    previous = None
    for segment, found in ctx.measured():
        before, previous = previous, (segment, found)
        if before is None or found.start is None or segment.discontinuity:
            continue
        other, ended = before
        if other.index != segment.index - 1 or ended.start is None or ended.duration is None:
            continue
        gap = found.start - (ended.start + ended.duration)
        if abs(gap) > WRAP / 2:
            gap -= WRAP if gap > 0 else -WRAP
        if abs(gap) > ctx.gap:
            what = "a gap of" if gap > 0 else "an overlap of"
            yield Issue(f"{_seg(ctx, segment.uri)} starts at {found.start:.3f} s, the previous one "
                        f"ends at {ended.start + ended.duration:.3f} s: {what} {abs(gap):.3f} s",
                        line=segment.line, uri=segment.uri)


@rule("HLS805", "segment-not-independent", ERROR, scope="probe",
      reference="RFC 8216 4.3.5.1",
      hint="start every segment on a keyframe (ffmpeg: a GOP that divides the segment "
           "duration, -sc_threshold 0), or drop EXT-X-INDEPENDENT-SEGMENTS",
      passing=[probed({"index.m3u8": media_playlist(
                  ("a.ts", 2.0), extra="#EXT-X-INDEPENDENT-SEGMENTS"),
                  "a.ts": ts_segment(video="idr")}),
               probed({"index.m3u8": ONE_TS, "a.ts": ts_segment(video="slice")},
                      "not declared independent")],
      failing=[probed({"index.m3u8": media_playlist(
                  ("a.ts", 2.0), extra="#EXT-X-INDEPENDENT-SEGMENTS"),
                  "a.ts": ts_segment(video="slice")})])
def segment_not_independent(ctx: ProbeContext) -> Iterator[Issue]:
    """EXT-X-INDEPENDENT-SEGMENTS applies, but a video segment does not start with a random
    access point (an IDR or IRAP picture, a sync sample)."""
    if not ctx.probe.independent:
        return
    for segment, found in ctx.measured():
        if found.keyframe is False:
            yield Issue(f"{_seg(ctx, segment.uri)} does not start on a keyframe, though "
                        "EXT-X-INDEPENDENT-SEGMENTS applies", line=segment.line,
                        uri=segment.uri)


@rule("HLS813", "apple-segment-not-idr", ERROR, scope="probe", profile="apple",
      reference="Apple HLS 7.4",
      hint="start every video segment with an IDR: a GOP that divides the segment duration, "
           "closed (x265: open-gop=0; ffmpeg: -sc_threshold 0 or scenecut=0)",
      passing=[probed({"index.m3u8": ONE_TS, "a.ts": ts_segment(video="idr")})],
      failing=[probed({"index.m3u8": ONE_TS, "a.ts": ts_segment(video="slice")},
                      "not declared independent, still a finding for Apple")])
def apple_segment_not_idr(ctx: ProbeContext) -> Iterator[Issue]:
    """A video segment does not start with an IDR picture (a picture that refers to the
    segment before, or an H.265 CRA, which may have RASL pictures). Apple requires every
    segment to start with one, EXT-X-INDEPENDENT-SEGMENTS or not; a segment that
    segment-not-independent reports is not reported again."""
    for segment, found in ctx.measured():
        if found.idr is False and not (ctx.probe.independent and found.keyframe is False):
            yield Issue(f"{_seg(ctx, segment.uri)} does not start with an IDR picture",
                        line=segment.line, uri=segment.uri)


@rule("HLS809", "segment-timestamp-missing", ERROR, scope="probe", reference="RFC 8216 3.4",
      hint="packed audio needs an ID3 PRIV com.apple.streaming.transportStreamTimestamp "
           "frame at the start of each segment",
      passing=[probed({"index.m3u8": media_playlist(("a.aac", 2.0)), "a.aac": packed_audio()})],
      failing=[probed({"index.m3u8": media_playlist(("a.aac", 2.0)),
                       "a.aac": packed_audio(start=None)})])
def segment_timestamp_missing(ctx: ProbeContext) -> Iterator[Issue]:
    """A packed audio segment has no ID3 timestamp, so players cannot place it in time."""
    for segment, message in _problems(ctx, "timestamp-missing"):
        if segment.found is not None and segment.found.container == "audio":
            yield Issue(f"{_seg(ctx, segment.uri)} {message}", line=segment.line, uri=segment.uri)


@rule("HLS810", "webvtt-timestamp-map-missing", WARNING, scope="probe",
      reference="RFC 8216 3.5",
      hint="add X-TIMESTAMP-MAP=MPEGTS:...,LOCAL:00:00:00.000 to each WebVTT header",
      passing=[probed({"index.m3u8": media_playlist(("a.vtt", 2.0)),
                       "a.vtt": "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n"})],
      failing=[probed({"index.m3u8": media_playlist(("a.vtt", 2.0)), "a.vtt": "WEBVTT\n\n"})])
def webvtt_timestamp_map_missing(ctx: ProbeContext) -> Iterator[Issue]:
    """A WebVTT segment has no X-TIMESTAMP-MAP, so its cues may drift from the audio and
    video."""
    for segment, message in _problems(ctx, "timestamp-missing"):
        if segment.found is not None and segment.found.container == "webvtt":
            yield Issue(f"{_seg(ctx, segment.uri)} {message}", line=segment.line, uri=segment.uri)


@rule("HLS811", "segment-unprobed", WARNING, scope="probe", reference="-",
      hint="grant s3:GetObject on the segments, or run without --probe",
      passing=[probed({"index.m3u8": ONE_TS, "a.ts": TS})],
      tested_by=PROBE_TESTS + "test_a_segment_that_cannot_be_read_is_unprobed")
def segment_unprobed(ctx: ProbeContext) -> Iterator[Issue]:
    """A segment that exists could not be read for probing (denied, throttled, gone)."""
    for segment in ctx.probe.segments:
        if segment.failure is not None and not segment.range_ignored:
            yield Issue(f"{_seg(ctx, segment.uri)} could not be probed: {segment.failure}",
                        line=segment.line, uri=segment.uri)


@rule("HLS034", "origin-ignores-range", ERROR, scope="probe",
      reference="RFC 8216 4.3.2.2, RFC 9110 14.2",
      hint="serve Range requests with 206 Partial Content (python -m http.server does not); "
           "or cut the title into one file per segment",
      passing=[probed({"index.m3u8": ONE_TS, "a.ts": TS})],
      tested_by=PROBE_TESTS + "test_an_origin_that_ignores_range_is_one_finding")
def origin_ignores_range(ctx: ProbeContext) -> Iterator[Issue]:
    """An HTTP origin answered a Range request on a byte-range title with the whole file:
    players then fetch the whole file for every segment. Reported once for the title; its
    byte ranges are not probed further."""
    if ctx.probe.range_ignored is not None:
        yield Issue(f"an HTTP origin answered a Range request on a byte-range title with the "
                    f"whole file ({ctx.probe.range_ignored}): players fetch the whole file for "
                    "every segment; the title's byte ranges were not probed",
                    uri=ctx.playlist.uri)
