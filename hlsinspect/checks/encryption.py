"""Rules about encryption (RFC 8216bis 4.4.4.4, 4.4.4.5, 4.4.6.5, 6.2.3): EXT-X-KEY,
EXT-X-SESSION-KEY and the IV an encrypted EXT-X-MAP needs.

A key a player cannot use is a title nobody can watch: these faults show up as decryption
errors on the device, long after the transcode said it succeeded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hlsinspect.checks.context import PlaylistContext, TitleContext
from hlsinspect.checks.media_support import media, resolve_against, same_resource, title
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.syntax.lines import Tag

AES = '#EXT-X-KEY:METHOD=AES-128,URI="k.key"\n'
MAP = '#EXT-X-MAP:URI="init.mp4"\n'
MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n"
_HEX = re.compile(r"0[xX]([0-9A-Fa-f]+)")
_VERSIONS = re.compile(r"[0-9]+(?:/[0-9]+)*")
KEY_TAGS = ("EXT-X-KEY", "EXT-X-SESSION-KEY")


def key_tags(ctx: PlaylistContext) -> list[Tag]:
    """EXT-X-KEY and EXT-X-SESSION-KEY tags, in playlist order."""
    return sorted(ctx.tags("EXT-X-KEY") + ctx.tags("EXT-X-SESSION-KEY"), key=lambda t: t.line)


def method(tag: Tag) -> str:
    return (tag.attr("METHOD") or "").strip()


def _identity(tag: Tag) -> tuple[str, str, str]:
    """METHOD, KEYFORMAT and KEYFORMATVERSIONS with their implicit values filled in."""
    return method(tag), tag.attr("KEYFORMAT") or "identity", tag.attr("KEYFORMATVERSIONS") or "1"


@rule("HLS300", "key-method-none-with-attributes", ERROR, scope="line",
      reference="RFC 8216bis 4.4.4.4",
      hint="write #EXT-X-KEY:METHOD=NONE alone",
      passing=[media(head="#EXT-X-KEY:METHOD=NONE\n")],
      failing=[media(head='#EXT-X-KEY:METHOD=NONE,URI="k.key"\n'),
               media(head="#EXT-X-KEY:METHOD=NONE,IV=0x00000000000000000000000000000001\n")])
def key_method_none_with_attributes(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-KEY with METHOD=NONE that also carries URI, IV, KEYFORMAT or
    KEYFORMATVERSIONS: with NONE, other attributes must not be present."""
    for tag in ctx.tags("EXT-X-KEY"):
        extra = [name for name in tag.attrs.names() if name != "METHOD"]
        if method(tag) == "NONE" and extra:
            yield Issue(f"EXT-X-KEY METHOD=NONE also has {', '.join(extra)}", line=tag.line,
                        observed=", ".join(extra), expected="METHOD only")


@rule("HLS301", "key-uri-missing", ERROR, scope="line", reference="RFC 8216bis 4.4.4.4",
      hint='add URI="<key URI>": players fetch the key from it',
      passing=[media(head=AES), media(head="#EXT-X-KEY:METHOD=NONE\n")],
      failing=[media(head="#EXT-X-KEY:METHOD=AES-128\n"),
               "#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES\n" + MASTER[8:]])
