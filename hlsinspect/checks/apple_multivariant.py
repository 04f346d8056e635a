"""Apple's HLS Authoring Specification on the variants of a multivariant playlist (items 1, 6
and 9): what Apple devices need beyond the RFC to choose, switch and scrub.

These rules run under `--rules apple`. Only variants that say they carry video (a video
format in CODECS, a RESOLUTION, a VIDEO group, or an I-frame stream) are judged on video
requirements: an audio-only presentation is not asked for frame rates or trick play.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.checks.streams import (
    IFRAME_INF,
    STREAM_INF,
    VIDEO_CODECS,
    carries_video,
    codec_entries,
    iframe,
    sample_entries,
    variant,
    variant_tags,
)
from hlsinspect.syntax.attributes import as_float, as_int, as_resolution
from hlsinspect.syntax.lines import Tag

HEAD = "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
V1 = 'BANDWIDTH=2200000,AVERAGE-BANDWIDTH=2000000,CODECS="avc1.64001f,mp4a.40.2",' \
     "RESOLUTION=960x540,FRAME-RATE=29.970"
V2 = 'BANDWIDTH=4400000,AVERAGE-BANDWIDTH=4000000,CODECS="avc1.640028,mp4a.40.2",' \
     "RESOLUTION=1920x1080,FRAME-RATE=29.970"
I1 = 'BANDWIDTH=250000,CODECS="avc1.64001f",RESOLUTION=960x540'
LADDER = HEAD + variant(V1, "540.m3u8") + variant(V2, "1080.m3u8") + iframe(I1)
AUDIO_ONLY = HEAD + variant('BANDWIDTH=64000,AVERAGE-BANDWIDTH=60000,CODECS="mp4a.40.2"')
APPLE_VIDEO = frozenset({"avc1", "avc3", "hvc1", "hev1", "dvh1", "dvhe", "dva1", "dvav",
                         "dav1", "av01", "mjpg"})
"""H.264, HEVC, Dolby Vision and AV1 (1.1), and Motion JPEG for I-frames (6.17)."""
IN_BAND = {"avc3": "avc1", "hev1": "hvc1", "dvhe": "dvh1"}


def _video_variants(ctx: PlaylistContext) -> list[Tag]:
    return [t for t in ctx.tags(STREAM_INF) if carries_video(t)]


@rule("HLS750", "apple-iframe-playlists-missing", ERROR, scope="multivariant",
      profile="apple", reference="Apple HLS 6.1",
      hint="add EXT-X-I-FRAME-STREAM-INF tags naming I-frame playlists of the video",
      passing=[LADDER, AUDIO_ONLY],
      failing=[HEAD + variant(V1, "540.m3u8") + variant(V2, "1080.m3u8")])
def apple_iframe_playlists_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A multivariant playlist with video variants and no EXT-X-I-FRAME-STREAM-INF. Apple
    requires I-frame playlists for the scrubbing and scanning interface."""
    video = _video_variants(ctx)
    if video and not ctx.tags(IFRAME_INF):
        yield Issue("video variants but no I-frame playlist (EXT-X-I-FRAME-STREAM-INF)",
                    line=video[0].line, expected=IFRAME_INF)


@rule("HLS751", "apple-frame-rate-missing", ERROR, scope="multivariant", profile="apple",
      reference="Apple HLS 9.15",
      hint="add FRAME-RATE=<the video's maximum frame rate>, e.g. 29.970",
      passing=[LADDER, AUDIO_ONLY],
      failing=[LADDER.replace(",FRAME-RATE=29.970", "", 1)])
def apple_frame_rate_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-STREAM-INF with video and no FRAME-RATE, which Apple requires on every
    variant that includes video."""
    for tag in _video_variants(ctx):
        if "FRAME-RATE" not in tag.attrs:
            yield Issue("a video variant without FRAME-RATE", line=tag.line,
                        expected="FRAME-RATE")


@rule("HLS752", "apple-average-bandwidth-missing", ERROR, scope="multivariant",
      profile="apple", reference="Apple HLS 9.14",
      hint="add AVERAGE-BANDWIDTH=<the average segment bit rate>",
      passing=[LADDER, AUDIO_ONLY],
      failing=[LADDER.replace("AVERAGE-BANDWIDTH=2000000,", "")])
def apple_average_bandwidth_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-STREAM-INF without AVERAGE-BANDWIDTH, which Apple requires. I-frame streams
    are not judged: item 9.14 does not name them and Apple's I-frame bit rate tables give
    one figure per stream."""
    for tag in ctx.tags(STREAM_INF):
        if "AVERAGE-BANDWIDTH" not in tag.attrs:
            yield Issue("a variant without AVERAGE-BANDWIDTH", line=tag.line,
                        expected="AVERAGE-BANDWIDTH")


