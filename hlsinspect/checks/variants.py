"""Rules about the variant streams of a multivariant playlist (RFC 8216bis 4.4.6.2, 4.4.6.3):
their URI lines, CODECS, RESOLUTION, bandwidths, SCORE and the other variant attributes.

A player chooses a variant from these attributes alone, before it reads any media playlist:
a missing or wrong one makes it pick a stream it cannot play, or none.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from hlsinspect import limits
from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.checks.streams import (
    AAC,
    AVC,
    HEAD,
    IFRAME_INF,
    SD,
    STREAM_INF,
    iframe,
    names_video,
    variant,
    variant_tags,
)
from hlsinspect.syntax.attributes import as_int, shortened
from hlsinspect.syntax.lines import Tag

V12 = HEAD + "#EXT-X-VERSION:12\n"
"""REQ- attributes need version 12."""
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`{|}~-]+")
"""RFC 6381 3.2: an element is made of MIME token characters (no space, no tspecials)."""


@rule("HLS500", "stream-inf-uri-missing", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2",
      hint="put the variant's media playlist URI on the line after its EXT-X-STREAM-INF",
      passing=[HEAD + variant(AAC)],
      failing=[HEAD + f"#EXT-X-STREAM-INF:{AAC}\n" + variant(SD),
               HEAD + variant(SD) + f"#EXT-X-STREAM-INF:{AAC}\n"])
def stream_inf_uri_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-STREAM-INF that no URI line follows before the next EXT-X-STREAM-INF or the
    end of the playlist. The URI line is REQUIRED: the variant it describes does not exist."""
    for tag in ctx.playlist.structure.dangling:
        if tag.name == STREAM_INF:
            yield Issue("an EXT-X-STREAM-INF without the URI line of its media playlist",
                        line=tag.line)


@rule("HLS501", "uri-line-without-stream-inf", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.1, 4.4.6.2",
      hint="add the EXT-X-STREAM-INF that describes this playlist, or remove the line",
      passing=[HEAD + variant(AAC)],
      failing=[HEAD + variant(AAC) + "extra.m3u8\n"])
def uri_line_without_stream_inf(ctx: PlaylistContext) -> Iterator[Issue]:
    """A URI line of a multivariant playlist that no EXT-X-STREAM-INF introduces. A URI line
    there identifies a variant's playlist only through its EXT-X-STREAM-INF, so this one is
    no variant: clients skip it. No clause forbids the line itself, hence a warning; it is
    usually a variant whose tag was lost."""
    for line in ctx.playlist.structure.stray:
        yield Issue(f"the URI line {line.uri!r} follows no EXT-X-STREAM-INF: no variant uses "
                    "it", line=line.line, uri=ctx.object_uri(line.uri))


@rule("HLS502", "codecs-missing", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2; Apple HLS 9.1, 9.3", apple_severity=ERROR,
      hint='add CODECS="..." listing every format of the variant, e.g. "avc1.64001f,mp4a.40.2"',
      passing=[HEAD + variant(f"BANDWIDTH=1000,RESOLUTION=640x360,{AVC}")
               + iframe('BANDWIDTH=100,RESOLUTION=640x360,CODECS="avc1.64001f"')],
      failing=[HEAD + variant("BANDWIDTH=64000"),
               HEAD + variant(f"BANDWIDTH=1000,{AVC}") + iframe("BANDWIDTH=100")])
