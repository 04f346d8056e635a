"""Rules about how each line is written (RFC 8216 4.1, 4.2): text, tags, attribute lists.

These see what lenient parsers forgive: a lower-case attribute, a quoted number, an
unterminated string, a tag with a typo. Clients must reject most of them.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import ERROR, INFO, WARNING, Issue, rule
from hlsinspect.playlists import in_extinf_title
from hlsinspect.syntax.attributes import Kind, is_attribute_name, value_problem
from hlsinspect.syntax.lines import Tag
from hlsinspect.syntax.tags import BIS, TAGS, Category, Form
from hlsinspect.syntax.tags import value_problem as tag_value_problem

VOD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
END = "#EXT-X-ENDLIST\n"
SEGMENT = "#EXTINF:9.009,\nsegment0.ts\n"
MASTER = "#EXTM3U\n"


def _attribute_tags(ctx: PlaylistContext) -> list[Tag]:
    """Tags with an attribute list to judge; one without any is tag-value-invalid alone."""
    return [tag for tag in ctx.lines.with_attributes if tag.value and tag.value.strip()]


def cited(tag: Tag, syntax: bool = False) -> str | None:
    """What a finding about `tag` cites when only RFC 8216bis defines the tag (EXT-X-PART,
    EXT-X-PRELOAD-HINT...): RFC 8216, which the attribute rules cite, has no such tag. The
    tag's own section, after 8216bis's Attribute Lists section (4.2, as in RFC 8216) for a
    rule about the list's syntax. None keeps the rule's reference."""
    reference = tag.spec.reference if tag.spec is not None else ""
    if not reference.startswith(BIS + " "):
        return None
    return f"{BIS} 4.2, {reference.removeprefix(BIS + ' ')}" if syntax else reference


@rule("HLS001", "playlist-parse-error", ERROR, scope="line", reference="RFC 8216 4.1",
      hint="save the playlist as UTF-8 without BOM, with #EXTM3U alone on the first line",
      summary="Not a valid playlist text: undecodable or binary, no #EXTM3U first line, a byte "
              "order mark or a control character. When the text cannot be read at all the "
              "playlist is not checked further.",
      passing=[VOD + SEGMENT + END, VOD + "#EXTINF:9.009,\t\nsegment0.ts\n" + END,
               "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:4\n"
               "#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=24\n#EXT-X-MEDIA-SEQUENCE:10\n"
               '#EXT-X-SKIP:SKIPPED-SEGMENTS=2,RECENTLY-REMOVED-DATERANGES="a\tb"\n'
               "#EXTINF:4,\na.ts\n"],
      failing=[{"index.m3u8": b"\xef\xbb\xbf" + (VOD + SEGMENT + END).encode()},
               "<html><body>404 Not Found</body></html>\n",
               VOD + "#EXTINF:9.009,\nsegment\t0.ts\n" + END])
def playlist_parse_error(ctx: PlaylistContext) -> Iterator[Issue]:
    for message, line in ctx.playlist.problems:
        yield Issue(message, line=line)


@rule("HLS116", "text-character-risky", WARNING, scope="line", reference="RFC 8216 4.1",
      hint="replace the character with a space, or remove it",
      summary="A TAB in an EXTINF title, which RFC 8216 4.1 forbids like every control "
              "character but which Apple's segmenter writes and players accept; or a Unicode "
              "line or paragraph separator (U+2028, U+2029), which HLS allows but JavaScript "
              "and Python parsers split lines on, so they read another playlist.",
      passing=[VOD + SEGMENT + END, VOD + "#EXTINF:9.009,Caf\u00e9 \u00e0 Paris\nsegment0.ts\n"
               + END],
      failing=[VOD + "#EXTINF:9.009,\t\nsegment0.ts\n" + END,
               VOD + "#EXTINF:9.009,Part\u20282\nsegment0.ts\n" + END])
def text_character_risky(ctx: PlaylistContext) -> Iterator[Issue]:
    for number, line in enumerate(ctx.lines.text, start=1):
        tab = line.find("\t")
        if tab != -1 and in_extinf_title(line, tab):
            yield Issue("a TAB in the EXTINF title: RFC 8216 4.1 allows no control character, "
                        "though Apple's segmenter writes this one", line=number)
        for character, name in (("\u2028", "line"), ("\u2029", "paragraph")):
            if character in line:
                yield Issue(f"a Unicode {name} separator (U+{ord(character):04X}): not a line "
                            "end in HLS, but JavaScript and Python parsers break the line "
                            "there", line=number)


@rule("HLS115", "text-not-nfc", ERROR, scope="line", reference="RFC 8216 4.1",
      hint="save the playlist with its text normalized to Unicode NFC (composed characters)",
      passing=[MASTER + '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="Fran\u00e7ais",'
               'LANGUAGE="fr",URI="fr.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO="a"\n'
               "v.m3u8\n"],
      failing=[MASTER + '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="Franc\u0327ais",'
               'LANGUAGE="fr",URI="fr.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO="a"\n'
               "v.m3u8\n"])
def text_not_nfc(ctx: PlaylistContext) -> Iterator[Issue]:
    """Text not normalized to Unicode NFC (a decomposed "c" + cedilla where "ç" is one
    character, as macOS file names often are): clients compare names and URIs byte by byte,
    so the same word in two forms does not match."""
    text = ctx.playlist.text
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return
    for number, line in enumerate(ctx.lines.text, start=1):
        if not unicodedata.is_normalized("NFC", line):
            yield Issue("the line is not in Unicode normalization form NFC", line=number,
                        observed=ascii(line[:60]))
            return


@rule("HLS100", "tag-unknown", INFO, scope="line", reference="RFC 8216 6.3.1",
      hint="check the tag's spelling (tags are case-sensitive); clients ignore unknown tags",
      passing=[VOD + "#EXT-X-CUE-OUT:30\n" + SEGMENT + END],
      failing=[VOD + SEGMENT + "#EXT-X-ENDLISTX\n", VOD + SEGMENT + "#ext-x-endlist\n",
               VOD + "#EXT-X-MY-VENDOR-TAG:1\n" + SEGMENT + END])
def tag_unknown(ctx: PlaylistContext) -> Iterator[Issue]:
    """A tag that is neither in RFC 8216bis nor a known extension. Clients ignore it, so
    a misspelt standard tag (EXT-X-ENDLISTX, a lower-case name) silently does nothing: that
    case is a warning."""
    for number, text in ctx.lines.lookalikes:
        name = text[1:].partition(":")[0]
        if name.upper() in TAGS:
            yield Issue(f"#{name} is a comment, not a tag (tags are case-sensitive): clients "
                        f"ignore it; write #{name.upper()}", line=number, severity=WARNING,
                        observed=f"#{name}", expected=f"#{name.upper()}")
    for tag in ctx.lines.tags:
        if tag.spec is not None:
            continue
        upper = tag.name.upper()
        if upper in TAGS:
            yield Issue(f"#{tag.name} is not a tag (tags are case-sensitive): clients ignore "
                        f"it; write #{upper}", line=tag.line, severity=WARNING,
                        observed=f"#{tag.name}", expected=f"#{upper}")
            continue
        near = difflib.get_close_matches(upper, list(TAGS), n=1, cutoff=0.85)
        if near:
            yield Issue(f"#{tag.name} is not a tag; did you mean #{near[0]}? Clients ignore "
                        "unknown tags, so it has no effect", line=tag.line, severity=WARNING,
                        observed=f"#{tag.name}", expected=f"#{near[0]}")
        else:
            yield Issue(f"#{tag.name} is not defined by RFC 8216bis: clients ignore it",
                        line=tag.line, observed=f"#{tag.name}")


@rule("HLS101", "tag-value-invalid", ERROR, scope="line", reference="RFC 8216 4.3",
      hint="write the value in the form the tag's section defines",
      passing=[VOD + SEGMENT + END],
      failing=[VOD.replace("TARGETDURATION:10", "TARGETDURATION:10.5") + SEGMENT + END,
               VOD.replace("PLAYLIST-TYPE:VOD", "PLAYLIST-TYPE:LIVE") + SEGMENT + END,
               VOD + "#EXT-X-MEDIA-SEQUENCE:-1\n" + SEGMENT + END,
               VOD + SEGMENT + "#EXT-X-ENDLIST:YES\n",
               VOD + "#EXT-X-PROGRAM-DATE-TIME:yesterday\n" + SEGMENT + END])
def tag_value_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A tag whose value does not have the form its definition gives: a decimal-integer
    target duration or sequence number, EVENT or VOD, no value at all for EXT-X-ENDLIST, an
    ISO 8601 date. Clients must reject such a playlist."""
    for tag in ctx.lines.tags:
        spec = tag.spec
        if spec is None or spec.form in (Form.EXTINF, Form.ANY):
            continue
        if spec.form is Form.ATTRIBUTES:
            if tag.value is None or not tag.value.strip():
                yield Issue(f"#{tag.name} needs an attribute list", line=tag.line)
            continue
        problem = tag_value_problem(spec, tag.value)
        if problem:
            yield Issue(f"#{tag.name} {problem}", line=tag.line,
                        observed=tag.value, expected=spec.form.value)


