"""Rules about rendition groups (RFC 8216bis 4.4.6.1.1, 4.4.6.2): the EXT-X-MEDIA tags that
share a TYPE and GROUP-ID, and the variants that reference them.

A player offers the members of a group as alternatives (languages, angles, caption
services) and switches between groups of one TYPE as it switches variants; a group that
does not exist, or differs from its siblings, breaks that switch.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.checks.streams import (
    AAC,
    HEAD,
    SD,
    STREAM_INF,
    characteristics,
    group_references,
    groups,
    is_yes,
    media,
    variant,
)
from hlsinspect.syntax.lines import Tag

EN = 'TYPE=AUDIO,GROUP-ID="a",NAME="English",LANGUAGE="en",AUTOSELECT=YES,CHANNELS="2"'
FR = 'TYPE=AUDIO,GROUP-ID="a",NAME="Français",LANGUAGE="fr",AUTOSELECT=YES,CHANNELS="2"'
WITH_A = variant(AAC + ',AUDIO="a"')
WITH_B = variant(SD + ',AUDIO="b"', "w.m3u8")
_EXEMPT = frozenset({"URI", "CHANNELS", "BIT-DEPTH", "STABLE-RENDITION-ID", "INSTREAM-ID",
                     "SAMPLE-RATE", "GROUP-ID"})
"""Attributes in which corresponding members of groups of one TYPE may differ."""


@rule("HLS520", "group-missing", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2, 4.4.6.3",
      hint="add the EXT-X-MEDIA tags of that group, or fix the group name in the variant",
      passing=[HEAD + media(EN + ',URI="en.m3u8"') + WITH_A],
      failing=[HEAD + media(EN + ',URI="en.m3u8"') + WITH_B,
               HEAD + media('TYPE=SUBTITLES,GROUP-ID="a",NAME="en",URI="s.m3u8"')
               + WITH_A,
               HEAD + variant(AAC)
               + '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100,VIDEO="v",URI="i.m3u8"\n'])
def group_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS value (quoted) that matches the GROUP-ID
    of no EXT-X-MEDIA of that TYPE, on an EXT-X-STREAM-INF or (VIDEO) an
    EXT-X-I-FRAME-STREAM-INF. It MUST match one: the renditions the variant plays with do
    not exist."""
    known = groups(ctx)
    for tag, kind, group in group_references(ctx):
        if (kind, group) not in known:
            others = sorted({g for k, g in known if k == kind})
            listed = f"; the {kind} groups are {', '.join(others)}" if others else ""
            yield Issue(f'{kind}="{group}" names no EXT-X-MEDIA with TYPE={kind} and '
                        f'GROUP-ID="{group}"{listed}', line=tag.line, observed=group,
                        expected=", ".join(others) or None)


@rule("HLS521", "group-unused", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2.1",
      hint="reference the group from the variants that play with it, or remove it",
      passing=[HEAD + media(EN + ',URI="en.m3u8"') + WITH_A],
      failing=[HEAD + media(EN + ',URI="en.m3u8"') + variant(AAC)])
def group_unused(ctx: PlaylistContext) -> Iterator[Issue]:
    """A group of EXT-X-MEDIA tags that no variant references. Renditions are played only
    with the variants that name their group, so nobody can play these; usually the
    variant's attribute was forgotten or misspelt. No clause forbids it: a warning."""
    used = {(kind, group) for _, kind, group in group_references(ctx)}
    for (kind, group), tags in groups(ctx).items():
        if (kind, group) not in used:
            yield Issue(f'no variant references the {kind} group "{group}" ({len(tags)} '
                        "rendition(s)): nobody can play it", line=tags[0].line,
                        observed=group)


@rule("HLS522", "rendition-name-duplicate", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1.1",
      hint="give each rendition of a group its own NAME",
      passing=[HEAD + media(EN + ',URI="en.m3u8"') + media(FR + ',URI="fr.m3u8"')
               + WITH_A],
      failing=[HEAD + media(EN + ',URI="en.m3u8"')
               + media(FR.replace("Français", "English") + ',URI="fr.m3u8"')
               + WITH_A])
