"""Apple's HLS Authoring Specification on renditions (items 2, 4, 5 and 8): languages,
accessibility renditions that players must select on their own, and how subtitles are
declared.

These rules run under `--rules apple`.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.apple_multivariant import HEAD, I1, V1, V2
from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.checks.streams import (
    MEDIA,
    STREAM_INF,
    characteristics,
    codec_entries,
    iframe,
    is_yes,
    media,
    rendition_type,
    variant,
)
from hlsinspect.syntax.lines import Tag

AUDIO = 'TYPE=AUDIO,GROUP-ID="a",NAME="English",LANGUAGE="en",CHANNELS="2",URI="en.m3u8"'
DVS = ('TYPE=AUDIO,GROUP-ID="a",NAME="English (AD)",LANGUAGE="en",CHANNELS="2",'
       'CHARACTERISTICS="public.accessibility.describes-video",URI="ad.m3u8"')
SDH = ('TYPE=SUBTITLES,GROUP-ID="s",NAME="English (SDH)",LANGUAGE="en",URI="sdh.m3u8",'
       'CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,'
       'public.accessibility.describes-music-and-sound"')
FORCED = 'TYPE=SUBTITLES,GROUP-ID="s",NAME="English (forced)",LANGUAGE="en",URI="f.m3u8"'
WITH_AUDIO = (variant(V1 + ',AUDIO="a"', "540.m3u8") + variant(V2 + ',AUDIO="a"', "1080.m3u8")
              + iframe(I1))
WITH_SUBTITLES = WITH_AUDIO.replace(',AUDIO="a"', ',AUDIO="a",SUBTITLES="s"').replace(
    "mp4a.40.2", "mp4a.40.2,wvtt")
ACCESSIBLE_SUBTITLES = frozenset({"public.accessibility.transcribes-spoken-dialog",
                                  "public.accessibility.describes-music-and-sound"})
SUBTITLE_FORMATS = ("wvtt", "stpp")


def _renditions(ctx: PlaylistContext, kind: str) -> Iterator[Tag]:
    return (t for t in ctx.tags(MEDIA) if rendition_type(t) == kind)


@rule("HLS770", "apple-rendition-language-missing", ERROR, scope="multivariant",
      profile="apple", reference="Apple HLS 8.10, 2.27, 4.4, 4.7",
      hint='add LANGUAGE="<RFC 5646 tag>" to every audio, subtitles and closed-captions '
           "rendition",
      passing=[HEAD + media(AUDIO) + media('TYPE=VIDEO,GROUP-ID="v",NAME="Angle 1"')
               + WITH_AUDIO.replace(',AUDIO="a"', ',AUDIO="a",VIDEO="v"')],
      failing=[HEAD + media(AUDIO.replace(',LANGUAGE="en"', ""))
               + WITH_AUDIO,
               HEAD + media('TYPE=CLOSED-CAPTIONS,GROUP-ID="c",NAME="CC",INSTREAM-ID="CC1"')
               + WITH_AUDIO.replace(',AUDIO="a"', ',CLOSED-CAPTIONS="c"')])
def apple_rendition_language_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-MEDIA that is not TYPE=VIDEO without LANGUAGE. Apple requires it on every
    such tag (8.10; 2.27 for audio description, 4.4 for closed captions, 4.7 for
    subtitles): players choose audio and text by language."""
    for tag in ctx.tags(MEDIA):
        kind = rendition_type(tag)
        if kind is not None and kind != "VIDEO" and "LANGUAGE" not in tag.attrs:
            yield Issue(f"a {kind} rendition without LANGUAGE", line=tag.line,
                        expected="LANGUAGE")


@rule("HLS771", "apple-dvs-autoselect", ERROR, scope="multivariant", profile="apple",
      reference="Apple HLS 2.12, 2.13",
      hint="set AUTOSELECT=YES on the audio description rendition",
      passing=[HEAD + media(AUDIO + ",AUTOSELECT=YES") + media(DVS + ",AUTOSELECT=YES")
               + WITH_AUDIO],
      failing=[HEAD + media(AUDIO + ",AUTOSELECT=YES") + media(DVS) + WITH_AUDIO])