def codecs_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-STREAM-INF or EXT-X-I-FRAME-STREAM-INF without CODECS: a player cannot tell
    whether it can decode the variant without downloading it. The RFC says SHOULD; Apple's
    specification makes it a MUST for both tags."""
    for tag in variant_tags(ctx):
        if "CODECS" not in tag.attrs:
            yield Issue(f"#{tag.name} has no CODECS attribute", line=tag.line,
                        expected="CODECS")


def _format_problem(entry: str) -> str | None:
    """Why `entry` is not an RFC 6381 format of the ISO BMFF name space, or None."""
    if not entry:
        return "an empty format (two commas, or a comma at either end)"
    if any(c.isspace() for c in entry):
        return "white space inside a format"
    if not _TOKEN.fullmatch(entry):
        return "characters RFC 6381 does not allow in a format"
    elements = entry.split(".")
    if "" in elements:
        return "an empty element (two dots, or a dot at either end)"
    if len(elements[0]) != 4:
        return f"{shortened(elements[0])} is not a four-character sample entry code"
    return None


def _codec_issues(tag: Tag, name: str, value: str, brands: bool) -> Iterator[Issue]:
    """One issue per offending entry, naming that entry alone, up to
    `limits.MAX_FINDINGS_PER_ATTRIBUTE`; then one that counts the rest (a CODECS of 80,000
    bad entries is a dozen findings, not 80,000 quoting the whole value each)."""
    issues = _each_codec_issue(tag, name, value, brands)
    yield from itertools.islice(issues, limits.MAX_FINDINGS_PER_ATTRIBUTE)
    rest = sum(1 for _ in issues)
    if rest:
        yield Issue(f"#{tag.name} {name}: {rest:,} more entries with a problem, not listed",
                    line=tag.line)


def _each_codec_issue(tag: Tag, name: str, value: str, brands: bool) -> Iterator[Issue]:
    for raw in value.split(","):
        entry = raw.strip()
        if raw != entry and entry:
            yield Issue(f"#{tag.name} {name}: white space around {shortened(entry)}; RFC 6381 "
                        "lists formats separated by commas alone", line=tag.line, severity=WARNING,
                        observed=raw, expected=entry)
        fields = entry.split("/") if brands else [entry]
        problem = _format_problem(fields[0])
        for brand in fields[1:]:
            if problem is None and (len(brand) != 4 or not _TOKEN.fullmatch(brand)):
                problem = f"{brand!r} is not a four-character compatibility brand"
        if problem:
            yield Issue(f"#{tag.name} {name}: {problem} in {shortened(entry)}", line=tag.line,
                        observed=entry)


@rule("HLS503", "codecs-invalid", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2, 6.2.4; RFC 6381 3",
      hint='write RFC 6381 formats separated by commas, no spaces: "avc1.64001f,mp4a.40.2"',
      passing=[HEAD + variant(SD),
               HEAD + variant('BANDWIDTH=1000,RESOLUTION=1920x1080,CODECS="hvc1.2.4.L153.b0,ec+3",'
                              'SUPPLEMENTAL-CODECS="dvh1.08.07/db4h"')],
      failing=[HEAD + variant('BANDWIDTH=1000,CODECS="avc1.64001f,"'),
               HEAD + variant('BANDWIDTH=1000,CODECS="avc1.64001f, mp4a.40.2"'),
               HEAD + variant('BANDWIDTH=1000,CODECS="avc1.64001f,aac"'),
               HEAD + variant('BANDWIDTH=1000,RESOLUTION=1920x1080,CODECS="hvc1.2.4.L153.b0",'
                              'SUPPLEMENTAL-CODECS="dvh1.08.07/dolbyvision"')])
def codecs_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A CODECS or SUPPLEMENTAL-CODECS entry that is not an RFC 6381 format identifier: an
    empty entry, a space inside, a name that does not start with a four-character sample
    entry code ("aac", "h.264"), or a SUPPLEMENTAL-CODECS brand that is not four characters.
    CODECS MUST list every format of the variant (6.2.4) and a malformed entry lists none, so
    players may skip the variant: an error. White space around an entry is only a warning,
    as most players trim it. Only the shape is judged, not whether the code is registered."""
    for tag in variant_tags(ctx):
        for name, brands in (("CODECS", False), ("SUPPLEMENTAL-CODECS", True)):
            value = tag.attr(name)
            if value and "{$" not in value:  # a variable's value is judged where defined
                yield from _codec_issues(tag, name, value, brands)


