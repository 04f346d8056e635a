"""Rules about a playlist as a whole: its kind, tags that may appear once, and its version.

The minimum EXT-X-VERSION of every feature comes from RFC 8216 section 7 and
draft-pantos-hls-rfc8216bis section 8; a client that does not support the declared version
must not play the playlist, and one that does but sees a feature above it may misread it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import ERROR, INFO, WARNING, Issue, rule
from hlsinspect.syntax.lines import Tag, UriLine
from hlsinspect.syntax.tags import MEDIA_SIDE, Category, extinf_parts

VOD = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
END = "#EXT-X-ENDLIST\n"
_VARIABLE = re.compile(r"\{\$[A-Za-z0-9_-]+\}")
_SERVICE = re.compile(r"SERVICE\d+")


@rule("HLS108", "version-duplicate", ERROR, scope="line", reference="RFC 8216 4.3.1.2",
      hint="keep a single EXT-X-VERSION tag",
      passing=[VOD.replace("\n", "\n#EXT-X-VERSION:3\n", 1) + "#EXTINF:9.009,\na.ts\n" + END],
      failing=[VOD.replace("\n", "\n#EXT-X-VERSION:3\n#EXT-X-VERSION:4\n", 1)
               + "#EXTINF:9.009,\na.ts\n" + END])
def version_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
    """More than one EXT-X-VERSION: clients must fail to parse the playlist."""
    tags = ctx.tags("EXT-X-VERSION")
    for tag in tags[1:]:
        yield Issue(f"a second EXT-X-VERSION (the first is on line {tags[0].line}): clients "
                    "must reject the playlist", line=tag.line)


@rule("HLS109", "tag-duplicate", ERROR, scope="line", reference="RFC 8216 4.3.3, 4.3.5",
      hint="keep one of them; a playlist may hold each of these tags once",
      passing=[VOD + "#EXTINF:9.009,\na.ts\n" + END],
      failing=[VOD + "#EXT-X-TARGETDURATION:10\n#EXTINF:9.009,\na.ts\n" + END,
               VOD + "#EXTINF:9.009,\na.ts\n" + END + END,
               "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-INDEPENDENT-SEGMENTS\n"
               "#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n"])
def tag_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
    """A tag that may appear once, appearing again: the media playlist tags
    (EXT-X-TARGETDURATION, EXT-X-MEDIA-SEQUENCE, EXT-X-ENDLIST...), EXT-X-INDEPENDENT-SEGMENTS,
    EXT-X-START, EXT-X-SKIP, EXT-X-CONTENT-STEERING."""
    for name, tags in ctx.lines.by_name.items():
        spec = tags[0].spec
        if spec is None or not spec.once or name == "EXT-X-VERSION":
            continue
        for tag in tags[1:]:
            yield Issue(f"#{name} again (first on line {tags[0].line}): it may appear once "
                        "in a playlist", line=tag.line)


@rule("HLS110", "playlist-kind-mixed", ERROR, scope="line",
      reference="RFC 8216 4.3.3, 4.3.4; RFC 8216bis 4.1",
      hint="split it: variants and renditions go in the multivariant playlist, segments in "
           "media playlists",
      passing=["#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n"],
      failing=["#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n"
               "v.m3u8\n#EXTINF:9.009,\na.ts\n"])
def playlist_kind_mixed(ctx: PlaylistContext) -> Iterator[Issue]:
    """Multivariant playlist tags together with media playlist or media segment tags in one
    file: clients must fail to parse it. hlsinspect reads it as a multivariant playlist."""
    if not ctx.playlist.structure.mixed:
        return
    tags = ctx.lines.tags
    variant = next(t for t in tags if t.spec and t.spec.category is Category.MULTIVARIANT)
    media = next(t for t in tags if t.spec and t.spec.category in MEDIA_SIDE)
    yield Issue(f"#{variant.name} (line {variant.line}) is a multivariant playlist tag and "
                f"#{media.name} (line {media.line}) a media playlist tag: one playlist cannot "
                "be both", line=media.line)


def required_versions(ctx: PlaylistContext) -> dict[int, tuple[str, int]]:
    """Each minimum version the playlist's features need: version -> (feature, first line).

    Computed once per playlist (two rules use it), tag by tag name rather than line by line:
    a 100,000-segment playlist has 100,000 EXTINF tags, and one decimal duration settles them.
    """
    memo = ctx.playlist.memo
    if "versions" not in memo:
        memo["versions"] = _required_versions(ctx)
    return memo["versions"]  # type: ignore[no-any-return]


def _required_versions(ctx: PlaylistContext) -> dict[int, tuple[str, int]]:
    found: list[tuple[int, str, int]] = []

    def need(version: int, feature: str, line: int) -> None:
        found.append((version, feature, line))

    for tag in ctx.tags("EXTINF"):
        if any(c in extinf_parts(tag.value)[0] for c in ".eE"):
            need(3, "a floating-point EXTINF duration", tag.line)
            break
    for name in ("EXT-X-BYTERANGE", "EXT-X-I-FRAMES-ONLY"):
        first = ctx.tag(name)
        if first is not None:
            need(4, f"#{name}", first.line)
    iframes = ctx.playlist.iframes_only
    for tag in ctx.lines.with_attributes:
        _tag_needs(tag, iframes, need)
    if "{$" in ctx.playlist.text:
        for entry in ctx.lines.entries:
            text = entry.uri if isinstance(entry, UriLine) else entry.value or ""
            if _VARIABLE.search(text):
                need(8, "variable substitution ({$...})", entry.line)
                break
    needs: dict[int, tuple[str, int]] = {}
    for version, feature, line in sorted(found, key=lambda item: item[2]):
        needs.setdefault(version, (feature, line))
    return needs


def _tag_needs(tag: Tag, iframes: bool, need: Callable[[int, str, int], None]) -> None:
    """The versions an attribute-list tag's own features need."""
    name = tag.name
    if name == "EXT-X-KEY":
        # section 8 asks this of Media Playlists only: EXT-X-SESSION-KEY's attributes do not
        # raise a multivariant playlist's version
        if "IV" in tag.attrs:
            need(2, f"the IV attribute of {name}", tag.line)
        if (tag.attr("METHOD") or "") == "SAMPLE-AES":
            need(5, f"{name} METHOD=SAMPLE-AES", tag.line)
        if "KEYFORMAT" in tag.attrs or "KEYFORMATVERSIONS" in tag.attrs:
            need(5, f"the KEYFORMAT or KEYFORMATVERSIONS attribute of {name}", tag.line)
    elif name == "EXT-X-MAP":
        need(5 if iframes else 6, "EXT-X-MAP" + ("" if iframes else
                                                 " in a playlist without EXT-X-I-FRAMES-ONLY"),
             tag.line)
    elif name == "EXT-X-MEDIA":
        instream = tag.attr("INSTREAM-ID")
        if instream and _SERVICE.fullmatch(instream):
            need(7, "a SERVICE value of INSTREAM-ID", tag.line)
        if instream and (tag.attr("TYPE") or "") != "CLOSED-CAPTIONS":
            need(13, "INSTREAM-ID on an EXT-X-MEDIA that is not CLOSED-CAPTIONS", tag.line)
    elif name == "EXT-X-DEFINE":
        need(8, "variable substitution (EXT-X-DEFINE)", tag.line)
        if "QUERYPARAM" in tag.attrs:
            need(11, "EXT-X-DEFINE with QUERYPARAM", tag.line)
    elif name == "EXT-X-SKIP":
        need(9, "EXT-X-SKIP", tag.line)
        if "RECENTLY-REMOVED-DATERANGES" in tag.attrs:
            need(10, "EXT-X-SKIP with RECENTLY-REMOVED-DATERANGES", tag.line)
    if "REQ-" in (tag.value or "") and any(n.startswith("REQ-") for n in tag.attrs.names()):
        need(12, "an attribute whose name starts with REQ-", tag.line)