@rule("HLS102", "attribute-list-malformed", ERROR, scope="line", reference="RFC 8216 4.2",
      hint="write NAME=VALUE pairs separated by commas, names in upper case, no spaces",
      passing=[VOD + '#EXT-X-KEY:METHOD=AES-128,URI="k.key"\n' + SEGMENT + END],
      failing=[VOD + '#EXT-X-KEY:METHOD=AES-128,URI="k.key\n' + SEGMENT + END,
               VOD + '#EXT-X-KEY:method=AES-128,uri="k.key"\n' + SEGMENT + END,
               VOD + '#EXT-X-KEY:METHOD=AES-128,,URI="k.key"\n' + SEGMENT + END])
def attribute_list_malformed(ctx: PlaylistContext) -> Iterator[Issue]:
    """An attribute list that is not comma-separated NAME=VALUE pairs with upper-case names:
    an unterminated quoted string, an empty item, a lower-case name. Clients must fail to
    parse the playlist."""
    for tag in _attribute_tags(ctx):
        for problem in tag.attrs.problems:
            if not problem.startswith("white space"):
                yield Issue(f"#{tag.name}: {problem}", line=tag.line,
                            reference=cited(tag, syntax=True))


@rule("HLS114", "attribute-list-whitespace", ERROR, scope="line", reference="RFC 8216 4.2",
      hint="remove the spaces: NAME=VALUE pairs are separated by a comma alone",
      passing=[VOD + '#EXT-X-KEY:METHOD=AES-128,URI="k k.key"\n' + SEGMENT + END],
      failing=[VOD + '#EXT-X-KEY:METHOD=AES-128, URI="k.key"\n' + SEGMENT + END,
               MASTER + "#EXT-X-STREAM-INF:BANDWIDTH = 1000\nv.m3u8\n"])