def key_uri_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-KEY or EXT-X-SESSION-KEY whose METHOD is not NONE without URI: the URI is
    required, players have no other way to obtain the key."""
    for tag in key_tags(ctx):
        if method(tag) and method(tag) != "NONE" and "URI" not in tag.attrs:
            yield Issue(f"#{tag.name} METHOD={method(tag)} has no URI", line=tag.line,
                        expected="URI")


@rule("HLS302", "key-iv-invalid", ERROR, scope="line", reference="RFC 8216bis 4.4.4.4, 5.2",
      hint="write the IV as 0x followed by exactly 32 hexadecimal digits (16 bytes)",
      passing=[media(head='#EXT-X-KEY:METHOD=AES-128,URI="k.key",'
                          "IV=0x9c7db8778570d05c3177c349fd9236aa\n")],
      failing=[media(head='#EXT-X-KEY:METHOD=AES-128,URI="k.key",'
                          "IV=0x9c7db8778570d05c3177c349fd9236aa00\n"),
               media(head='#EXT-X-KEY:METHOD=AES-128,URI="k.key",IV=0x1\n')])
def key_iv_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """An IV that is not a 128-bit value: 0x and 32 hexadecimal digits. More digits cannot
    be a 128-bit number (an error); fewer are a warning: the number fits, but players that
    read the IV as 16 bytes reject it or decrypt garbage."""
    for tag in key_tags(ctx):
        match = _HEX.fullmatch((tag.attr("IV") or "").strip())
        if match is None:
            continue  # absent, or not hexadecimal (attribute-value-invalid reports it)
        digits = len(match.group(1))
        if digits != 32:
            yield Issue(f"#{tag.name} IV has {digits} hexadecimal digit{'s' * (digits > 1)}; "
                        "a 128-bit IV has 32",
                        line=tag.line, severity=WARNING if digits < 32 else None,
                        observed=f"{digits} digits", expected="32 digits")


@rule("HLS303", "key-iv-not-allowed", ERROR, scope="line", reference="RFC 8216bis 4.4.4.4",
      hint="remove IV: with this METHOD the IV travels in the media",
      passing=[media(head='#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="k.key"\n', version=7,
                     segment="s{n}.m4s").replace("#EXTINF", MAP + "#EXTINF", 1)],
      failing=[media(head='#EXT-X-KEY:METHOD=AES-256-GCM,URI="k.key",'
                          "IV=0x9c7db8778570d05c3177c349fd9236aa\n"),
               media(head='#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="k.key",'
                          "IV=0x9c7db8778570d05c3177c349fd9236aa\n")])
def key_iv_not_allowed(ctx: PlaylistContext) -> Iterator[Issue]:
    """An IV on a key whose METHOD is SAMPLE-AES-CTR or AES-256-GCM: both forbid it (the IV
    is carried in the encrypted media)."""
    for tag in key_tags(ctx):
        if "IV" in tag.attrs and method(tag) in ("SAMPLE-AES-CTR", "AES-256-GCM"):
            yield Issue(f"#{tag.name} METHOD={method(tag)} must not have an IV", line=tag.line,
                        observed=tag.attr("IV"), expected="no IV")


@rule("HLS304", "keyformatversions-invalid", ERROR, scope="line",
      reference="RFC 8216bis 4.4.4.4",
      hint='write positive integers separated by "/", such as "1" or "1/2/5"',
      passing=[media(head='#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://k",KEYFORMAT='
                          '"com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1/2"\n', version=5)],
      failing=[media(head='#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://k",KEYFORMAT='
                          '"com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1,2"\n', version=5),
               media(head='#EXT-X-KEY:METHOD=AES-128,URI="k.key",KEYFORMATVERSIONS="0"\n',
                     version=5)])
def keyformatversions_invalid(ctx: PlaylistContext) -> Iterator[Issue]:
    """A KEYFORMATVERSIONS that is not one or more positive integers separated by "/"."""
    for tag in key_tags(ctx):
        value = tag.attr("KEYFORMATVERSIONS")
        if value is None or "{$" in value:
            continue
        if not _VERSIONS.fullmatch(value) or any(int(v) == 0 for v in value.split("/")):
            yield Issue(f"#{tag.name} KEYFORMATVERSIONS {value!r} is not positive integers "
                        'separated by "/"', line=tag.line, observed=value, expected='"1", "1/2"')


@rule("HLS305", "key-method-conflict", ERROR, scope="media", reference="RFC 8216bis 6.2.3",
      hint="give every EXT-X-KEY that applies to the same segments the same METHOD",
      passing=[media(head=AES + '#EXT-X-KEY:METHOD=AES-128,URI="k2.key",KEYFORMAT="other"\n',
                     version=5)],
      failing=[media(head=AES + '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="k2.key",'
                                'KEYFORMAT="other"\n', version=5)])
def key_method_conflict(ctx: PlaylistContext) -> Iterator[Issue]:
    """EXT-X-KEY tags with different METHODs applying to the same segment (they differ by
    KEYFORMAT). A segment is encrypted with one METHOD: several keys may offer ways to get
    its key, but they cannot disagree on how it is encrypted. No keyword says so, but one
    of the tags is wrong for certain, so this is an error."""
    reported: set[tuple[int, ...]] = set()
    for segment in ctx.segments:
        methods = {method(key) for key in segment.keys}
        lines = tuple(key.line for key in segment.keys)
        if len(methods) > 1 and lines not in reported:
            reported.add(lines)
            listing = ", ".join(f"{method(k)} (line {k.line})" for k in segment.keys)
            yield Issue(f"segment {segment.uri!r} has keys with different METHODs: {listing}",
                        line=segment.keys[-1].line, uri=ctx.object_uri(segment.uri))


def _keys_at_maps(ctx: PlaylistContext) -> Iterator[tuple[Tag, list[Tag]]]:
    """Each EXT-X-MAP with the EXT-X-KEY tags in effect where it stands (4.4.4.4: a key
    applies until the next key with its KEYFORMAT, or METHOD=NONE)."""
    keys: dict[str, Tag] = {}
    for tag in ctx.lines.tags:
        if tag.name == "EXT-X-KEY":
            if method(tag) == "NONE":
                keys.clear()
            else:
                keys[tag.attr("KEYFORMAT") or "identity"] = tag
        elif tag.name == "EXT-X-MAP":
            yield tag, list(keys.values())


@rule("HLS306", "map-iv-missing", ERROR, scope="media", reference="RFC 8216bis 4.4.4.5",
      hint="add IV=0x<32 hexadecimal digits> to the EXT-X-KEY that applies to the EXT-X-MAP",
      passing=[media(head='#EXT-X-KEY:METHOD=AES-128,URI="k.key",'
                          "IV=0x9c7db8778570d05c3177c349fd9236aa\n" + MAP,
                     version=6, segment="s{n}.m4s"),
               media(head=MAP + AES, version=6, segment="s{n}.m4s")],
      failing=[media(head=AES + MAP, version=6, segment="s{n}.m4s")])
def map_iv_missing(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-MAP in the scope of an AES-128 EXT-X-KEY without IV. The initialization
    section is then encrypted too, and it has no Media Sequence Number to stand in for the
    IV: the IV is required."""
    for tag, keys in _keys_at_maps(ctx):
        for key in keys:
            if method(key) == "AES-128" and "IV" not in key.attrs:
                yield Issue(f"EXT-X-MAP is encrypted by the AES-128 EXT-X-KEY on line "
                            f"{key.line}, which has no IV", line=tag.line,
                            uri=ctx.object_uri(tag.attr("URI") or ""))