@rule("HLS753", "apple-single-variant", ERROR, scope="multivariant", profile="apple",
      reference="Apple HLS 9.9",
      hint="encode the video at several bit rates and list each as a variant",
      passing=[LADDER, AUDIO_ONLY],
      failing=[HEAD + variant(V1, "540.m3u8") + iframe(I1)])
def apple_single_variant(ctx: PlaylistContext) -> Iterator[Issue]:
    """Video offered at a single bit rate (every video variant has the same BANDWIDTH).
    Apple requires several, so that players can adapt to the network."""
    video = _video_variants(ctx)
    rates = {as_int(t.attr("BANDWIDTH")) for t in video}
    if video and len(rates) < 2:
        yield Issue(f"the video is offered at a single bit rate ({len(video)} variant(s) of "
                    "one BANDWIDTH)", line=video[0].line)


@rule("HLS754", "apple-independent-segments-missing", WARNING, scope="multivariant",
      profile="apple", reference="Apple HLS 9.11, 7.4",
      hint="add #EXT-X-INDEPENDENT-SEGMENTS to the multivariant playlist",
      passing=[LADDER, AUDIO_ONLY.replace("#EXT-X-INDEPENDENT-SEGMENTS\n", "")],
      failing=[LADDER.replace("#EXT-X-INDEPENDENT-SEGMENTS\n", "")])
def apple_independent_segments_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """Video variants and no EXT-X-INDEPENDENT-SEGMENTS in the multivariant playlist. Apple
    requires video segments to start with an IDR (7.4) and then asks for the tag (SHOULD),
    which lets players switch variants at any segment. With --probe, it is not asked when a
    probed segment does not start independently: the tag would be false there."""
    video = _video_variants(ctx)
    if video and not ctx.lines.has("EXT-X-INDEPENDENT-SEGMENTS"):
        yield Issue("no EXT-X-INDEPENDENT-SEGMENTS in a multivariant playlist with video",
                    line=video[0].line, expected="#EXT-X-INDEPENDENT-SEGMENTS")


@rule("HLS755", "apple-frame-rate-above-60", ERROR, scope="multivariant", profile="apple",
      reference="Apple HLS 1.19",
      hint="encode at 60 fps or less",
      passing=[LADDER,
               LADDER.replace("#EXTM3U\n", "#EXTM3U\n#EXT-X-VERSION:12\n").replace(
                   "FRAME-RATE=29.970", 'FRAME-RATE=90.000,REQ-VIDEO-LAYOUT="CH-STEREO/PROJ-AIV"')],
      failing=[LADDER.replace("FRAME-RATE=29.970", "FRAME-RATE=120.000", 1)])
def apple_frame_rate_above_60(ctx: PlaylistContext) -> Iterator[Issue]:
    """A FRAME-RATE above 60, which Apple says SHALL NOT be used. Apple Immersive Video
    (REQ-VIDEO-LAYOUT with PROJ-AIV) is exempt: Apple's own bit rate table for it gives 90
    fps."""
    for tag in ctx.tags(STREAM_INF):
        rate = as_float(tag.attr("FRAME-RATE"))
        if rate is not None and rate > 60 and "PROJ-AIV" not in (tag.attr("REQ-VIDEO-LAYOUT")
                                                                 or ""):
            yield Issue(f"FRAME-RATE {rate:g} is above 60", line=tag.line,
                        observed=tag.attr("FRAME-RATE"), expected="<= 60")


def _ratio(tag: Tag) -> float | None:
    size = as_resolution(tag.attr("RESOLUTION"))
    return size[0] / size[1] if size and size[0] and size[1] else None


@rule("HLS756", "apple-aspect-ratio-differs", WARNING, scope="multivariant", profile="apple",
      reference="Apple HLS 1.33",
      hint="encode every video variant with the same aspect ratio",
      passing=[LADDER, LADDER.replace("960x540", "854x480")],
      failing=[LADDER.replace("960x540", "640x480", 1)])
def apple_aspect_ratio_differs(ctx: PlaylistContext) -> Iterator[Issue]:
    """Video variants whose RESOLUTION aspect ratio differs by more than 1% from that of most
    variants (the first, on a tie). Apple asks for identical aspect ratios (SHOULD); 1%
    allows for sizes rounded to even or macroblock numbers (854x480, 1920x1088)."""
    ratios = [(t, r) for t in ctx.tags(STREAM_INF) if (r := _ratio(t)) is not None]
    if len(ratios) < 2:
        return
    common = Counter(round(r, 2) for _, r in ratios).most_common(1)[0][0]
    reference = next(r for _, r in ratios if round(r, 2) == common)
    for tag, ratio in ratios:
        if abs(ratio / reference - 1) > 0.01:
            yield Issue(f"RESOLUTION {tag.attr('RESOLUTION')} has an aspect ratio of "
                        f"{ratio:.3f}, the other variants {reference:.3f}", line=tag.line,
                        observed=f"{ratio:.3f}", expected=f"{reference:.3f}")


