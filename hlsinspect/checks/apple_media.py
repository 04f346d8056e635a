"""Apple's HLS Authoring Specification for media playlists (items 1, 7, 8, 13 and 14): what
Apple devices and App Store review expect beyond the RFC. These rules run with --rules apple.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.context import Member, PlaylistContext, TitleContext
from hlsinspect.checks.encryption import key_tags, method
from hlsinspect.checks.lowlatency import FULL, low_latency, parent
from hlsinspect.checks.media_support import (
    is_delta_update,
    is_live,
    is_low_latency,
    media,
    server_control,
    title,
)
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.playlists import Playlist
from hlsinspect.syntax.attributes import as_int
from hlsinspect.uri.keys import without_query

FAIRPLAY = "com.apple.streamingkeydelivery"
FPS_KEY = f'#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://key1",KEYFORMAT="{FAIRPLAY}"\n'
PDT = "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z\n"
HEVC = ("hvc1", "hev1", "dvh1", "dvhe")
AV1 = ("av01", "dav1")
_TS = (".ts", ".m2ts", ".mts")
_SUBTITLES = (".vtt", ".webvtt")


def _paths(playlist: Playlist) -> list[str]:
    return [without_query(s.uri).lower() for s in playlist.segments]


def _live(count: int, head: str = PDT) -> str:
    return media(head=head, end=False, count=count)


@rule("HLS711", "apple-target-duration-not-6", WARNING, scope="media", profile="apple",
      reference="Apple HLS 7.5",
      hint="segment with a 6-second target duration",
      passing=[media(6), media(10, head="#EXT-X-I-FRAMES-ONLY\n", version=4)],
      failing=[media(10)])
def apple_target_duration_not_6(ctx: PlaylistContext) -> Iterator[Issue]:
    """A target duration other than 6 seconds. I-frame and WebVTT subtitle playlists, which
    Apple lets differ (6.12, 5.7), are not judged."""
    tag, target = ctx.tag("EXT-X-TARGETDURATION"), ctx.playlist.target_duration
    paths = _paths(ctx.playlist)
    subtitles = bool(paths) and all(p.endswith(_SUBTITLES) for p in paths)
    if tag is not None and target and target != 6 and not (
            ctx.playlist.iframes_only or subtitles):
        yield Issue(f"EXT-X-TARGETDURATION is {target}; Apple recommends 6", line=tag.line,
                    observed=str(target), expected="6")


@rule("HLS712", "apple-vod-playlist-type-missing", ERROR, scope="media", profile="apple",
      reference="Apple HLS 8.6",
      hint="add #EXT-X-PLAYLIST-TYPE:VOD to playlists made from static content",
      passing=[media(), media(head="#EXT-X-PLAYLIST-TYPE:EVENT\n", vod=False),
               media(head="#EXT-X-MEDIA-SEQUENCE:40\n", vod=False)],
      failing=[media(vod=False)])
def apple_vod_playlist_type_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A finished playlist (EXT-X-ENDLIST) without EXT-X-PLAYLIST-TYPE: made from static
    content, it must say VOD. An EVENT that ended is fine, and so is a live playlist that
    ended after dropping segments (EXT-X-MEDIA-SEQUENCE above 0), which must not carry the
    tag."""
    playlist = ctx.playlist
    if playlist.endlist and playlist.playlist_type is None and playlist.media_sequence == 0:
        yield Issue("the playlist is finished (EXT-X-ENDLIST) but has no EXT-X-PLAYLIST-TYPE",
                    line=1, expected="#EXT-X-PLAYLIST-TYPE:VOD")


@rule("HLS713", "apple-live-program-date-time-missing", ERROR, scope="media",
      profile="apple", reference="Apple HLS 8.4",
      hint="date the segments of live playlists with EXT-X-PROGRAM-DATE-TIME",
      passing=[_live(6), media()], failing=[_live(6, head="")])
