"""Rules about single renditions (RFC 8216bis 4.4.6.1): the attributes of one EXT-X-MEDIA and
what its TYPE allows, requires and forbids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.checks.streams import (
    AAC,
    HEAD,
    MEDIA,
    SD,
    is_yes,
    media,
    rendition_type,
    variant,
)
from hlsinspect.syntax.attributes import as_int
from hlsinspect.syntax.lines import Tag

AUDIO = 'TYPE=AUDIO,GROUP-ID="a",NAME="English",LANGUAGE="en"'
SUBS = 'TYPE=SUBTITLES,GROUP-ID="s",NAME="English",LANGUAGE="en"'
CC = 'TYPE=CLOSED-CAPTIONS,GROUP-ID="c",NAME="English",LANGUAGE="en"'
STEREO = AUDIO + ',CHANNELS="2"'
WITH_AUDIO = variant(AAC + ',AUDIO="a"')
WITH_SUBS = variant(AAC + ',SUBTITLES="s"')
WITH_CC = variant(SD + ',CLOSED-CAPTIONS="c"')
_CC_ID = re.compile(r"CC[1-4]|SERVICE([0-9]{1,2})")
_OTHER_ID = re.compile(r"[A-Za-z0-9.]+")
_IDENTIFIER = re.compile(r"[A-Z0-9-]+")
_LANGUAGE = re.compile(r"""
    (?: [a-z]{2,3} (?:-[a-z]{3}){0,3}            # language, extended language subtags
        (?:-[a-z]{4})?                           # script
        (?:-(?:[a-z]{2}|[0-9]{3}))?              # region
        (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))* # variants
        (?:-[a-wyz0-9](?:-[a-z0-9]{2,8})+)*      # extensions
        (?:-x(?:-[a-z0-9]{1,8})+)?               # private use
      | x(?:-[a-z0-9]{1,8})+                     # private use alone
      | i-[a-z]{3,8} | en-gb-oed | sgn-(?:be-fr|be-nl|ch-de) )  # grandfathered
    """, re.VERBOSE | re.IGNORECASE)
"""RFC 5646 2.1 in shape, with primary language subtags of two or three letters (the
registry holds no longer ones, so "english" is refused)."""


def _renditions(ctx: PlaylistContext, *kinds: str) -> Iterator[tuple[Tag, str]]:
    """EXT-X-MEDIA tags of the given TYPEs (all TYPEs when none is given), with their TYPE."""
    for tag in ctx.tags(MEDIA):
        kind = rendition_type(tag)
        if kind is not None and (not kinds or kind in kinds):
            yield tag, kind


@rule("HLS530", "rendition-uri-forbidden", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1, 4.4.6.2.1",
      hint="remove URI: closed captions travel inside the video segments",
      passing=[HEAD + media(CC + ',INSTREAM-ID="CC1"') + WITH_CC],
      failing=[HEAD + media(CC + ',INSTREAM-ID="CC1",URI="cc.m3u8"') + WITH_CC])
def rendition_uri_forbidden(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-MEDIA with TYPE=CLOSED-CAPTIONS and a URI, which MUST NOT be: closed
    captions are carried in the video segments, not in a playlist of their own."""
    for tag, _ in _renditions(ctx, "CLOSED-CAPTIONS"):
        if "URI" in tag.attrs:
            yield Issue("a CLOSED-CAPTIONS rendition with a URI", line=tag.line,
                        observed=tag.attr("URI"))


@rule("HLS531", "rendition-uri-missing", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2.1",
      hint='add URI="<the subtitles media playlist>"',
      passing=[HEAD + media(SUBS + ',URI="en.m3u8"') + WITH_SUBS],
      failing=[HEAD + media(SUBS) + WITH_SUBS])
def rendition_uri_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-MEDIA with TYPE=SUBTITLES and no URI. URI is REQUIRED for subtitles, which
    cannot be carried in the variant's own playlist."""
    for tag, _ in _renditions(ctx, "SUBTITLES"):
        if "URI" not in tag.attrs:
            yield Issue("a SUBTITLES rendition without URI", line=tag.line, expected="URI")


@rule("HLS532", "instream-id-missing", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1",
      hint='add INSTREAM-ID="CC1" (CC1-CC4 for CEA-608, SERVICE1-SERVICE63 for CEA-708)',
      passing=[HEAD + media(CC + ',INSTREAM-ID="CC1"') + WITH_CC],
      failing=[HEAD + media(CC) + WITH_CC])