def _sdr_missing(tags: list[Tag]) -> bool:
    """Every one of `tags` declares HDR video (VIDEO-RANGE absent means SDR)."""
    return bool(tags) and all(t.attr("VIDEO-RANGE") in ("PQ", "HLG") for t in tags)


@rule("HLS757", "apple-sdr-missing", ERROR, scope="multivariant", profile="apple",
      reference="Apple HLS 1.24, 6.16",
      hint="add SDR variants (and SDR I-frame playlists) beside the HDR ones",
      passing=[LADDER, HEAD + variant(V1 + ",VIDEO-RANGE=PQ") + variant(V2, "1080.m3u8")
               + iframe(I1)],
      failing=[HEAD + variant(V1 + ",VIDEO-RANGE=PQ") + variant(V2 + ",VIDEO-RANGE=PQ")
               + iframe(I1)])
def apple_sdr_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """Every video variant, or every I-frame stream, declares HDR (VIDEO-RANGE=PQ or HLG).
    Apple requires SDR variants and SDR trick play for older devices. Exempt when every
    variant is stereoscopic (REQ-VIDEO-LAYOUT with CH-STEREO), as visionOS's amendments
    grant."""
    video = _video_variants(ctx)
    if video and all("CH-STEREO" in (t.attr("REQ-VIDEO-LAYOUT") or "") for t in video):
        return
    for what, tags in (("variant", video), ("I-frame stream", ctx.tags(IFRAME_INF))):
        if _sdr_missing(tags):
            yield Issue(f"every video {what} is HDR (VIDEO-RANGE=PQ or HLG): no SDR "
                        f"{what} for devices without HDR", line=tags[0].line,
                        expected="an SDR " + what)


@rule("HLS761", "apple-video-range-missing", ERROR, scope="multivariant", profile="apple",
      reference="Apple HLS 9.16",
      hint="write VIDEO-RANGE=SDR (or PQ, HLG) on every video variant once one is HDR",
      passing=[LADDER, HEAD + variant(V1 + ",VIDEO-RANGE=SDR") + variant(
          V2 + ",VIDEO-RANGE=PQ", "1080.m3u8") + iframe(I1 + ",VIDEO-RANGE=SDR")],
      failing=[HEAD + variant(V1 + ",VIDEO-RANGE=PQ") + variant(V2, "1080.m3u8")
               + iframe(I1)])
