"""Rules about variables (RFC 8216bis 4.3, 4.4.2.3, 6.3.1): EXT-X-DEFINE and the {$name}
references it serves.

Every one of these faults makes clients fail to parse the playlist: a variable is
substituted before anything else is read, so an undefined one leaves no valid URI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hlsinspect import limits
from hlsinspect.checks.context import PlaylistContext, TitleContext
from hlsinspect.checks.media_support import media, title
from hlsinspect.checks.registry import ERROR, Issue, rule
from hlsinspect.playlists import substituted_length
from hlsinspect.syntax.lines import Tag, UriLine

DECLARING = ("NAME", "IMPORT", "QUERYPARAM")
_NAME = re.compile(r"[A-Za-z0-9_-]+")
_REFERENCE = re.compile(r"\{\$([A-Za-z0-9_-]+)\}")
MASTER = "#EXTM3U\n#EXT-X-VERSION:8\n{}#EXT-X-STREAM-INF:BANDWIDTH=1000\n{}v.m3u8\n"


def define(attrs: str) -> str:
    return f"#EXT-X-DEFINE:{attrs}\n"


def declared(tag: Tag) -> str | None:
    """The variable name an EXT-X-DEFINE declares (by NAME, IMPORT or QUERYPARAM)."""
    return next((v for v in (tag.attr(a) for a in DECLARING) if v is not None), None)


def _problems(tag: Tag) -> Iterator[str]:
    present = [a for a in DECLARING if a in tag.attrs]
    if len(present) != 1:
        found = " and ".join(present) or "none of them"
        yield f"has {found}: it needs exactly one of NAME, IMPORT and QUERYPARAM"
    if "NAME" in tag.attrs and "VALUE" not in tag.attrs:
        yield "has NAME without VALUE"
    for attribute in present:
        value = tag.attr(attribute) or ""
        if value and not _NAME.fullmatch(value):
            yield f"{attribute} {value!r} holds characters other than a-z, A-Z, 0-9, '-', '_'"


@rule("HLS400", "define-invalid", ERROR, scope="line", reference="RFC 8216bis 4.4.2.3",
      hint='write #EXT-X-DEFINE:NAME="name",VALUE="value" (or IMPORT="name", or '
           'QUERYPARAM="name"), with names of letters, digits, "-" and "_"',
      passing=[MASTER.format(define('NAME="token",VALUE=""'), "")],
      failing=[MASTER.format(define('NAME="token"'), ""),
               MASTER.format(define('NAME="a",VALUE="1",QUERYPARAM="a"'), ""),
               MASTER.format(define('NAME="my token",VALUE="1"'), ""),
               MASTER.format(define('VALUE="1"'), "")])
def define_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-DEFINE without exactly one of NAME, IMPORT and QUERYPARAM, with NAME but no
    VALUE, or with a variable name outside [a-zA-Z0-9_-]."""
    for tag in ctx.tags("EXT-X-DEFINE"):
        for problem in _problems(tag):
            yield Issue(f"EXT-X-DEFINE {problem}", line=tag.line)


@rule("HLS401", "define-duplicate", ERROR, scope="line", reference="RFC 8216bis 4.4.2.3",
      hint="define each variable once per playlist",
      passing=[MASTER.format(define('NAME="a",VALUE="1"') + define('NAME="b",VALUE="1"'), "")],
      failing=[MASTER.format(define('NAME="a",VALUE="1"') + define('QUERYPARAM="a"'), "")])
def define_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
    """Two EXT-X-DEFINE tags for the same variable name (names are case-sensitive)."""
    first: dict[str, int] = {}
    for tag in ctx.tags("EXT-X-DEFINE"):
        name = declared(tag)
        if name is None:
            continue
        if name in first:
            yield Issue(f"variable {name!r} is defined again (first on line {first[name]})",
                        line=tag.line, observed=name)
        first.setdefault(name, tag.line)


@rule("HLS402", "define-import-in-multivariant", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.2.3",
      hint="define the variable with NAME and VALUE here; IMPORT belongs in media playlists",
      passing=[MASTER.format(define('NAME="a",VALUE="1"'), "")],
      failing=[MASTER.format(define('IMPORT="a"'), "")])