@rule("HLS504", "supplemental-codecs-without-codecs", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2",
      hint="declare the base layer's format in CODECS as well",
      passing=[HEAD + variant('BANDWIDTH=1000,RESOLUTION=1920x1080,CODECS="hvc1.2.4.L153.b0",'
                              'SUPPLEMENTAL-CODECS="dvh1.08.07/db4h"')],
      failing=[HEAD + variant('BANDWIDTH=1000,SUPPLEMENTAL-CODECS="dvh1.08.07/db4h"')])
def supplemental_codecs_without_codecs(ctx: PlaylistContext) -> Iterator[Issue]:
    """SUPPLEMENTAL-CODECS on a variant without CODECS. Each enhancement layer MUST have its
    base layer declared in CODECS; with no CODECS at all, none is."""
    for tag in variant_tags(ctx):
        if "SUPPLEMENTAL-CODECS" in tag.attrs and "CODECS" not in tag.attrs:
            yield Issue(f"#{tag.name} has SUPPLEMENTAL-CODECS but no CODECS declaring its "
                        "base layer", line=tag.line, expected="CODECS")


@rule("HLS505", "resolution-missing", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2, 4.4.6.3; Apple HLS 9.2, 9.4", apple_severity=ERROR,
      hint="add RESOLUTION=<width>x<height> of the variant's video",
      passing=[HEAD + variant(f"BANDWIDTH=1000,RESOLUTION=640x360,{AVC}")
               + iframe('BANDWIDTH=100,RESOLUTION=640x360,CODECS="avc1.64001f"'),
               HEAD + variant('BANDWIDTH=100,CODECS="mp4a.40.2"')],
      failing=[HEAD + variant(f"BANDWIDTH=1000,{AVC}"),
               HEAD + variant(f"BANDWIDTH=1000,RESOLUTION=640x360,{AVC}")
               + iframe('BANDWIDTH=100,CODECS="avc1.64001f"')])