def apple_live_program_date_time_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live playlist (no EXT-X-ENDLIST, no EXT-X-PLAYLIST-TYPE) without
    EXT-X-PROGRAM-DATE-TIME (delta updates aside: their dated segments may be skipped; and
    low-latency ones, which ll-program-date-time-missing already reports)."""
    playlist = ctx.playlist
    if (is_live(playlist) and ctx.segments and not is_delta_update(playlist)
            and not ctx.lines.has("EXT-X-PART-INF")
            and not ctx.lines.has("EXT-X-PROGRAM-DATE-TIME")):
        yield Issue("the live playlist has no EXT-X-PROGRAM-DATE-TIME")


@rule("HLS714", "apple-live-too-few-segments", ERROR, scope="media", profile="apple",
      reference="Apple HLS 8.11",
      hint="keep at least six segments in a live playlist",
      passing=[_live(6), media()], failing=[_live(5)])
def apple_live_too_few_segments(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live playlist with fewer than six segments (segments an EXT-X-SKIP stands for
    count)."""
    skip = ctx.tag("EXT-X-SKIP")
    skipped = (as_int(skip.attr("SKIPPED-SEGMENTS")) or 0) if skip is not None else 0
    count = len(ctx.segments) + skipped
    if is_live(ctx.playlist) and count < 6:
        yield Issue(f"the live playlist has {count} segments; Apple requires at least six",
                    observed=str(count), expected=">= 6")


@rule("HLS715", "apple-live-discontinuity-sequence-missing", ERROR, scope="media",
      profile="apple", reference="Apple HLS 8.17",
      hint="add #EXT-X-DISCONTINUITY-SEQUENCE:<n> above the first segment",
      passing=[_live(6, head=PDT + "#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-DISCONTINUITY\n")],
      failing=[_live(6, head=PDT + "#EXT-X-DISCONTINUITY\n")])