@rule("HLS307", "session-key-method-none", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.5",
      hint="remove the EXT-X-SESSION-KEY: an unencrypted title has no session key",
      passing=[MASTER],
      failing=["#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=NONE\n" + MASTER[8:]])
def session_key_method_none(ctx: PlaylistContext) -> Iterator[Issue]:
    """An EXT-X-SESSION-KEY with METHOD=NONE, which its definition forbids."""
    for tag in ctx.tags("EXT-X-SESSION-KEY"):
        if method(tag) == "NONE":
            yield Issue("EXT-X-SESSION-KEY has METHOD=NONE", line=tag.line,
                        observed="NONE", expected="AES-128, SAMPLE-AES...")


def _session_identity(tag: Tag) -> tuple[str, ...]:
    iv = (tag.attr("IV") or "").lower()
    return (*_identity(tag), tag.attr("URI") or "", iv)


@rule("HLS308", "session-key-duplicate", ERROR, scope="multivariant",
      reference="RFC 8216bis 4.4.6.5",
      hint="keep one of the identical EXT-X-SESSION-KEY tags",
      passing=['#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=AES-128,URI="a.key"\n'
               '#EXT-X-SESSION-KEY:METHOD=AES-128,URI="b.key"\n' + MASTER[8:]],
      failing=['#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=AES-128,URI="a.key"\n'
               '#EXT-X-SESSION-KEY:METHOD=AES-128,URI="a.key",KEYFORMAT="identity"\n'
               + MASTER[8:]])
def session_key_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
    """Two EXT-X-SESSION-KEY tags with the same METHOD, URI, IV, KEYFORMAT and
    KEYFORMATVERSIONS (an absent KEYFORMAT is "identity", an absent KEYFORMATVERSIONS "1")."""
    first: dict[tuple[str, ...], Tag] = {}
    for tag in ctx.tags("EXT-X-SESSION-KEY"):
        identity = _session_identity(tag)
        if identity in first:
            yield Issue(f"EXT-X-SESSION-KEY repeats the one on line {first[identity].line}",
                        line=tag.line)
        else:
            first[identity] = tag


def _session_title(session: str, key: str) -> dict[str, str | bytes]:
    return title(f"#EXTM3U\n{session}#EXT-X-STREAM-INF:BANDWIDTH=1000\nv/index.m3u8\n",
                 {"v/index.m3u8": media(head=key, version=5)})


