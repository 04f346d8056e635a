"""Rules about what Content Steering relies on (RFC 8216bis 4.4.6.6, 7): stable IDs of
variants and renditions, and the Pathway the EXT-X-CONTENT-STEERING tag starts on.

A steering server moves clients between Pathways and replaces URIs by stable ID; an ID it
cannot match, or a first Pathway no variant belongs to, leaves clients without a variant.
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
    STREAM_INF,
    media,
    variant,
    variant_tags,
)
from hlsinspect.syntax.lines import Tag

_STABLE_ID = re.compile(r"[A-Za-z0-9+/=._-]+")
STEERING = '#EXT-X-CONTENT-STEERING:SERVER-URI="https://steer.example.com/m.json"'
EN = 'TYPE=AUDIO,GROUP-ID="a",NAME="English",LANGUAGE="en",CHANNELS="2"'


def _stable_ids(ctx: PlaylistContext) -> Iterator[tuple[Tag, str, str | None]]:
    """(tag, attribute name, value or None) of every variant's and rendition's stable ID."""
    for tag in variant_tags(ctx):
        yield tag, "STABLE-VARIANT-ID", tag.attr("STABLE-VARIANT-ID")
    for tag in ctx.tags(MEDIA):
        yield tag, "STABLE-RENDITION-ID", tag.attr("STABLE-RENDITION-ID")


@rule("HLS540", "stable-id-invalid", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1, 4.4.6.2",
      hint="use only letters, digits and + / = . - _ in stable IDs",
      passing=[HEAD + variant(AAC + ',STABLE-VARIANT-ID="audio/64k_v1=2.0+"')],
      failing=[HEAD + variant(AAC + ',STABLE-VARIANT-ID="audio 64k"'),
               HEAD + media(EN + ',STABLE-RENDITION-ID="en#1",URI="a.m3u8"')
               + variant(AAC + ',AUDIO="a"')])
def stable_id_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A STABLE-VARIANT-ID or STABLE-RENDITION-ID with a character outside [a-z], [A-Z],
    [0-9], '+', '/', '=', '.', '-' and '_', the set its characters MUST come from. Steering
    manifests use these IDs as JSON keys and match them byte for byte."""
    for tag, name, value in _stable_ids(ctx):
        if value and "{$" not in value and not _STABLE_ID.fullmatch(value):
            bad = sorted({c for c in value if not _STABLE_ID.fullmatch(c)})
            yield Issue(f"{name} {value!r} contains {', '.join(map(repr, bad))}",
                        line=tag.line, observed=value)


@rule("HLS541", "stable-id-inconsistent", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.1, 4.4.6.2",
      hint="give every tag that names the same URI the same stable ID",
      passing=[HEAD + media(EN + ',STABLE-RENDITION-ID="en",URI="a.m3u8"')
               + media(EN.replace('"a"', '"b"') + ',STABLE-RENDITION-ID="en",URI="a.m3u8"')
               + variant(AAC + ',AUDIO="a"') + variant(SD + ',AUDIO="b"', "w.m3u8")],
      failing=[HEAD + media(EN + ',URI="a.m3u8"') + media(EN.replace('"a"', '"b"')
                                                          + ',URI="b.m3u8"')
               + variant(AAC + ',STABLE-VARIANT-ID="v1",AUDIO="a"')
               + variant(AAC + ',STABLE-VARIANT-ID="v2",AUDIO="b"')])
def stable_id_inconsistent(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-STREAM-INF tags (or EXT-X-MEDIA tags) naming the same URI with different stable
    IDs, or with one where another has none: they SHOULD use the same, since the ID stands
    for the URI when a steering server replaces it."""
    by_uri: dict[tuple[str, str], list[tuple[Tag, str | None]]] = {}
    for entry in ctx.playlist.structure.variants:
        if entry.uri is not None:
            by_uri.setdefault((STREAM_INF, entry.uri), []).append(
                (entry.tag, entry.tag.attr("STABLE-VARIANT-ID")))
    for tag in ctx.tags(MEDIA):
        uri = tag.attr("URI")
        if uri:
            by_uri.setdefault((MEDIA, uri), []).append((tag, tag.attr("STABLE-RENDITION-ID")))
    for (name, uri), tags in by_uri.items():
        values = [value for _, value in tags]
        if len(set(values)) > 1:
            shown = ", ".join(f"line {t.line}: {v or 'none'}" for t, v in tags)
            yield Issue(f"#{name} tags naming {uri!r} carry different stable IDs ({shown})",
                        line=tags[1][0].line, uri=ctx.object_uri(uri))


@rule("HLS542", "content-steering-pathway-unknown", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.6",
      hint="name a PATHWAY-ID that variants carry (variants without one are on \".\")",
      passing=[HEAD + STEERING + ',PATHWAY-ID="cdn-a"\n'
               + variant(AAC + ',PATHWAY-ID="cdn-a"')
               + variant(AAC + ',PATHWAY-ID="cdn-b"', "https://b.example.com/v.m3u8"),
               HEAD + STEERING + ',PATHWAY-ID="."\n' + variant(AAC)],
      failing=[HEAD + STEERING + ',PATHWAY-ID="cdn-c"\n'
               + variant(AAC + ',PATHWAY-ID="cdn-a"')
               + variant(AAC + ',PATHWAY-ID="cdn-b"', "https://b.example.com/v.m3u8")])
def content_steering_pathway_unknown(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-CONTENT-STEERING PATHWAY-ID that no variant has. It MUST be the PATHWAY-ID
    of one or more variant streams: clients apply it until the first steering manifest
    arrives, and find no variant on it. A variant without PATHWAY-ID is on the default
    Pathway ".". Whether the ID is legal by the Content Steering specification is not
    checked here."""
    tag = ctx.tag("EXT-X-CONTENT-STEERING")
    wanted = tag.attr("PATHWAY-ID") if tag is not None else None
    if tag is None or not wanted:
        return
    pathways = {t.attr("PATHWAY-ID") or "." for t in variant_tags(ctx)}
    if wanted not in pathways:
        yield Issue(f'PATHWAY-ID "{wanted}" is the Pathway of no variant (they are on '
                    f"{', '.join(sorted(pathways)) or 'none'})", line=tag.line,
                    observed=wanted, expected=", ".join(sorted(pathways)) or None)