def instream_id_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A CLOSED-CAPTIONS rendition without INSTREAM-ID, which is REQUIRED for that TYPE:
    without it a player cannot tell which caption channel to show."""
    for tag, _ in _renditions(ctx, "CLOSED-CAPTIONS"):
        if "INSTREAM-ID" not in tag.attrs:
            yield Issue("a CLOSED-CAPTIONS rendition without INSTREAM-ID", line=tag.line,
                        expected="INSTREAM-ID")


def _instream_id_problem(kind: str, value: str) -> str | None:
    if kind == "CLOSED-CAPTIONS":
        match = _CC_ID.fullmatch(value)
        number = match.group(1) if match else None
        if match is None or (number is not None and not 1 <= int(number) <= 63):
            return "CC1, CC2, CC3, CC4 or SERVICE1 to SERVICE63"
    elif not _OTHER_ID.fullmatch(value):
        return "letters, digits and '.' only"
    return None


@rule("HLS533", "instream-id-invalid", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1",
      hint="use CC1-CC4 or SERVICE1-SERVICE63 for closed captions; letters, digits and '.' "
           "for other types",
      passing=[HEAD + "#EXT-X-VERSION:7\n" + media(CC + ',INSTREAM-ID="SERVICE63"') + WITH_CC],
      failing=[HEAD + media(CC + ',INSTREAM-ID="CC5"') + WITH_CC,
               HEAD + "#EXT-X-VERSION:7\n" + media(CC + ',INSTREAM-ID="SERVICE64"') + WITH_CC,
               HEAD + "#EXT-X-VERSION:13\n" + media(STEREO + ',INSTREAM-ID="track 2"')
               + WITH_AUDIO])
def instream_id_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """An INSTREAM-ID outside what its TYPE allows: for CLOSED-CAPTIONS it MUST be CC1 to
    CC4 or SERVICE1 to SERVICE63; for other types it is made of [A-Za-z0-9.]."""
    for tag, kind in _renditions(ctx):
        value = tag.attr("INSTREAM-ID")
        problem = _instream_id_problem(kind, value) if value else None
        if problem:
            yield Issue(f"INSTREAM-ID {value!r} of a {kind} rendition: expected {problem}",
                        line=tag.line, observed=value, expected=problem)


@rule("HLS534", "default-without-autoselect", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1",
      hint="set AUTOSELECT=YES (or remove it) on the DEFAULT=YES rendition",
      passing=[HEAD + media(STEREO + ',DEFAULT=YES,AUTOSELECT=YES,URI="en.m3u8"') + WITH_AUDIO,
               HEAD + media(STEREO + ',DEFAULT=YES,URI="en.m3u8"') + WITH_AUDIO],
      failing=[HEAD + media(STEREO + ',DEFAULT=YES,AUTOSELECT=NO,URI="en.m3u8"') + WITH_AUDIO])
def default_without_autoselect(ctx: PlaylistContext) -> Iterator[Issue]:
    """DEFAULT=YES with AUTOSELECT=NO. When AUTOSELECT is present it MUST be YES on a
    DEFAULT=YES rendition."""
    for tag, _ in _renditions(ctx):
        if is_yes(tag, "DEFAULT") and tag.attr("AUTOSELECT") == "NO":
            yield Issue("DEFAULT=YES with AUTOSELECT=NO", line=tag.line, observed="NO",
                        expected="AUTOSELECT=YES")


@rule("HLS535", "forced-not-subtitles", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1",
      hint="remove FORCED: only SUBTITLES renditions take it",
      passing=[HEAD + media(SUBS + ',FORCED=YES,AUTOSELECT=YES,URI="f.m3u8"') + WITH_SUBS],
      failing=[HEAD + media(STEREO + ',FORCED=NO,URI="en.m3u8"') + WITH_AUDIO])
def forced_not_subtitles(ctx: PlaylistContext) -> Iterator[Issue]:
    """A FORCED attribute on a rendition whose TYPE is not SUBTITLES, where it MUST NOT be
    present (even as FORCED=NO)."""
    for tag, kind in _renditions(ctx):
        if kind != "SUBTITLES" and "FORCED" in tag.attrs:
            yield Issue(f"FORCED on a {kind} rendition", line=tag.line)


@rule("HLS536", "audio-attribute-not-audio", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1",
      hint="remove CHANNELS, BIT-DEPTH and SAMPLE-RATE from renditions that are not AUDIO",
      passing=[HEAD + media(STEREO + ',BIT-DEPTH=16,SAMPLE-RATE=48000,URI="en.m3u8"')
               + WITH_AUDIO],
      failing=[HEAD + media(SUBS + ',CHANNELS="2",URI="en.m3u8"') + WITH_SUBS])
def audio_attribute_not_audio(ctx: PlaylistContext) -> Iterator[Issue]:
    """CHANNELS, BIT-DEPTH or SAMPLE-RATE on a rendition whose TYPE is not AUDIO: each MUST
    NOT be present there."""
    for tag, kind in _renditions(ctx):
        if kind == "AUDIO":
            continue
        for name in ("CHANNELS", "BIT-DEPTH", "SAMPLE-RATE"):
            if name in tag.attrs:
                yield Issue(f"{name} on a {kind} rendition", line=tag.line, observed=name)


def _channels_problem(value: str) -> str | None:
    parameters = value.split("/")
    if as_int(parameters[0]) is None:
        return f"the channel count {parameters[0]!r} is not a decimal-integer"
    if len(parameters) > 2 and not parameters[1]:
        return "a third parameter with an empty second one"
    for parameter in parameters[1:]:
        for identifier in parameter.split(",") if parameter else []:
            if not _IDENTIFIER.fullmatch(identifier):
                return f"{identifier!r} is not an identifier (A-Z, 0-9 and '-')"
    return None


@rule("HLS537", "channels-invalid", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1",
      hint='write the channel count first, then optional /-separated identifier lists: '
           '"6", "16/JOC", "2/-/BINAURAL"',
      passing=[HEAD + media(AUDIO + ',CHANNELS="16/JOC",URI="en.m3u8"') + WITH_AUDIO,
               HEAD + media(AUDIO + ',CHANNELS="2/-/BINAURAL",URI="en.m3u8"') + WITH_AUDIO],
      failing=[HEAD + media(AUDIO + ',CHANNELS="2.0",URI="en.m3u8"') + WITH_AUDIO,
               HEAD + media(AUDIO + ',CHANNELS="2//BINAURAL",URI="en.m3u8"') + WITH_AUDIO,
               HEAD + media(AUDIO + ',CHANNELS="16/joc",URI="en.m3u8"') + WITH_AUDIO])
def channels_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A CHANNELS value not made as 4.4.6.1 defines it: a first parameter that is not a
    decimal-integer ("2.0", "stereo"), an identifier with characters outside [A-Z0-9-], or a
    third parameter after an empty second one (which MUST then be non-empty)."""
    for tag, _ in _renditions(ctx, "AUDIO"):
        value = tag.attr("CHANNELS")
        problem = _channels_problem(value) if value else None
        if problem:
            yield Issue(f"CHANNELS {value!r}: {problem}", line=tag.line, observed=value)