def apple_video_range_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A video variant or I-frame stream without VIDEO-RANGE in a title where some variant
    declares HDR (PQ or HLG): Apple requires the attribute unless everything is SDR."""
    tags = _video_variants(ctx) + ctx.tags(IFRAME_INF)
    hdr = [t for t in tags if t.attr("VIDEO-RANGE") in ("PQ", "HLG")]
    if not hdr:
        return
    for tag in tags:
        if "VIDEO-RANGE" not in tag.attrs:
            yield Issue(f"no VIDEO-RANGE, while line {hdr[0].line} declares "
                        f"{hdr[0].attr('VIDEO-RANGE')}: with HDR in the title every variant "
                        "says its range", line=tag.line, expected="VIDEO-RANGE=SDR, PQ or HLG")


@rule("HLS758", "apple-video-codec-unsupported", ERROR, scope="multivariant",
      profile="apple", reference="Apple HLS 1.1, 6.17",
      hint="encode the video with H.264, HEVC, Dolby Vision or AV1",
      passing=[LADDER],
      failing=[LADDER.replace("avc1.640028", "vp09.00.40.08", 1)])
def apple_video_codec_unsupported(ctx: PlaylistContext) -> Iterator[Issue]:
    """A variant whose CODECS names a video format other than H.264, HEVC, Dolby Vision or
    AV1 (VP9, MPEG-4 Visual, VVC...), which Apple devices do not play. Motion JPEG is
    allowed for I-frames."""
    for tag in variant_tags(ctx):
        for code in sorted(sample_entries(tag) & (VIDEO_CODECS - APPLE_VIDEO)):
            yield Issue(f"CODECS names the video format {code!r}, which Apple devices do not "
                        "support", line=tag.line, observed=code)


@rule("HLS759", "apple-in-band-parameter-sets", WARNING, scope="multivariant",
      profile="apple", reference="Apple HLS 1.10",
      hint="package the video as avc1, hvc1 or dvh1 (parameter sets in the sample entry)",
      passing=[LADDER],
      failing=[LADDER.replace("avc1.640028", "avc3.640028", 1)])
def apple_in_band_parameter_sets(ctx: PlaylistContext) -> Iterator[Issue]:
    """A variant in avc3, hev1 or dvhe format, which carry parameter sets in the samples;
    Apple asks (SHOULD) for avc1, hvc1 or dvh1, which keep them in the sample description."""
    for tag in variant_tags(ctx):
        for code in sorted(sample_entries(tag) & IN_BAND.keys()):
            yield Issue(f"CODECS names {code!r}: {IN_BAND[code]!r} is preferred",
                        line=tag.line, observed=code, expected=IN_BAND[code])


_ABOVE_HIGH = {110: "High 10", 122: "High 4:2:2", 244: "High 4:4:4 Predictive",
               44: "CAVLC 4:4:4 Intra"}
"""H.264 profile_idc values beyond High Profile: more bits or more chroma than High allows."""
_MOST_LEVEL = 42
"""Level 4.2, the highest Apple allows for H.264 (level_idc is ten times the level)."""


def _avc_profile_level(entry: str) -> tuple[int, int] | None:
    """(profile_idc, level_idc) of an H.264 CODECS entry: RFC 6381's avc1.PPCCLL (hex), or
    the older decimal avc1.PROFILE.LEVEL (avc1.66.30) that Apple's tools once wrote; None
    for anything else (codecs-invalid speaks of a malformed one)."""
    parts = entry.split(".")
    if parts[0] not in ("avc1", "avc3"):
        return None
    try:
        if len(parts) == 2 and len(parts[1]) == 6:
            return int(parts[1][:2], 16), int(parts[1][4:], 16)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            return int(parts[1]), int(parts[2])
    except ValueError:
        return None
    return None


@rule("HLS775", "apple-h264-profile-level", ERROR, scope="multivariant",
      profile="apple", reference="Apple HLS 1.3",
      hint="encode the H.264 video at High Profile or below, and level 4.2 or below",
      passing=[LADDER, LADDER.replace("avc1.640028", "avc1.64002a", 1),
               LADDER.replace("avc1.640028", "avc1.77.30", 1)],
      failing=[LADDER.replace("avc1.640028", "avc1.f4000d", 1),
               LADDER.replace("avc1.640028", "avc1.640033", 1)])
def apple_h264_profile_level(ctx: PlaylistContext) -> Iterator[Issue]:
    """A variant whose CODECS names H.264 above High Profile (High 10, 4:2:2, 4:4:4) or
    above level 4.2, which Apple does not allow (MUST): a device may not decode it. Judged
    from CODECS as written; what the segments carry is --probe's codecs-mismatch."""
    for tag in variant_tags(ctx):
        for entry in codec_entries(tag.attr("CODECS")):
            found = _avc_profile_level(entry)
            if found is None:
                continue
            profile, level = found
            if profile in _ABOVE_HIGH:
                yield Issue(f"CODECS names H.264 {_ABOVE_HIGH[profile]} Profile ({entry!r}), "
                            "above High Profile", line=tag.line, observed=entry,
                            expected="High Profile or below")
            elif level > _MOST_LEVEL:
                yield Issue(f"CODECS names H.264 level {level / 10:g} ({entry!r}), above "
                            "level 4.2", line=tag.line, observed=entry,
                            expected="level 4.2 or below")


@rule("HLS760", "apple-content-steering-pathway-missing", WARNING, scope="multivariant",
      profile="apple", reference="Apple HLS 9.18",
      hint="add PATHWAY-ID=\"<the Pathway to start on>\" to EXT-X-CONTENT-STEERING",
      passing=[LADDER + '#EXT-X-CONTENT-STEERING:SERVER-URI="s.json",PATHWAY-ID="."\n'],
      failing=[LADDER + '#EXT-X-CONTENT-STEERING:SERVER-URI="s.json"\n'])
def apple_content_steering_pathway_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-CONTENT-STEERING without PATHWAY-ID, which Apple asks for (SHOULD): until the
    first steering manifest arrives, the client does not know which Pathway to use."""
    tag = ctx.tag("EXT-X-CONTENT-STEERING")
    if tag is not None and "PATHWAY-ID" not in tag.attrs:
        yield Issue("EXT-X-CONTENT-STEERING without PATHWAY-ID", line=tag.line,
                    expected="PATHWAY-ID")