def rendition_name_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
    """Two EXT-X-MEDIA tags of one group (same TYPE and GROUP-ID) with the same NAME. Names
    MUST differ within a group: players list renditions by name."""
    for (kind, group), tags in groups(ctx).items():
        first: dict[str, Tag] = {}
        for tag in tags:
            name = tag.attr("NAME")
            if name is None:
                continue
            if name in first:
                yield Issue(f'NAME="{name}" again in the {kind} group "{group}" (first on '
                            f"line {first[name].line})", line=tag.line, observed=name)
            first.setdefault(name, tag)


@rule("HLS523", "rendition-default-duplicate", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1.1",
      hint="keep DEFAULT=YES on one rendition of the group",
      passing=[HEAD + media(EN + ',DEFAULT=YES,URI="en.m3u8"') + media(FR + ',URI="fr.m3u8"')
               + WITH_A],
      failing=[HEAD + media(EN + ',DEFAULT=YES,URI="en.m3u8"')
               + media(FR + ',DEFAULT=YES,URI="fr.m3u8"') + WITH_A])
def rendition_default_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
    """More than one DEFAULT=YES rendition in a group. A group MUST NOT have more than one:
    players would not know which to play."""
    for (kind, group), tags in groups(ctx).items():
        defaults = [t for t in tags if is_yes(t, "DEFAULT")]
        for tag in defaults[1:]:
            yield Issue(f'a second DEFAULT=YES in the {kind} group "{group}" (first on line '
                        f"{defaults[0].line})", line=tag.line)


def _selection_key(tag: Tag) -> tuple[str, str, bool, frozenset[str]]:
    """What a player matches AUTOSELECT renditions on (language tags ignore case)."""
    return ((tag.attr("LANGUAGE") or "").lower(), (tag.attr("ASSOC-LANGUAGE") or "").lower(),
            is_yes(tag, "FORCED"), frozenset(characteristics(tag)))


@rule("HLS524", "autoselect-not-distinct", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1.1",
      hint="tell the renditions apart by LANGUAGE, ASSOC-LANGUAGE, FORCED or CHARACTERISTICS, "
           "or set AUTOSELECT=NO on one",
      passing=[HEAD + media(EN + ',URI="en.m3u8"') + media(
          EN.replace("English", "English (AD)")
          + ',CHARACTERISTICS="public.accessibility.describes-video",URI="ad.m3u8"')
          + WITH_A],
      failing=[HEAD + media(EN + ',URI="en.m3u8"')
               + media(EN.replace("English", "English 2") + ',URI="en2.m3u8"')
               + WITH_A])
def autoselect_not_distinct(ctx: PlaylistContext) -> Iterator[Issue]:
    """Two AUTOSELECT=YES renditions of a group with the same LANGUAGE, ASSOC-LANGUAGE,
    FORCED and CHARACTERISTICS. Each SHOULD differ from the others in that combination, or a
    player choosing by preferences cannot tell them apart."""
    for (kind, group), tags in groups(ctx).items():
        seen: dict[tuple[str, str, bool, frozenset[str]], Tag] = {}
        for tag in (t for t in tags if is_yes(t, "AUTOSELECT")):
            key = _selection_key(tag)
            if key in seen:
                yield Issue(f"AUTOSELECT=YES rendition {tag.shown('NAME')} matches the same "
                            f"preferences as {seen[key].shown('NAME')} (line "
                            f"{seen[key].line}) in the {kind} group {group!r}", line=tag.line)
            seen.setdefault(key, tag)


def _compared(tag: Tag) -> dict[str, str]:
    """The attributes corresponding members must share; YES/NO attributes default to NO."""
    values = {"DEFAULT": "NO", "AUTOSELECT": "NO", "FORCED": "NO"}
    values.update((item.name, item.value) for item in tag.attrs.items
                  if item.name not in _EXEMPT)
    return values