@rule("HLS538", "channels-missing", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1",
      hint='add CHANNELS="<channel count>", e.g. "2" for stereo, "6" for 5.1',
      passing=[HEAD + media(AUDIO + ',CHANNELS="2",URI="en.m3u8"') + WITH_AUDIO],
      failing=[HEAD + media(AUDIO + ',URI="en.m3u8"') + WITH_AUDIO])
def channels_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An AUDIO rendition without CHANNELS. Every audio EXT-X-MEDIA SHOULD have one, so a
    player can pick the rendition its speakers can render."""
    for tag, _ in _renditions(ctx, "AUDIO"):
        if "CHANNELS" not in tag.attrs:
            yield Issue("an AUDIO rendition without CHANNELS", line=tag.line,
                        expected="CHANNELS")


@rule("HLS539", "language-invalid", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1, 4.4.6.4; RFC 5646 2.1",
      hint='write an RFC 5646 language tag: "en", "en-US", "zh-Hant-TW", "es-419", "und"',
      passing=[HEAD + media(STEREO + ',ASSOC-LANGUAGE="es-419",URI="en.m3u8"') + WITH_AUDIO,
               HEAD + media(SUBS.replace('"en"', '"zh-Hant-TW"') + ',URI="zh.m3u8"')
               + WITH_SUBS],
      failing=[HEAD + media(STEREO.replace('"en"', '"english"') + ',URI="en.m3u8"') + WITH_AUDIO,
               HEAD + media(STEREO.replace('"en"', '"en_US"') + ',URI="en.m3u8"') + WITH_AUDIO,
               HEAD + '#EXT-X-SESSION-DATA:DATA-ID="com.example.title",VALUE="Titre",'
               'LANGUAGE="French"\n' + variant(AAC)])
def language_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A LANGUAGE or ASSOC-LANGUAGE of EXT-X-MEDIA, or a LANGUAGE of EXT-X-SESSION-DATA, that
    is not shaped as an RFC 5646 language tag ("english", "en_US"). Players match these tags
    against the user's languages, so a malformed one is never chosen automatically. The
    definition carries no MUST and playback itself works, hence a warning."""
    for tag in ctx.tags(MEDIA) + ctx.tags("EXT-X-SESSION-DATA"):
        for name in ("LANGUAGE", "ASSOC-LANGUAGE"):
            value = tag.attr(name)
            if value and "{$" not in value and not _LANGUAGE.fullmatch(value):
                yield Issue(f"{name} {value!r} is not an RFC 5646 language tag",
                            line=tag.line, observed=value)