@rule("HLS111", "version-too-low", ERROR, scope="line",
      reference="RFC 8216 7; RFC 8216bis 8",
      hint="raise EXT-X-VERSION to the version the feature needs (or add the tag)",
      passing=["#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:10\n#EXTINF:9.009,\n"
               "#EXT-X-BYTERANGE:1000@0\na.ts\n" + END,
               '#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd://k",'
               'KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"\n'
               "#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n"],
      failing=["#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:9.009,\n"
               "#EXT-X-BYTERANGE:1000@0\na.ts\n" + END,
               "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:9.009,\na.ts\n" + END,
               "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n"
               '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:9.009,\na.m4s\n' + END])
def version_too_low(ctx: PlaylistContext) -> Iterator[Issue]:
    """A feature newer than the declared EXT-X-VERSION (1 when there is none): an IV needs
    2, a decimal EXTINF 3, EXT-X-BYTERANGE or EXT-X-I-FRAMES-ONLY 4, SAMPLE-AES, KEYFORMAT
    or EXT-X-MAP 5 (6 outside I-frame playlists), SERVICE closed captions 7, variables 8,
    EXT-X-SKIP 9, REQ- attributes 12."""
    declared = ctx.playlist.effective_version
    shown = str(ctx.playlist.version) if ctx.playlist.version else "none, so 1"
    for version, (feature, line) in sorted(required_versions(ctx).items()):
        if version > declared:
            yield Issue(f"{feature} needs EXT-X-VERSION:{version} or higher; the playlist "
                        f"declares {shown}", line=line, observed=shown,
                        expected=f">= {version}")