def define_import_in_multivariant(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-DEFINE with IMPORT in a multivariant playlist: there is nothing above it to
    import from."""
    for tag in ctx.tags("EXT-X-DEFINE"):
        if "IMPORT" in tag.attrs:
            yield Issue("EXT-X-DEFINE IMPORT in a multivariant playlist", line=tag.line)


def _references(tag: Tag) -> Iterator[str]:
    """Variable names referenced where substitution happens: quoted-string and
    hexadecimal-sequence values."""
    if not tag.has_attributes or not tag.value or "{$" not in tag.value:
        return
    for item in tag.attrs.items:
        if item.quoted or item.raw.lower().startswith("0x"):
            yield from _REFERENCE.findall(item.raw)


@rule("HLS403", "variable-undefined", ERROR, scope="line", reference="RFC 8216bis 4.3, 6.3.1",
      hint='add #EXT-X-DEFINE:NAME="<name>",VALUE="..." above the first use',
      passing=[MASTER.format(define('NAME="host",VALUE="cdn.example.com"'), "")
               .replace("v.m3u8", "https://{$host}/v.m3u8"),
               media(head=define('NAME="token",VALUE="abc"')
                     + '#EXT-X-KEY:METHOD=AES-128,URI="k.key?t={$token}"\n', version=8)],
      failing=[MASTER.format("", "").replace("v.m3u8", "https://{$host}/v.m3u8"),
               media(head='#EXT-X-MAP:URI="{$path}/init.mp4"\n' + define(
                   'NAME="path",VALUE="x"'), version=8, segment="s{n}.m4s")])
def variable_undefined(ctx: PlaylistContext) -> Iterator[Issue]:
    """A {$name} reference in a URI line, a quoted-string or a hexadecimal-sequence with no
    EXT-X-DEFINE for the name above it: clients must fail to parse the playlist."""
    if "{$" not in ctx.playlist.text:
        return  # no reference at all: most playlists, not worth a walk over every line
    known: set[str] = set()
    for entry in ctx.lines.entries:
        names = (_REFERENCE.findall(entry.uri) if isinstance(entry, UriLine)
                 else list(_references(entry)))
        for name in dict.fromkeys(names):
            if name not in known:
                yield Issue(f"{{${name}}} is used but no EXT-X-DEFINE above defines {name!r}",
                            line=entry.line, observed=f"{{${name}}}")
        if isinstance(entry, Tag) and entry.name == "EXT-X-DEFINE":
            known.add(declared(entry) or "")


_LONG = "a" * 5000


@rule("HLS037", "value-out-of-range", ERROR, scope="line", reference="RFC 8216bis 4.3",
      hint="keep URIs short: a VALUE is text substituted as it is, every time it is used",
      passing=[media(head=define('NAME="path",VALUE="x"'), version=8,
                     segment="{{$path}}/s{n}.ts")],
      failing=[media(head=define(f'NAME="path",VALUE="{_LONG}"'), version=8,
                     segment="{{$path}}/{{$path}}/s{n}.ts")])
def value_out_of_range(ctx: PlaylistContext) -> Iterator[Issue]:
    """A URI that EXT-X-DEFINE substitution makes longer than hlsinspect's bound (8 KiB;
    origins refuse longer URLs, S3 keys stop at 1,024 bytes): it is neither built nor
    followed, so a 1 MB VALUE referenced a hundred times costs nothing."""
    if "{$" not in ctx.playlist.text:
        return
    values = ctx.playlist.variables()
    for entry in ctx.lines.entries:
        texts = ([entry.uri] if isinstance(entry, UriLine) else
                 [item.raw[1:-1] for item in entry.attrs.items if item.quoted]
                 if entry.has_attributes and entry.value and "{$" in entry.value else [])
        for text in texts:
            length = substituted_length(text, values) if "{$" in text else 0
            if length > limits.MAX_URI_LENGTH:
                yield Issue(f"its variables substituted, a URI would be {length:,} characters "
                            f"long, more than {limits.MAX_URI_LENGTH:,}: not followed",
                            line=entry.line, observed=f"{length:,} characters",
                            expected=f"at most {limits.MAX_URI_LENGTH:,}")


def _imports_title(master_define: str) -> dict[str, str | bytes]:
    master = MASTER.format(master_define, "").replace("v.m3u8", "v/index.m3u8")
    if "QUERYPARAM" in master_define:
        master = master.replace("VERSION:8", "VERSION:11")
    return title(master,
                 {"v/index.m3u8": media(head=define('IMPORT="token"'), version=8)})


@rule("HLS404", "define-import-unmatched", ERROR, scope="title",
      reference="RFC 8216bis 4.4.2.3",
      hint="define the variable in the multivariant playlist, or drop the IMPORT",
      passing=[_imports_title(define('NAME="token",VALUE="abc"')),
               _imports_title(define('QUERYPARAM="token"'))],
      failing=[_imports_title(define('NAME="other",VALUE="abc"'))])
def define_import_unmatched(ctx: TitleContext) -> Iterator[Issue]:
    """An EXT-X-DEFINE IMPORT in a media playlist of the title for a name the multivariant
    playlist does not define: clients must fail to parse the media playlist."""
    names = {declared(t) for t in ctx.master.tags("EXT-X-DEFINE") if "IMPORT" not in t.attrs}
    for member in ctx.media:
        assert member.media is not None
        for tag in member.media.lines.all("EXT-X-DEFINE"):
            name = tag.attr("IMPORT")
            if name is not None and name not in names:
                yield Issue(f"EXT-X-DEFINE IMPORT={name!r}, but the multivariant playlist "
                            "defines no such variable", line=tag.line, uri=member.uri,
                            playlist=member.uri, observed=name)