def apple_live_discontinuity_sequence_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live playlist with EXT-X-DISCONTINUITY but no EXT-X-DISCONTINUITY-SEQUENCE: once
    the discontinuity scrolls out, renditions can no longer be matched."""
    tag = ctx.tag("EXT-X-DISCONTINUITY")
    if (tag is not None and is_live(ctx.playlist)
            and not ctx.lines.has("EXT-X-DISCONTINUITY-SEQUENCE")):
        yield Issue("the live playlist has EXT-X-DISCONTINUITY but no "
                    "EXT-X-DISCONTINUITY-SEQUENCE", line=tag.line)


def _codec_title(codecs: str, segment: str) -> dict[str, str | bytes]:
    fmp4 = not segment.endswith(".ts")
    files = title(f'#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,CODECS="{codecs}"\nv/index.m3u8\n',
                  {"v/index.m3u8": media(head='#EXT-X-MAP:URI="init.mp4"\n' if fmp4 else "",
                                         version=7, segment=segment)})
    return {**files, "v/init.mp4": b"\0" * 8} if fmp4 else files


def _in_transport_streams(ctx: TitleContext, prefixes: tuple[str, ...]) -> Iterator[Member]:
    """Variant and I-frame members whose CODECS name one of `prefixes` and whose video
    (their own playlist, or their VIDEO renditions) is in transport stream segments."""
    for member in ctx.members:
        codecs = [c.strip().split(".")[0] for c in (member.tag.attr("CODECS") or "").split(",")]
        if member.role not in ("variant", "iframe") or not set(codecs) & set(prefixes):
            continue
        video = [member, *ctx.group("VIDEO", member.tag.attr("VIDEO"))]
        if any(m.media is not None and any(p.endswith(_TS) for p in _paths(m.media))
               for m in video):
            yield member


def _not_fmp4(ctx: TitleContext, prefixes: tuple[str, ...], codec: str) -> Iterator[Issue]:
    for member in _in_transport_streams(ctx, prefixes):
        yield Issue(f"the {member.role} declares {codec} video (CODECS="
                    f"{member.tag.shown('CODECS')}) but its segments are MPEG-2 transport "
                    "streams", line=member.tag.line, uri=member.uri, expected="fMP4 segments")


@rule("HLS716", "apple-hevc-not-fmp4", ERROR, scope="title", profile="apple",
      reference="Apple HLS 1.5",
      hint="package HEVC and Dolby Vision video as fragmented MP4 (CMAF)",
      passing=[_codec_title("hvc1.2.4.L123.B0,mp4a.40.2", "s0.m4s"),
               _codec_title("avc1.64001f,mp4a.40.2", "s.ts")],
      failing=[_codec_title("hvc1.2.4.L123.B0,mp4a.40.2", "s.ts")])
def apple_hevc_not_fmp4(ctx: TitleContext) -> Iterator[Issue]:
    """A variant whose CODECS name HEVC or Dolby Vision (hvc1, hev1, dvh1, dvhe) while its
    video segments are transport streams (judged by their .ts, .m2ts or .mts names)."""
    yield from _not_fmp4(ctx, HEVC, "HEVC")


@rule("HLS717", "apple-av1-not-fmp4", ERROR, scope="title", profile="apple",
      reference="Apple HLS 1.39",
      hint="package AV1 video as fragmented MP4 (CMAF)",
      passing=[_codec_title("av01.0.08M.08,mp4a.40.2", "s0.m4s")],
      failing=[_codec_title("av01.0.08M.08,mp4a.40.2", "s.ts")])
def apple_av1_not_fmp4(ctx: TitleContext) -> Iterator[Issue]:
    """A variant whose CODECS name AV1 (av01, dav1) while its video segments are transport
    streams (judged by their .ts, .m2ts or .mts names)."""
    yield from _not_fmp4(ctx, AV1, "AV1")


@rule("HLS718", "apple-fairplay-method", ERROR, scope="line", profile="apple",
      reference="Apple HLS 13.2",
      hint="encrypt FairPlay Streaming content with METHOD=SAMPLE-AES",
      passing=[media(head=FPS_KEY, version=5)],
      failing=[media(head=FPS_KEY.replace("SAMPLE-AES", "AES-128"), version=5)])
def apple_fairplay_method(ctx: PlaylistContext) -> Iterator[Issue]:
    """A FairPlay Streaming key (KEYFORMAT "com.apple.streamingkeydelivery") whose METHOD
    is not SAMPLE-AES."""
    for tag in key_tags(ctx):
        if tag.attr("KEYFORMAT") == FAIRPLAY and method(tag) not in ("SAMPLE-AES", "NONE"):
            yield Issue(f"#{tag.name} is a FairPlay key with METHOD={method(tag)}",
                        line=tag.line, observed=method(tag), expected="SAMPLE-AES")


@rule("HLS719", "apple-fairplay-keyformat", ERROR, scope="line", profile="apple",
      reference="Apple HLS 13.3",
      hint=f'add KEYFORMAT="{FAIRPLAY}" to FairPlay (skd://) keys',
      passing=[media(head=FPS_KEY, version=5)],
      failing=[media(head='#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://key1"\n', version=5)])
def apple_fairplay_keyformat(ctx: PlaylistContext) -> Iterator[Issue]:
    """A key served by FairPlay Streaming (an skd:// URI) whose KEYFORMAT is not
    "com.apple.streamingkeydelivery"."""
    for tag in key_tags(ctx):
        uri = (tag.attr("URI") or "").strip().lower()
        if uri.startswith("skd:") and tag.attr("KEYFORMAT") != FAIRPLAY:
            yield Issue(f"#{tag.name} has the FairPlay URI {tag.shown('URI')} but KEYFORMAT "
                        f"{tag.attr('KEYFORMAT') or 'identity'!r}", line=tag.line,
                        observed=tag.attr("KEYFORMAT") or "identity", expected=FAIRPLAY)


@rule("HLS720", "apple-fairplay-iv", WARNING, scope="line", profile="apple",
      reference="Apple HLS 13.4",
      hint="drop IV from FairPlay keys unless another player needs it",
      passing=[media(head=FPS_KEY, version=5)],
      failing=[media(head=FPS_KEY.replace(
          "KEYFORMAT", "IV=0x9c7db8778570d05c3177c349fd9236aa,KEYFORMAT"), version=5)])
def apple_fairplay_iv(ctx: PlaylistContext) -> Iterator[Issue]:
    """A FairPlay Streaming key with an IV attribute, which Apple advises against unless it
    is needed for interoperability."""
    for tag in key_tags(ctx):
        if tag.attr("KEYFORMAT") == FAIRPLAY and "IV" in tag.attrs:
            yield Issue(f"#{tag.name} is a FairPlay key with an IV", line=tag.line)


@rule("HLS721", "apple-sample-aes-ctr", ERROR, scope="line", profile="apple",
      reference="Apple HLS 13.11",
      hint="use SAMPLE-AES ('cbcs') for Apple devices",
      passing=[media(head=FPS_KEY, version=5)],
      failing=[media(head='#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="k.key"\n', version=5)])
def apple_sample_aes_ctr(ctx: PlaylistContext) -> Iterator[Issue]:
    """A key with METHOD=SAMPLE-AES-CTR, which shall not be used on Apple devices."""
    for tag in key_tags(ctx):
        if method(tag) == "SAMPLE-AES-CTR":
            yield Issue(f"#{tag.name} uses METHOD=SAMPLE-AES-CTR", line=tag.line,
                        observed="SAMPLE-AES-CTR", expected="SAMPLE-AES")


LONG = FULL + "#EXTINF:4.000,\ns.ts\n" * 30


@rule("HLS722", "apple-ll-delta-updates-missing", WARNING, scope="media", profile="apple",
      reference="Apple HLS 14.4",
      hint="offer delta updates: add CAN-SKIP-UNTIL=<at least six target durations>",
      passing=[low_latency(FULL), low_latency(LONG, control="PART-HOLD-BACK=3.0,"
                                                         "CAN-SKIP-UNTIL=24.0")],
      failing=[low_latency(LONG)])
def apple_ll_delta_updates_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live low-latency playlist longer than two minutes without CAN-SKIP-UNTIL: without
    delta updates, every reload (several per second) carries the whole playlist."""
    total = ctx.playlist.total_duration
    if ctx.playlist.endlist or ctx.playlist.playlist_type == "VOD":
        return  # a playlist that no longer changes is not reloaded
    if (is_low_latency(ctx.playlist) and total > 120
            and server_control(ctx.playlist, "CAN-SKIP-UNTIL") is None):
        yield Issue(f"the low-latency playlist spans {total:.0f} s but offers no delta updates",
                    observed=f"{total:.0f} s", expected="CAN-SKIP-UNTIL")


@rule("HLS723", "apple-ll-can-skip-dateranges-missing", WARNING, scope="media",
      profile="apple", reference="Apple HLS 14.5",
      hint="add CAN-SKIP-DATERANGES=YES to EXT-X-SERVER-CONTROL",
      passing=[low_latency(parent("s0", 1.0), control="PART-HOLD-BACK=3.0,CAN-SKIP-UNTIL=24.0,"
                           "CAN-SKIP-DATERANGES=YES", head='#EXT-X-DATERANGE:ID="a",'
                           'START-DATE="2026-01-01T00:00:00.000Z"\n')],
      failing=[low_latency(parent("s0", 1.0), control="PART-HOLD-BACK=3.0,CAN-SKIP-UNTIL=24.0",
                           head='#EXT-X-DATERANGE:ID="a",START-DATE="2026-01-01T00:00:00.000Z"\n')])
def apple_ll_can_skip_dateranges_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A live low-latency playlist that offers delta updates (CAN-SKIP-UNTIL) and carries
    EXT-X-DATERANGE, without CAN-SKIP-DATERANGES=YES: each delta update then repeats every
    date range."""
    control = ctx.tag("EXT-X-SERVER-CONTROL")
    if (control is not None and is_low_latency(ctx.playlist) and ctx.lines.has("EXT-X-DATERANGE")
            and "CAN-SKIP-UNTIL" in control.attrs
            and control.attr("CAN-SKIP-DATERANGES") != "YES"):
        yield Issue("delta updates are offered and the playlist has date ranges, but not "
                    "CAN-SKIP-DATERANGES=YES", line=control.line,
                    expected="CAN-SKIP-DATERANGES=YES")