@rule("HLS112", "version-higher-than-needed", INFO, scope="line",
      reference="RFC 8216bis 6.2.1",
      hint="declare the lowest version the playlist's features need, so older clients play it",
      passing=["#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:9.009,\na.ts\n"
               + END],
      failing=["#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:10\n#EXTINF:9.009,\na.ts\n"
               + END])
def version_higher_than_needed(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-VERSION higher than any feature of the playlist needs. A multivariant playlist
    with renditions may declare 4 (RFC 8216bis 8); version 6 changed how target durations
    round, so a media playlist may declare up to 6. Information only: the clause is a SHOULD
    NOT for servers and nothing breaks, while most packagers write a fixed version."""
    declared = ctx.playlist.version
    if declared is None:
        return
    features = max([1, *required_versions(ctx)])
    allowed = features
    if ctx.playlist.is_multivariant and ctx.lines.has("EXT-X-MEDIA"):
        allowed = max(allowed, 4)
    if not ctx.playlist.is_multivariant:
        allowed = max(allowed, 6)
    if declared > allowed:
        tag = ctx.tag("EXT-X-VERSION")
        usual = f" (up to {allowed} is usual)" if allowed > features else ""
        yield Issue(f"EXT-X-VERSION:{declared}, but the playlist's features need only version "
                    f"{features}{usual}", line=tag.line if tag else None,
                    observed=str(declared), expected=f"<= {allowed}")


@rule("HLS113", "version-removed-feature", WARNING, scope="line", reference="RFC 8216 7",
      hint="drop the attribute or tag the declared version removed",
      passing=["#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n"],
      failing=["#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-STREAM-INF:BANDWIDTH=1000,PROGRAM-ID=1\n"
               "v.m3u8\n",
               "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-ALLOW-CACHE:NO\n#EXT-X-TARGETDURATION:10\n"
               "#EXTINF:9.009,\na.ts\n" + END])
def version_removed_feature(ctx: PlaylistContext) -> Iterator[Issue]:
    """A feature the declared version removed: PROGRAM-ID (gone in version 6) or
    EXT-X-ALLOW-CACHE (gone in version 7)."""
    declared = ctx.playlist.effective_version
    if declared >= 6:
        for tag in ctx.tags("EXT-X-STREAM-INF") + ctx.tags("EXT-X-I-FRAME-STREAM-INF"):
            if "PROGRAM-ID" in tag.attrs:
                yield Issue(f"PROGRAM-ID was removed in version 6; the playlist declares "
                            f"{declared}", line=tag.line)
    if declared >= 7:
        for tag in ctx.tags("EXT-X-ALLOW-CACHE"):
            yield Issue(f"EXT-X-ALLOW-CACHE was removed in version 7; the playlist declares "
                        f"{declared}", line=tag.line)