def _group_differences(reference: list[Tag], other: list[Tag]) -> Iterator[tuple[int, str]]:
    """(line, what differs) between two groups of one TYPE, members matched by NAME."""
    mine = {t.attr("NAME"): t for t in reference}
    theirs = {t.attr("NAME"): t for t in other}
    lacking = [f'"{name}"' for name in mine if name not in theirs]
    extra = [name for name in theirs if name not in mine]
    if lacking or extra:  # one finding: a renamed member is one fault, not two
        said = [f"it has no member named {', '.join(lacking)}"] if lacking else []
        if extra:
            said.append(f"its member{'s' if len(extra) > 1 else ''} "
                        f"{', '.join(repr(n) for n in extra)} ha{'ve' if len(extra) > 1 else 's'}"
                        " no counterpart in the first group")
        yield (theirs[extra[0]].line if extra else other[0].line), "; ".join(said)
    for name, tag in theirs.items():
        if name not in mine:
            continue
        a, b = _compared(mine[name]), _compared(tag)
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                yield tag.line, (f'"{name}" has {key}={b.get(key, "(none)")}, the first '
                                 f'group {key}={a.get(key, "(none)")}')


@rule("HLS525", "rendition-groups-differ", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1.1",
      hint="give every group of a TYPE the same members (by NAME) with the same attributes; "
           "only URI, CHANNELS, BIT-DEPTH, SAMPLE-RATE, INSTREAM-ID and STABLE-RENDITION-ID "
           "may differ",
      passing=[HEAD + media(EN + ',URI="en.m3u8"')
               + media(EN.replace('"a"', '"b"').replace('"2"', '"6"') + ',URI="en6.m3u8"')
               + WITH_A + WITH_B],
      failing=[HEAD + media(EN + ',URI="en.m3u8"') + media(FR + ',URI="fr.m3u8"')
               + media(EN.replace('"a"', '"b"') + ',URI="en6.m3u8"')
               + WITH_A + WITH_B,
               HEAD + media(EN + ',URI="en.m3u8"')
               + media(EN.replace('"a"', '"b"').replace('"en"', '"en-GB"') + ',URI="b.m3u8"')
               + WITH_A + WITH_B])
def rendition_groups_differ(ctx: PlaylistContext) -> Iterator[Issue]:
    """Groups of one TYPE that do not have the same members (by NAME), or whose corresponding
    members differ in an attribute other than URI, CHANNELS, BIT-DEPTH, STABLE-RENDITION-ID,
    INSTREAM-ID and SAMPLE-RATE. Several groups of a TYPE are encodings of one set of
    renditions and MUST match, so a player switching variants finds the same choices.
    Each group is compared with the first of its TYPE."""
    by_type: dict[str, list[tuple[str, list[Tag]]]] = {}
    for (kind, group), tags in groups(ctx).items():
        by_type.setdefault(kind, []).append((group, tags))
    for kind, found in by_type.items():
        first, reference = found[0]
        for group, tags in found[1:]:
            for line, difference in _group_differences(reference, tags):
                yield Issue(f'the {kind} group "{group}" differs from "{first}": {difference}',
                            line=line)


@rule("HLS526", "closed-captions-none-inconsistent", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.2",
      hint="put CLOSED-CAPTIONS=NONE on every EXT-X-STREAM-INF, or on none",
      passing=[HEAD + variant(AAC + ",CLOSED-CAPTIONS=NONE")
               + variant(SD + ",CLOSED-CAPTIONS=NONE", "w.m3u8")],
      failing=[HEAD + variant(AAC + ",CLOSED-CAPTIONS=NONE")
               + variant(SD, "w.m3u8")])
def closed_captions_none_inconsistent(ctx: PlaylistContext) -> Iterator[Issue]:
    """CLOSED-CAPTIONS=NONE on some EXT-X-STREAM-INF tags but not on all. When one variant
    says NONE, all MUST: captions in one variant and not another make playback
    inconsistent as players switch."""
    tags = ctx.tags(STREAM_INF)
    none = [t.line for t in tags if (item := t.attrs.get("CLOSED-CAPTIONS")) is not None
            and item.raw == "NONE"]
    if not none:
        return
    for tag in tags:
        item = tag.attrs.get("CLOSED-CAPTIONS")
        if item is None or item.raw != "NONE":
            shown = item.raw if item is not None else None
            yield Issue(f"CLOSED-CAPTIONS is {shown or 'absent'} here but NONE on line "
                        f"{none[0]}: then every variant must say NONE", line=tag.line,
                        observed=shown, expected="NONE")
