"""Every tag of RFC 8216 and draft-pantos-hls-rfc8216bis: where it may stand and what it holds.

One table, so that the reader, the rules and the documentation agree on what a tag is. Tags
outside the RFC that transcoders commonly write (SCTE-35 cue tags, EXT-X-ALLOW-CACHE, image
playlists) are known as extensions: clients ignore them, so hlsinspect does not judge them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from hlsinspect.syntax.attributes import MAX_INTEGER, Kind, as_date_time


class Category(enum.Enum):
    BASIC = "basic"
    """EXTM3U and EXT-X-VERSION: any playlist."""
    SHARED = "shared"
    """Media or multivariant playlist tags (RFC 8216 4.3.5): at most once, either kind."""
    MEDIA = "media"
    """Media playlist tags (4.3.3): at most once, media playlists only."""
    SEGMENT = "segment"
    """Media segment tags (4.3.2): media playlists only."""
    METADATA = "metadata"
    """Media metadata tags (bis 4.4.5): media playlists only."""
    MULTIVARIANT = "multivariant"
    """Multivariant playlist tags (4.3.4): multivariant playlists only."""
    EXTENSION = "extension"
    """Outside the RFC but common; clients ignore what they do not know (6.3.1)."""


class Form(enum.Enum):
    """What follows the tag name."""

    NONE = "nothing"
    INTEGER = "a decimal-integer"
    ENUM = "an enumerated-string"
    EXTINF = "<duration>,[<title>]"
    BYTERANGE = "<n>[@<o>]"
    DATE_TIME = "an ISO 8601 date-time"
    ATTRIBUTES = "an attribute-list"
    ANY = "anything"


@dataclass(frozen=True)
class AttrSpec:
    kind: Kind
    required: bool = False
    allowed: tuple[str, ...] = ()
    empty_ok: bool = False
    extensible: bool = False
    """A value outside `allowed` is one a later version may define: clients skip the tag
    (RFC 8216bis 6.3.8 for EXT-X-PRELOAD-HINT TYPE), nothing breaks."""


@dataclass(frozen=True)
class TagSpec:
    name: str
    category: Category
    form: Form
    reference: str
    allowed: tuple[str, ...] = ()
    """The values of an ENUM form."""
    attributes: Mapping[str, AttrSpec] = field(default_factory=dict)
    client_attributes: bool = False
    """X-<name> attributes are allowed (EXT-X-DATERANGE)."""

    @property
    def once(self) -> bool:
        """At most once per playlist (4.3.1.2, 4.3.3, 4.3.5; bis 4.4.5.2, 4.4.6.6)."""
        return (self.category in (Category.MEDIA, Category.SHARED) and self.name != "EXT-X-DEFINE"
                ) or self.name in ("EXT-X-VERSION", "EXT-X-SKIP", "EXT-X-CONTENT-STEERING")


INT, HEX, FLT, SFLT, QS = Kind.INTEGER, Kind.HEX, Kind.FLOAT, Kind.SIGNED_FLOAT, Kind.QUOTED
ENUM, ENUMS, RES = Kind.ENUM, Kind.ENUM_LIST, Kind.RESOLUTION
YES_NO = ("YES", "NO")
METHODS = ("NONE", "AES-128", "SAMPLE-AES", "SAMPLE-AES-CTR", "AES-256-GCM")
RFC, BIS = "RFC 8216", "RFC 8216bis"

_KEY = {"METHOD": AttrSpec(ENUM, True, METHODS), "URI": AttrSpec(QS), "IV": AttrSpec(HEX),
        "KEYFORMAT": AttrSpec(QS), "KEYFORMATVERSIONS": AttrSpec(QS)}
_VARIANT = {
    "BANDWIDTH": AttrSpec(INT, True), "AVERAGE-BANDWIDTH": AttrSpec(INT), "SCORE": AttrSpec(FLT),
    "CODECS": AttrSpec(QS), "SUPPLEMENTAL-CODECS": AttrSpec(QS), "RESOLUTION": AttrSpec(RES),
    "HDCP-LEVEL": AttrSpec(ENUM, allowed=("TYPE-0", "TYPE-1", "NONE")),
    "ALLOWED-CPC": AttrSpec(QS), "VIDEO-RANGE": AttrSpec(ENUM, allowed=("SDR", "HLG", "PQ")),
    "REQ-VIDEO-LAYOUT": AttrSpec(QS), "STABLE-VARIANT-ID": AttrSpec(QS), "VIDEO": AttrSpec(QS),
    "PATHWAY-ID": AttrSpec(QS), "PROGRAM-ID": AttrSpec(INT),
}

_SPECS = (
    TagSpec("EXTM3U", Category.BASIC, Form.NONE, f"{RFC} 4.3.1.1"),
    TagSpec("EXT-X-VERSION", Category.BASIC, Form.INTEGER, f"{RFC} 4.3.1.2"),
    TagSpec("EXT-X-INDEPENDENT-SEGMENTS", Category.SHARED, Form.NONE, f"{RFC} 4.3.5.1"),
    TagSpec("EXT-X-START", Category.SHARED, Form.ATTRIBUTES, f"{RFC} 4.3.5.2", attributes={
        "TIME-OFFSET": AttrSpec(SFLT, True), "PRECISE": AttrSpec(ENUM, allowed=YES_NO)}),
    TagSpec("EXT-X-DEFINE", Category.SHARED, Form.ATTRIBUTES, f"{BIS} 4.4.2.3", attributes={
        "NAME": AttrSpec(QS), "VALUE": AttrSpec(QS, empty_ok=True), "IMPORT": AttrSpec(QS),
        "QUERYPARAM": AttrSpec(QS)}),
    TagSpec("EXT-X-TARGETDURATION", Category.MEDIA, Form.INTEGER, f"{RFC} 4.3.3.1"),
    TagSpec("EXT-X-MEDIA-SEQUENCE", Category.MEDIA, Form.INTEGER, f"{RFC} 4.3.3.2"),
    TagSpec("EXT-X-DISCONTINUITY-SEQUENCE", Category.MEDIA, Form.INTEGER, f"{RFC} 4.3.3.3"),
    TagSpec("EXT-X-ENDLIST", Category.MEDIA, Form.NONE, f"{RFC} 4.3.3.4"),
    TagSpec("EXT-X-PLAYLIST-TYPE", Category.MEDIA, Form.ENUM, f"{RFC} 4.3.3.5",
            allowed=("EVENT", "VOD")),
    TagSpec("EXT-X-I-FRAMES-ONLY", Category.MEDIA, Form.NONE, f"{RFC} 4.3.3.6"),
    TagSpec("EXT-X-PART-INF", Category.MEDIA, Form.ATTRIBUTES, f"{BIS} 4.4.3.7",
            attributes={"PART-TARGET": AttrSpec(FLT, True)}),
    TagSpec("EXT-X-SERVER-CONTROL", Category.MEDIA, Form.ATTRIBUTES, f"{BIS} 4.4.3.8",
            attributes={"CAN-SKIP-UNTIL": AttrSpec(FLT),
                        "CAN-SKIP-DATERANGES": AttrSpec(ENUM, allowed=("YES",)),
                        "HOLD-BACK": AttrSpec(FLT), "PART-HOLD-BACK": AttrSpec(FLT),
                        "CAN-BLOCK-RELOAD": AttrSpec(ENUM, allowed=("YES",))}),
    TagSpec("EXTINF", Category.SEGMENT, Form.EXTINF, f"{RFC} 4.3.2.1"),
    TagSpec("EXT-X-BYTERANGE", Category.SEGMENT, Form.BYTERANGE, f"{RFC} 4.3.2.2"),
    TagSpec("EXT-X-DISCONTINUITY", Category.SEGMENT, Form.NONE, f"{RFC} 4.3.2.3"),
    TagSpec("EXT-X-KEY", Category.SEGMENT, Form.ATTRIBUTES, f"{RFC} 4.3.2.4", attributes=_KEY),
    TagSpec("EXT-X-MAP", Category.SEGMENT, Form.ATTRIBUTES, f"{RFC} 4.3.2.5",
            attributes={"URI": AttrSpec(QS, True), "BYTERANGE": AttrSpec(QS)}),
    TagSpec("EXT-X-PROGRAM-DATE-TIME", Category.SEGMENT, Form.DATE_TIME, f"{RFC} 4.3.2.6"),
    TagSpec("EXT-X-GAP", Category.SEGMENT, Form.NONE, f"{BIS} 4.4.4.7"),
    TagSpec("EXT-X-BITRATE", Category.SEGMENT, Form.INTEGER, f"{BIS} 4.4.4.8"),
    TagSpec("EXT-X-PART", Category.SEGMENT, Form.ATTRIBUTES, f"{BIS} 4.4.4.9", attributes={
        "URI": AttrSpec(QS, True), "DURATION": AttrSpec(FLT, True),
        "INDEPENDENT": AttrSpec(ENUM, allowed=("YES",)), "BYTERANGE": AttrSpec(QS),
        "GAP": AttrSpec(ENUM, allowed=("YES",))}),
    TagSpec("EXT-X-DATERANGE", Category.METADATA, Form.ATTRIBUTES, f"{RFC} 4.3.2.7",
            client_attributes=True, attributes={
                "ID": AttrSpec(QS, True), "CLASS": AttrSpec(QS), "START-DATE": AttrSpec(QS),
                "CUE": AttrSpec(ENUMS), "END-DATE": AttrSpec(QS), "DURATION": AttrSpec(FLT),
                "PLANNED-DURATION": AttrSpec(FLT), "SCTE35-CMD": AttrSpec(HEX),
                "SCTE35-OUT": AttrSpec(HEX), "SCTE35-IN": AttrSpec(HEX),
                "END-ON-NEXT": AttrSpec(ENUM, allowed=("YES",))}),
    TagSpec("EXT-X-SKIP", Category.METADATA, Form.ATTRIBUTES, f"{BIS} 4.4.5.2", attributes={
        "SKIPPED-SEGMENTS": AttrSpec(INT, True),
        "RECENTLY-REMOVED-DATERANGES": AttrSpec(QS, empty_ok=True)}),
    TagSpec("EXT-X-PRELOAD-HINT", Category.METADATA, Form.ATTRIBUTES, f"{BIS} 4.4.5.3",
            attributes={"TYPE": AttrSpec(ENUM, True, ("PART", "MAP"), extensible=True),
                        "URI": AttrSpec(QS, True),
                        "BYTERANGE-START": AttrSpec(INT), "BYTERANGE-LENGTH": AttrSpec(INT)}),
    TagSpec("EXT-X-RENDITION-REPORT", Category.METADATA, Form.ATTRIBUTES, f"{BIS} 4.4.5.4",
            attributes={"URI": AttrSpec(QS, True), "LAST-MSN": AttrSpec(INT),
                        "LAST-PART": AttrSpec(INT)}),
    TagSpec("EXT-X-MEDIA", Category.MULTIVARIANT, Form.ATTRIBUTES, f"{RFC} 4.3.4.1",
            attributes={
                "TYPE": AttrSpec(ENUM, True, ("AUDIO", "VIDEO", "SUBTITLES", "CLOSED-CAPTIONS")),
                "URI": AttrSpec(QS), "GROUP-ID": AttrSpec(QS, True), "LANGUAGE": AttrSpec(QS),
                "ASSOC-LANGUAGE": AttrSpec(QS), "NAME": AttrSpec(QS, True),
                "STABLE-RENDITION-ID": AttrSpec(QS), "DEFAULT": AttrSpec(ENUM, allowed=YES_NO),
                "AUTOSELECT": AttrSpec(ENUM, allowed=YES_NO),
                "FORCED": AttrSpec(ENUM, allowed=YES_NO), "INSTREAM-ID": AttrSpec(QS),
                "BIT-DEPTH": AttrSpec(INT), "SAMPLE-RATE": AttrSpec(INT),
                "CHARACTERISTICS": AttrSpec(QS), "CHANNELS": AttrSpec(QS)}),
    TagSpec("EXT-X-STREAM-INF", Category.MULTIVARIANT, Form.ATTRIBUTES, f"{RFC} 4.3.4.2",
            attributes={**_VARIANT, "FRAME-RATE": AttrSpec(FLT), "AUDIO": AttrSpec(QS),
                        "SUBTITLES": AttrSpec(QS),
                        "CLOSED-CAPTIONS": AttrSpec(Kind.QUOTED_OR_ENUM, allowed=("NONE",))}),
    TagSpec("EXT-X-I-FRAME-STREAM-INF", Category.MULTIVARIANT, Form.ATTRIBUTES,
            f"{RFC} 4.3.4.3", attributes={**_VARIANT, "URI": AttrSpec(QS, True)}),
    TagSpec("EXT-X-SESSION-DATA", Category.MULTIVARIANT, Form.ATTRIBUTES, f"{RFC} 4.3.4.4",
            attributes={"DATA-ID": AttrSpec(QS, True), "VALUE": AttrSpec(QS),
                        "URI": AttrSpec(QS), "FORMAT": AttrSpec(ENUM, allowed=("JSON", "RAW")),
                        "LANGUAGE": AttrSpec(QS)}),
    TagSpec("EXT-X-SESSION-KEY", Category.MULTIVARIANT, Form.ATTRIBUTES, f"{RFC} 4.3.4.5",
            attributes=_KEY),
    TagSpec("EXT-X-CONTENT-STEERING", Category.MULTIVARIANT, Form.ATTRIBUTES, f"{BIS} 4.4.6.6",
            attributes={"SERVER-URI": AttrSpec(QS, True), "PATHWAY-ID": AttrSpec(QS)}),
    # widely written, outside the RFC (clients ignore unknown tags, RFC 8216 6.3.1)
    TagSpec("EXT-X-ALLOW-CACHE", Category.EXTENSION, Form.ANY, f"{RFC} 7"),
    *(TagSpec(name, Category.EXTENSION, Form.ANY, "-") for name in (
        "EXT-X-CUE-OUT", "EXT-X-CUE-OUT-CONT", "EXT-X-CUE-IN", "EXT-X-CUE-SPAN", "EXT-X-CUE",
        "EXT-OATCLS-SCTE35", "EXT-X-ASSET", "EXT-X-SCTE35", "EXT-X-SPLICEPOINT-SCTE35",
        "EXT-X-IMAGE-STREAM-INF", "EXT-X-IMAGES-ONLY", "EXT-X-TILES", "EXT-X-BITRATE-INF")),
)
del INT, HEX, FLT, SFLT, QS, ENUM, ENUMS, RES

TAGS: dict[str, TagSpec] = {spec.name: spec for spec in _SPECS}
"""Every known tag by name (without the '#')."""

MEDIA_SIDE = (Category.MEDIA, Category.SEGMENT, Category.METADATA)
_BYTERANGE = re.compile(r"([0-9]{1,20})(?:@([0-9]{1,20}))?")


def extinf_parts(value: str | None) -> tuple[str, str | None]:
    """(duration text, title or None when there is no comma) of an EXTINF value."""
    duration, comma, title = (value or "").partition(",")
    return duration.strip(), title if comma else None


def parse_byterange(text: str | None) -> tuple[int, int | None] | None:
    """`n[@o]` as (length, offset or None); None unless both are decimal-integers."""
    match = _BYTERANGE.fullmatch(text.strip()) if text is not None else None
    if match is None:
        return None
    length = int(match.group(1))
    offset = int(match.group(2)) if match.group(2) is not None else None
    if length > MAX_INTEGER or (offset is not None and offset > MAX_INTEGER):
        return None
    return length, offset


def value_problem(spec: TagSpec, value: str | None) -> str | None:
    """Why the text after the tag name does not fit the tag's form, or None.

    Attribute lists are judged attribute by attribute elsewhere; here only their presence.
    """
    form = spec.form
    if form is Form.ANY:
        return None
    if form is Form.NONE:
        return None if value is None else f"takes no value, found ':{value[:40]}'"
    if value is None or not value.strip():
        return f"needs {form.value}"
    text = value.strip()
    if form is Form.INTEGER:
        if not text.isdigit() or not text.isascii() or int(text) > MAX_INTEGER:
            return f"must be a decimal-integer, found {text[:40]!r}"
    elif form is Form.ENUM:
        if text not in spec.allowed:
            return f"must be {' or '.join(spec.allowed)}, found {text[:40]!r}"
    elif form is Form.BYTERANGE:
        if parse_byterange(text) is None:
            return f"must be <length>[@<offset>] in decimal-integers, found {text[:40]!r}"
    elif form is Form.DATE_TIME and as_date_time(text) is None:
        return f"must be an ISO 8601 date-time (YYYY-MM-DDThh:mm:ss.SSSZ), found {text[:40]!r}"
    return None