def attribute_list_whitespace(ctx: PlaylistContext) -> Iterator[Issue]:
    """White space between the pairs of an attribute list, or around '=': an attribute list
    has none (RFC 8216 4.2), and playlists that break this syntax are invalid. Many clients
    cope; some take the space into the attribute's name. Space inside a quoted value is
    fine."""
    for tag in _attribute_tags(ctx):
        for problem in tag.attrs.problems:
            if problem.startswith("white space"):
                yield Issue(f"#{tag.name}: {problem}", line=tag.line,
                            reference=cited(tag, syntax=True))


@rule("HLS103", "attribute-duplicate", ERROR, scope="line", reference="RFC 8216 4.2",
      hint="keep one of the two values",
      passing=[MASTER + "#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n"],
      failing=[MASTER + "#EXT-X-STREAM-INF:BANDWIDTH=1000,BANDWIDTH=2000\nv.m3u8\n"])
def attribute_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
    """The same attribute twice in one attribute list; clients should refuse the playlist."""
    for tag in _attribute_tags(ctx):
        for name in tag.attrs.duplicates():
            yield Issue(f"#{tag.name} has {name} more than once", line=tag.line,
                        reference=cited(tag, syntax=True))


@rule("HLS104", "attribute-missing", ERROR, scope="line", reference="RFC 8216 4.3",
      hint="add the attribute the tag's section marks REQUIRED",
      passing=[MASTER + '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="English",URI="a.m3u8"\n'
               '#EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO="a"\nv.m3u8\n'],
      failing=[MASTER + '#EXT-X-MEDIA:TYPE=AUDIO,NAME="English",URI="a.m3u8"\n'
               "#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n",
               MASTER + '#EXT-X-STREAM-INF:CODECS="avc1.64001f"\nv.m3u8\n',
               VOD + "#EXT-X-MAP:BYTERANGE=\"720@0\"\n" + SEGMENT + END])
def attribute_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """A tag without an attribute its definition requires: BANDWIDTH on EXT-X-STREAM-INF,
    TYPE, GROUP-ID and NAME on EXT-X-MEDIA, URI on EXT-X-MAP, METHOD on EXT-X-KEY..."""
    for tag in _attribute_tags(ctx):
        spec = tag.spec
        assert spec is not None
        for name, attribute in spec.attributes.items():
            if attribute.required and name not in tag.attrs:
                yield Issue(f"#{tag.name} lacks the required attribute {name}", line=tag.line,
                            expected=name, reference=cited(tag))