def apple_dvs_autoselect(ctx: PlaylistContext) -> Iterator[Issue]:
    """An audio description rendition (CHARACTERISTICS with
    public.accessibility.describes-video) without AUTOSELECT=YES. Apple requires it, so
    that players pick the description for users who asked for it in their settings."""
    for tag in _renditions(ctx, "AUDIO"):
        if ("public.accessibility.describes-video" in characteristics(tag)
                and not is_yes(tag, "AUTOSELECT")):
            yield Issue(f"the audio description {tag.shown('NAME')} does not have "
                        "AUTOSELECT=YES", line=tag.line, expected="AUTOSELECT=YES")


@rule("HLS772", "apple-sdh-subtitles-autoselect", ERROR, scope="multivariant",
      profile="apple", reference="Apple HLS 4.5, 4.6",
      hint="set AUTOSELECT=YES on subtitles meant for deaf and hard-of-hearing viewers",
      passing=[HEAD + media(AUDIO) + media(SDH + ",AUTOSELECT=YES") + WITH_SUBTITLES],
      failing=[HEAD + media(AUDIO) + media(SDH) + WITH_SUBTITLES])
def apple_sdh_subtitles_autoselect(ctx: PlaylistContext) -> Iterator[Issue]:
    """Subtitles for the deaf and hard of hearing (CHARACTERISTICS naming
    public.accessibility.transcribes-spoken-dialog or describes-music-and-sound) without
    AUTOSELECT=YES. Apple requires it: players treat such subtitles as closed captions and
    select them from the user's accessibility settings."""
    for tag in _renditions(ctx, "SUBTITLES"):
        if characteristics(tag) & ACCESSIBLE_SUBTITLES and not is_yes(tag, "AUTOSELECT"):
            yield Issue(f"the SDH subtitles {tag.shown('NAME')} do not have AUTOSELECT=YES",
                        line=tag.line, expected="AUTOSELECT=YES")


@rule("HLS773", "apple-forced-subtitles-autoselect", WARNING, scope="multivariant",
      profile="apple", reference="Apple HLS 5.11",
      hint="set AUTOSELECT=YES on forced subtitles",
      passing=[HEAD + media(AUDIO) + media(FORCED + ",FORCED=YES,AUTOSELECT=YES")
               + WITH_SUBTITLES],
      failing=[HEAD + media(AUDIO) + media(FORCED + ",FORCED=YES") + WITH_SUBTITLES])
def apple_forced_subtitles_autoselect(ctx: PlaylistContext) -> Iterator[Issue]:
    """FORCED=YES subtitles without AUTOSELECT=YES. Apple asks (SHOULD) for it: forced
    subtitles carry what every viewer needs (foreign dialogue), so players must be free to
    show them unasked."""
    for tag in _renditions(ctx, "SUBTITLES"):
        if is_yes(tag, "FORCED") and not is_yes(tag, "AUTOSELECT"):
            yield Issue(f"the forced subtitles {tag.shown('NAME')} do not have "
                        "AUTOSELECT=YES", line=tag.line, expected="AUTOSELECT=YES")


@rule("HLS774", "apple-subtitles-codec-missing", WARNING, scope="multivariant",
      profile="apple", reference="Apple HLS 5.10; RFC 8216bis 4.4.6.2",
      hint='add the subtitle format to CODECS: "wvtt" for WebVTT, "stpp.ttml.im1t" for IMSC1',
      passing=[HEAD + media(AUDIO) + media(FORCED) + WITH_SUBTITLES],
      failing=[HEAD + media(AUDIO) + media(FORCED) + WITH_SUBTITLES.replace(",wvtt", "")])
def apple_subtitles_codec_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A variant with a SUBTITLES group whose CODECS names no subtitle format (wvtt or
    stpp). Apple asks (SHOULD) for the kind of subtitles in CODECS. Variants without CODECS
    are left to codecs-missing."""
    for tag in ctx.tags(STREAM_INF):
        entries = codec_entries(tag.attr("CODECS"))
        if "SUBTITLES" in tag.attrs and entries and not any(
                e.split(".")[0] in SUBTITLE_FORMATS for e in entries):
            yield Issue("the variant plays with subtitles but CODECS names no subtitle "
                        "format", line=tag.line, observed=tag.attr("CODECS"),
                        expected="wvtt or stpp.ttml.im1t")