@rule("HLS309", "session-key-mismatch", ERROR, scope="title",
      reference="RFC 8216bis 4.4.6.5",
      hint="write the same METHOD, KEYFORMAT and KEYFORMATVERSIONS in the EXT-X-SESSION-KEY "
           "as in the EXT-X-KEY tags with its URI",
      passing=[_session_title('#EXT-X-SESSION-KEY:METHOD=AES-128,URI="keys/k.key"\n',
                              '#EXT-X-KEY:METHOD=AES-128,URI="../keys/k.key"\n')],
      failing=[_session_title('#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="keys/k.key"\n',
                              '#EXT-X-KEY:METHOD=AES-128,URI="../keys/k.key"\n'),
               _session_title('#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd://k1"\n',
                              '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://k1",'
                              'KEYFORMAT="com.apple.streamingkeydelivery"\n')])
def session_key_mismatch(ctx: TitleContext) -> Iterator[Issue]:
    """An EXT-X-SESSION-KEY whose METHOD, KEYFORMAT or KEYFORMATVERSIONS differ from an
    EXT-X-KEY with the same URI in a media playlist of the title: players preload the
    session key and then meet a different one."""
    sessions = ctx.master.tags("EXT-X-SESSION-KEY")
    for session in sessions:
        uri = session.attr("URI")
        if uri is None or method(session) == "NONE":
            continue
        for member in ctx.media:
            assert member.media is not None
            key = next((k for k in member.media.lines.all("EXT-X-KEY") if k.attr("URI")
                        and same_resource(ctx.master.uri, uri, member.uri, str(k.attr("URI")))
                        and _identity(k) != _identity(session)), None)
            if key is not None:
                shown = "/".join(_identity(key))
                yield Issue(f"EXT-X-SESSION-KEY for {uri!r} says {'/'.join(_identity(session))}"
                            f" (METHOD/KEYFORMAT/KEYFORMATVERSIONS); the EXT-X-KEY on line "
                            f"{key.line} of {member.uri} says {shown}", line=session.line,
                            observed="/".join(_identity(session)), expected=shown)


def _shared_keys(ctx: TitleContext) -> dict[tuple[str, ...], tuple[str, list[str]]]:
    """Keys by resolved URI and format: (the URI as first written, the playlists using it)."""
    found: dict[tuple[str, ...], tuple[str, list[str]]] = {}
    for member in ctx.media:
        assert member.media is not None
        for key in member.media.lines.all("EXT-X-KEY"):
            uri = key.attr("URI")
            if uri is None or method(key) == "NONE":
                continue
            ident = (resolve_against(member.uri, uri), *_identity(key))
            users = found.setdefault(ident, (uri, []))[1]
            if member.uri not in users:
                users.append(member.uri)
    return found


@rule("HLS310", "session-key-missing", WARNING, scope="title",
      reference="RFC 8216bis 4.4.6.5",
      hint="add an EXT-X-SESSION-KEY for the key to the multivariant playlist, so players "
           "can fetch it before the first media playlist",
      passing=[_session_title('#EXT-X-SESSION-KEY:METHOD=AES-128,URI="keys/k.key"\n',
                              '#EXT-X-KEY:METHOD=AES-128,URI="../keys/k.key"\n')],
      failing=[title("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\na/index.m3u8\n"
                     "#EXT-X-STREAM-INF:BANDWIDTH=2000\nb/index.m3u8\n",
                     {f"{v}/index.m3u8": media(head='#EXT-X-KEY:METHOD=AES-128,'
                                                    'URI="../keys/k.key"\n') for v in "ab"})])
def session_key_missing(ctx: TitleContext) -> Iterator[Issue]:
    """A key (URI, METHOD and format) used by several media playlists of the title with no
    EXT-X-SESSION-KEY for it in the multivariant playlist: players then wait for a media
    playlist before they can request the key. One finding per key."""
    sessions = ctx.master.tags("EXT-X-SESSION-KEY")
    for (_, *identity), (uri, users) in _shared_keys(ctx).items():
        member = next(m for m in ctx.media if m.uri == users[0])
        if len(users) > 1 and not any(
                s.attr("URI") and same_resource(ctx.master.uri, str(s.attr("URI")),
                                                member.uri, uri) for s in sessions):
            yield Issue(f"the key {uri!r} ({'/'.join(identity)}) is used by {len(users)} media "
                        f"playlists ({', '.join(users[:3])}{'...' if len(users) > 3 else ''}) "
                        "but has no EXT-X-SESSION-KEY")