@rule("HLS105", "attribute-value-invalid", ERROR, scope="line", reference="RFC 8216 4.2",
      hint="write the value with the type the attribute's definition gives: numbers and "
           "enumerated values unquoted, strings in double quotes",
      passing=[MASTER + '#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=640x360,'
               'CODECS="avc1.64001f,mp4a.40.2"\nv.m3u8\n'],
      failing=[MASTER + '#EXT-X-STREAM-INF:BANDWIDTH="1000"\nv.m3u8\n',
               MASTER + "#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=640*360\nv.m3u8\n",
               MASTER + '#EXT-X-MEDIA:TYPE=audio,GROUP-ID="a",NAME="en"\n'
               '#EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO="a"\nv.m3u8\n',
               VOD + '#EXT-X-KEY:METHOD=AES-128,URI="k.key",IV=1234\n' + SEGMENT + END])
def attribute_value_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """An attribute value of the wrong type: a quoted number, an unquoted string, an
    enumerated value outside its set, a resolution not written WIDTHxHEIGHT, an IV that is
    not hexadecimal."""
    for tag in _attribute_tags(ctx):
        spec = tag.spec
        assert spec is not None
        for item in tag.attrs.items:
            if "{$" in item.raw:
                continue  # substituted by the client (RFC 8216bis 4.3): not judged as written
            attribute = spec.attributes.get(item.name)
            severity = None
            if attribute is not None:
                problem = value_problem(item, attribute.kind, attribute.allowed,
                                        attribute.empty_ok)
                expected = attribute.kind.value
                if (problem and attribute.extensible
                        and value_problem(item, attribute.kind) is None):
                    severity = WARNING  # a value a later version may define: clients skip it
                    problem += "; clients skip the tag"
            elif spec.client_attributes and item.name.startswith("X-"):
                problem, expected = value_problem(item, Kind.CLIENT), Kind.CLIENT.value
                if item.quoted:
                    problem = None
            else:
                continue
            if problem:
                yield Issue(f"#{tag.name} {item.name} {problem}", line=tag.line,
                            observed=item.raw, expected=expected, severity=severity,
                            reference=cited(tag))


@rule("HLS106", "attribute-unknown", INFO, scope="line", reference="RFC 8216 6.3.1",
      hint="check the attribute's spelling; clients ignore attributes they do not know",
      passing=[MASTER + "#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n"],
      failing=[MASTER + "#EXT-X-STREAM-INF:BANDWIDTH=1000,BANDWITH=900\nv.m3u8\n"])
def attribute_unknown(ctx: PlaylistContext) -> Iterator[Issue]:
    """An attribute the tag does not define. Clients ignore it, so a misspelt attribute
    silently does nothing."""
    for tag in _attribute_tags(ctx):
        spec = tag.spec
        assert spec is not None
        if spec.category is Category.EXTENSION:
            continue
        for item in tag.attrs.items:
            name = item.name
            if name in spec.attributes or (spec.client_attributes and name.startswith("X-")):
                continue
            if not is_attribute_name(name):
                continue  # not a name at all: attribute-list-malformed says so
            near = difflib.get_close_matches(name, list(spec.attributes), n=1, cutoff=0.8)
            guess = f" (did you mean {near[0]}?)" if near else ""
            yield Issue(f"#{tag.name} does not define {name}{guess}; clients ignore it",
                        line=tag.line, observed=name)


@rule("HLS107", "line-whitespace", ERROR, scope="line", reference="RFC 8216 4.1",
      hint="remove the spaces or tabs before and after the line's content",
      passing=[VOD + SEGMENT + END, VOD + "# made by the packager  \n" + SEGMENT + END],
      failing=[VOD + "#EXTINF:9.009,\nsegment0.ts  \n" + END,
               VOD + "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z \n" + SEGMENT + END])
def line_whitespace(ctx: PlaylistContext) -> Iterator[Issue]:
    """White space before or after a line's content. RFC 8216 4.1 forbids it, which makes
    the playlist invalid; most clients strip it, some take it into a URI. The end of an
    EXTINF title and of a comment is free text, and may be white space."""
    for number in ctx.lines.padded[:20]:
        yield Issue("white space before or after the line's content", line=number,
                    observed=repr(ctx.lines.text[number - 1][:60]))