def resolution_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A video variant without RESOLUTION: one whose CODECS names a video format or that has
    a VIDEO group, and every I-frame stream (I-frames are video whatever CODECS says). The RFC
    recommends it for video; Apple's specification makes it a MUST (9.2 for video variants,
    9.4 for every I-frame stream). Variants that say nothing of video are not judged."""
    for tag in variant_tags(ctx):
        if "RESOLUTION" in tag.attrs:
            continue
        if tag.name == IFRAME_INF:
            yield Issue("an I-frame stream without RESOLUTION", line=tag.line,
                        expected="RESOLUTION")
        elif names_video(tag) or "VIDEO" in tag.attrs:
            yield Issue("a video variant without RESOLUTION", line=tag.line,
                        expected="RESOLUTION")


@rule("HLS506", "average-bandwidth-above-bandwidth", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2",
      hint="BANDWIDTH is the peak segment bit rate and AVERAGE-BANDWIDTH the average: raise "
           "BANDWIDTH to the measured peak (the ladder's Measured column), or correct "
           "AVERAGE-BANDWIDTH",
      passing=[HEAD + variant(SD + ",AVERAGE-BANDWIDTH=900000")],
      failing=[HEAD + variant(SD + ",AVERAGE-BANDWIDTH=1100000")])
def average_bandwidth_above_bandwidth(ctx: PlaylistContext) -> Iterator[Issue]:
    """AVERAGE-BANDWIDTH greater than BANDWIDTH. One is the average segment bit rate, the
    other the peak, so this cannot be true of any media: one of the two is wrong. No clause
    states it as a requirement, hence a warning."""
    for tag in variant_tags(ctx):
        peak = as_int(tag.attr("BANDWIDTH"))
        average = as_int(tag.attr("AVERAGE-BANDWIDTH"))
        if peak is not None and average is not None and average > peak:
            yield Issue(f"AVERAGE-BANDWIDTH {average:,} is greater than BANDWIDTH {peak:,}: "
                        "an average cannot exceed the peak", line=tag.line,
                        observed=str(average), expected=f"<= {peak}")


@rule("HLS507", "score-partial", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2; Apple HLS 9.19", apple_severity=ERROR,
      hint="give every variant a SCORE, or none",
      passing=[HEAD + variant(AAC + ",SCORE=1.0") + variant(SD + ",SCORE=2.0", "w.m3u8")
               + iframe('BANDWIDTH=100000,CODECS="avc1.64001f",RESOLUTION=640x360')],
      failing=[HEAD + variant(AAC + ",SCORE=1.0") + variant(SD, "w.m3u8")])
def score_partial(ctx: PlaylistContext) -> Iterator[Issue]:
    """SCORE on some variants and not on others. If any variant has SCORE, all SHOULD;
    Apple's players ignore SCORE unless every variant has one (a MUST there). Regular
    variants and I-frame streams are compared among themselves, since players choose
    among each kind separately."""
    for name in (STREAM_INF, IFRAME_INF):
        tags = ctx.tags(name)
        scored = [t for t in tags if "SCORE" in t.attrs]
        if scored:
            for tag in tags:
                if "SCORE" not in tag.attrs:
                    yield Issue(f"#{name} without SCORE while {len(scored)} of the "
                                f"{len(tags)} have one", line=tag.line, expected="SCORE")


def _layout_problem(entry: str) -> str | None:
    if not entry:
        return "an empty View Presentation Entry"
    specifiers = entry.split("/")
    if "" in specifiers:
        return f"an empty specifier in {entry!r}"
    kinds = [s.split("-")[0] for s in specifiers]
    repeated = sorted({k for k in kinds if kinds.count(k) > 1})
    if repeated:
        return f"{entry!r} gives the {repeated[0]}- specifier more than once"
    return None


@rule("HLS510", "req-video-layout-invalid", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2",
      hint='write comma-separated entries of slash-separated specifiers, each kind once: '
           '"CH-STEREO/PROJ-EQUI,CH-MONO"',
      passing=[V12 + variant(SD + ',REQ-VIDEO-LAYOUT="CH-STEREO/PROJ-EQUI,CH-MONO"')],
      failing=[V12 + variant(SD + ',REQ-VIDEO-LAYOUT="CH-STEREO,"'),
               V12 + variant(SD + ',REQ-VIDEO-LAYOUT="CH-STEREO/CH-MONO"')])
def req_video_layout_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A REQ-VIDEO-LAYOUT with an empty View Presentation Entry (which MUST NOT be), an empty
    specifier, or a specifier kind (CH-, PROJ-) twice in one entry (each can occur at most
    once). An empty attribute is reported by attribute-value-invalid. Specifier values this
    version does not define are not judged: clients skip such variants, by design."""
    for tag in variant_tags(ctx):
        value = tag.attr("REQ-VIDEO-LAYOUT")
        for entry in (value or "").split(",") if value else []:
            problem = _layout_problem(entry)
            if problem:
                yield Issue(f"REQ-VIDEO-LAYOUT {value!r}: {problem}", line=tag.line,
                            observed=value)


@rule("HLS511", "req-video-layout-default", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2",
      hint="remove REQ-VIDEO-LAYOUT from monoscopic rectilinear variants",
      passing=[V12 + variant(SD + ',REQ-VIDEO-LAYOUT="CH-STEREO,CH-MONO"')],
      failing=[V12 + variant(SD + ',REQ-VIDEO-LAYOUT="CH-MONO"'),
               V12 + variant(SD + ',REQ-VIDEO-LAYOUT="CH-MONO/PROJ-RECT,PROJ-RECT"')])
def req_video_layout_default(ctx: PlaylistContext) -> Iterator[Issue]:
    """A REQ-VIDEO-LAYOUT made only of the default specifiers CH-MONO and PROJ-RECT. It says
    nothing a client does not assume and SHOULD NOT be present: clients that do not handle
    the attribute skip the variant for nothing."""
    for tag in variant_tags(ctx):
        value = tag.attr("REQ-VIDEO-LAYOUT")
        specifiers = re.split(r"[,/]", value or "")
        if value and all(s in ("CH-MONO", "PROJ-RECT") for s in specifiers):
            yield Issue(f"REQ-VIDEO-LAYOUT {value!r} names only the defaults (monoscopic, "
                        "rectilinear)", line=tag.line, observed=value)
