"""Every rule hlsinspect applies, with its stable code, name, severity and reference.

Codes and names are a contract: scripts filter on them, so a rule is never renumbered or
renamed. Rules are data here; the functions that apply them live beside this module and
create findings through `make_finding`, so severity and code come from one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from hlsinspect.report import Finding, Severity


@dataclass(frozen=True)
class Rule:
    """Metadata of one check, as `hlsinspect rules` lists it."""

    code: str
    name: str
    severity: Severity
    summary: str
    reference: str


ERR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_RULES = (
    Rule("HLS001", "playlist-parse-error", ERR,
         "Not a valid playlist: undecodable UTF-8, a BOM or control character, no #EXTM3U "
         "first line, or a line the parser rejects.", "RFC 8216 4.1, 4.3.1.1"),
    Rule("HLS002", "playlist-empty", ERR,
         "A media playlist without any media segment.", "RFC 8216 4.3.3"),
    Rule("HLS003", "target-duration-missing", ERR,
         "A media playlist without EXT-X-TARGETDURATION.", "RFC 8216 4.3.3.1"),
    Rule("HLS004", "extinf-exceeds-target-duration", ERR,
         "An EXTINF duration, rounded to the nearest integer, exceeds EXT-X-TARGETDURATION.",
         "RFC 8216 4.3.3.1"),
    Rule("HLS005", "endlist-missing", WARN,
         "No EXT-X-ENDLIST: the playlist is still live or the transcode stopped early "
         "(an error for PLAYLIST-TYPE:VOD).", "RFC 8216 4.3.3.4, 6.2.1"),
    Rule("HLS006", "extinf-missing", ERR,
         "A media segment without EXTINF, or a URI line that no EXTINF precedes (players "
         "skip it).", "RFC 8216 4.3.2.1"),
    Rule("HLS010", "segment-missing", ERR,
         "A media segment's object does not exist (the store answered 404).", "RFC 8216 4.3.2"),
    Rule("HLS011", "segment-empty", ERR,
         "A segment or init segment object is 0 bytes long.", "RFC 8216 3"),
    Rule("HLS012", "init-segment-missing", ERR,
         "The object named by EXT-X-MAP does not exist.", "RFC 8216 4.3.2.5"),
    Rule("HLS013", "key-missing", ERR,
         "The key file named by EXT-X-KEY does not exist in the store.", "RFC 8216 4.3.2.4"),
    Rule("HLS014", "byterange-out-of-bounds", ERR,
         "An EXT-X-BYTERANGE (offset + length) reaches past the end of its object.",
         "RFC 8216 4.3.2.2"),
    Rule("HLS015", "object-unverified", ERR,
         "Whether a referenced object exists could not be established (403 without "
         "s3:ListBucket, throttling or timeouts after retries).", "RFC 8216 4.3.2"),
    Rule("HLS016", "byterange-invalid", ERR,
         "An EXT-X-BYTERANGE without offset that does not follow a sub-range of the same "
         "resource.", "RFC 8216 4.3.2.2"),
    Rule("HLS017", "part-missing", ERR,
         "A partial segment (EXT-X-PART) object does not exist.", "RFC 8216bis 4.4.4.9"),
    Rule("HLS018", "preload-hint-missing", INFO,
         "The object named by EXT-X-PRELOAD-HINT does not exist yet (normal while live).",
         "RFC 8216bis 4.4.5.3"),
    Rule("HLS020", "playlist-missing", ERR,
         "A playlist referenced by a multivariant playlist does not exist.", "RFC 8216 4.3.4.2"),
    Rule("HLS021", "playlist-unreadable", ERR,
         "A referenced playlist exists but could not be read (403, too large, throttled).",
         "RFC 8216 4.3.4.2"),
    Rule("HLS022", "playlist-loop", ERR,
         "A multivariant playlist references itself or another multivariant playlist that "
         "leads back to it.", "RFC 8216 4.3.4.2"),
    Rule("HLS023", "target-not-inspected", ERR,
         "One of several targets could not be inspected at all (no such bucket, no playlist "
         "under the prefix, access denied); the others were.", "-"),
    Rule("HLS024", "multivariant-nested", ERR,
         "A multivariant playlist references another multivariant playlist where a media "
         "playlist must stand.", "RFC 8216 4.3.4.2"),
    Rule("HLS030", "uri-escapes-root", ERR,
         "A relative URI climbs above the bucket (or local root) with '..'.", "RFC 3986 5.2.4"),
    Rule("HLS031", "external-uri-not-checked", INFO,
         "A URI on another host, bucket or scheme (skd://, data:) was not fetched.",
         "RFC 8216 4.1"),
    Rule("HLS032", "uri-invalid", ERR,
         "A URI that cannot name an object (a NUL character).", "RFC 3986 2"),
    Rule("HLS040", "variant-duration-mismatch", ERR,
         "Media playlists of one multivariant playlist differ in total duration by more than "
         "one target duration (a truncated rendition).", "RFC 8216 6.2.4; Apple HLS 8.22"),
    Rule("HLS041", "target-duration-mismatch", ERR,
         "Media playlists of one title have different target durations (subtitles and VOD "
         "I-frame playlists excepted).", "RFC 8216 6.2.4; Apple HLS 8.2"),
    Rule("HLS042", "playlist-type-mismatch", ERR,
         "EXT-X-PLAYLIST-TYPE is on some media playlists of a title and not on others, or "
         "differs.", "RFC 8216 6.2.4"),
    Rule("HLS043", "discontinuity-mismatch", WARN,
         "Media playlists of one title have different numbers of EXT-X-DISCONTINUITY tags "
         "or different EXT-X-DISCONTINUITY-SEQUENCE values.", "RFC 8216 6.2.4; Apple HLS 8.15"),
    Rule("HLS099", "internal-error", ERR,
         "hlsinspect failed while checking this playlist; the rest of the report stands. "
         "Run with --debug and report it.", "-"),
)
del ERR, WARN, INFO

RULES: dict[str, Rule] = {rule.name: rule for rule in _RULES}
"""Rules by name, in code order."""


def make_finding(
    name: str,
    message: str,
    *,
    playlist: str | None,
    uri: str | None = None,
    line: int | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of rule `name`; `severity` overrides the default where a rule says so."""
    rule = RULES[name]
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=severity or rule.severity,
        message=f"{message} ({rule.reference})" if rule.reference != "-" else message,
        playlist=playlist,
        uri=uri,
        line=line,
    )
