"""Rules about EXT-X-SESSION-DATA (RFC 8216bis 4.4.6.4): data a multivariant playlist carries
for the whole presentation (a title, chapters), inline or behind a URI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.checks.streams import AAC, HEAD, variant
from hlsinspect.syntax.lines import Tag

SESSION = "EXT-X-SESSION-DATA"
TAIL = variant(AAC)
_REVERSE_DNS = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+")


def _data(attributes: str) -> str:
    return f"#{SESSION}:{attributes}\n"


@rule("HLS550", "session-data-value-and-uri", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.4",
      hint="give the tag either VALUE (inline data) or URI (a JSON or RAW file), not both",
      passing=[HEAD + _data('DATA-ID="com.example.title",VALUE="A Movie"') + TAIL,
               {"index.m3u8": HEAD + _data('DATA-ID="com.example.chapters",URI="c.json"') + TAIL,
                "c.json": "{}"}],
      failing=[HEAD + _data('DATA-ID="com.example.title"') + TAIL,
               HEAD + _data('DATA-ID="com.example.title",VALUE="A Movie",URI="t.json"')
               + TAIL])
def session_data_value_and_uri(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-SESSION-DATA with neither VALUE nor URI, or with both. Each MUST contain one
    of them and not both: otherwise the data is missing, or ambiguous."""
    for tag in ctx.tags(SESSION):
        has_value, has_uri = "VALUE" in tag.attrs, "URI" in tag.attrs
        if has_value == has_uri:
            what = "both VALUE and URI" if has_value else "neither VALUE nor URI"
            yield Issue(f"EXT-X-SESSION-DATA {tag.shown('DATA-ID')} has {what}",
                        line=tag.line, expected="VALUE or URI")


@rule("HLS551", "session-data-duplicate", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.4",
      hint="keep one EXT-X-SESSION-DATA per DATA-ID and LANGUAGE",
      passing=[HEAD + _data('DATA-ID="com.example.title",VALUE="A Movie",LANGUAGE="en"')
               + _data('DATA-ID="com.example.title",VALUE="Un film",LANGUAGE="fr"') + TAIL],
      failing=[HEAD + _data('DATA-ID="com.example.title",VALUE="A Movie",LANGUAGE="en"')
               + _data('DATA-ID="com.example.title",VALUE="The Movie",LANGUAGE="en"') + TAIL,
               HEAD + _data('DATA-ID="com.example.title",VALUE="A Movie"')
               + _data('DATA-ID="com.example.title",VALUE="The Movie"') + TAIL])
def session_data_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
    """Two EXT-X-SESSION-DATA tags with the same DATA-ID and the same LANGUAGE (or both
    without one). A playlist MUST NOT contain them: a client cannot tell which value holds.
    Language tags are compared ignoring case, as RFC 5646 defines them."""
    first: dict[tuple[str, str], Tag] = {}
    for tag in ctx.tags(SESSION):
        data_id = tag.attr("DATA-ID")
        if data_id is None:
            continue
        key = (data_id, (tag.attr("LANGUAGE") or "").lower())
        if key in first:
            language = tag.attr("LANGUAGE")
            shown = f"LANGUAGE {language!r}" if language else "no LANGUAGE"
            yield Issue(f"a second EXT-X-SESSION-DATA with DATA-ID {data_id!r} and {shown} "
                        f"(first on line {first[key].line})", line=tag.line)
        first.setdefault(key, tag)


@rule("HLS552", "session-data-id-not-reverse-dns", WARNING, scope="multivariant",
      reference="RFC 8216bis 4.4.6.4",
      hint='name the data in reverse DNS style under a domain you own: "com.example.title"',
      passing=[HEAD + _data('DATA-ID="com.apple.hls.title",VALUE="A Movie"') + TAIL],
      failing=[HEAD + _data('DATA-ID="title",VALUE="A Movie"') + TAIL])
def session_data_id_not_reverse_dns(ctx: PlaylistContext) -> Iterator[Issue]:
    """A DATA-ID that does not follow the reverse DNS convention it SHOULD follow
    ("com.example.movie.title"): with no central registry, a plain name like "title" is
    likely to collide with someone else's meaning."""
    for tag in ctx.tags(SESSION):
        data_id = tag.attr("DATA-ID")
        if data_id and not _REVERSE_DNS.fullmatch(data_id):
            yield Issue(f"DATA-ID {data_id!r} is not a reverse DNS name", line=tag.line,
                        observed=data_id, expected="com.example.name")
