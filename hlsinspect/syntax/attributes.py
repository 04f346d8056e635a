"""Attribute lists and attribute values, as RFC 8216bis 4.2 defines them.

The reader keeps what was written (quoted or not, duplicates, stray text) instead of forgiving
it, so that rules can say exactly what is wrong: a quoted BANDWIDTH, an unterminated string,
a lower-case attribute name. Typing a value against its definition is `value_problem`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from hlsinspect import limits


class Kind(enum.Enum):
    """The value types of RFC 8216bis 4.2 (plus the two unions some attributes take)."""

    INTEGER = "decimal-integer"
    HEX = "hexadecimal-sequence"
    FLOAT = "decimal-floating-point"
    SIGNED_FLOAT = "signed-decimal-floating-point"
    QUOTED = "quoted-string"
    ENUM = "enumerated-string"
    ENUM_LIST = "enumerated-string-list"
    RESOLUTION = "decimal-resolution"
    QUOTED_OR_ENUM = "quoted-string or enumerated-string"
    """CLOSED-CAPTIONS: a GROUP-ID in quotes, or NONE unquoted."""
    CLIENT = "quoted-string, hexadecimal-sequence or signed-decimal-floating-point"
    """X-<client> attributes of EXT-X-DATERANGE."""


MAX_INTEGER = 2**64 - 1
MAX_NUMBER = limits.MAX_NUMBER
_NAME = re.compile(r"[A-Z0-9-]+")
_INTEGER = re.compile(r"[0-9]{1,20}")
_HEX = re.compile(r"0[xX][0-9A-Fa-f]+")
_FLOAT = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SIGNED_FLOAT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_RESOLUTION = re.compile(r"([0-9]+)x([0-9]+)")
_ENUM = re.compile(r'[^",\s]+')
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}(?::?\d{2})?)?")


@dataclass(frozen=True, slots=True)
class Attribute:
    """One NAME=VALUE pair as written."""

    name: str
    raw: str
    """The value as written, with its quotes when it has them."""

    @property
    def quoted(self) -> bool:
        return len(self.raw) >= 2 and self.raw[0] == '"' and self.raw[-1] == '"'

    @property
    def value(self) -> str:
        """The value without quotes."""
        return self.raw[1:-1] if self.quoted else self.raw


@dataclass(slots=True)
class AttributeList:
    """The pairs of one attribute list in order, and what kept it from being well formed."""

    items: list[Attribute] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    more: int = 0
    """Problems past `limits.MAX_FINDINGS_PER_ATTRIBUTE`, counted, not listed."""

    def problem(self, message: str) -> None:
        """Record a problem: a list of 2 million empty items is one finding's worth of them,
        not 2 million findings."""
        if len(self.problems) < limits.MAX_FINDINGS_PER_ATTRIBUTE:
            self.problems.append(message)
        else:
            self.more += 1

    def get(self, name: str) -> Attribute | None:
        """The first pair named `name` (a duplicate is a finding of its own)."""
        for item in self.items:
            if item.name == name:
                return item
        return None

    def value(self, name: str) -> str | None:
        item = self.get(name)
        return item.value if item is not None else None

    def __contains__(self, name: object) -> bool:
        return any(item.name == name for item in self.items)

    def names(self) -> list[str]:
        return [item.name for item in self.items]

    def duplicates(self) -> list[str]:
        seen: set[str] = set()
        repeated: dict[str, None] = {}
        for item in self.items:
            if item.name in seen:
                repeated[item.name] = None
            seen.add(item.name)
        return list(repeated)


def parse_attributes(text: str) -> AttributeList:
    """Split an attribute list into pairs; record, never raise on, malformed parts.

    A quoted value runs to the next double quote (quoted strings cannot contain one), so
    commas inside quotes never split a pair. One pass: the next `=` is looked for again only
    once the reading has passed it, so 2 million empty items take linear time.
    """
    result = AttributeList()
    position, end = 0, len(text)
    if not text:
        result.problem("the attribute list is empty")
        return result
    equals = text.find("=")
    while position <= end:
        if 0 <= equals < position:
            equals = text.find("=", position)
        comma = text.find(",", position)
        if equals == -1 or (comma != -1 and comma < equals):
            stop = comma if comma != -1 else end
            piece = text[position:stop]
            result.problem(
                "an empty item (two commas, or a comma at the end)" if not piece.strip()
                else f"{shortened(piece)} is not NAME=VALUE")
            if comma == -1:
                break
            position = comma + 1
            continue
        name = text[position:equals]
        start = equals + 1
        if start < end and text[start] == '"':
            close = text.find('"', start + 1)
            if close == -1:
                result.problem(f"the quoted value of {shortened(name.strip())} is not closed")
                result.items.append(Attribute(name, text[start:]))
                break
            result.items.append(Attribute(name, text[start:close + 1]))
            after = close + 1
            if after < end and text[after] != ",":
                stop = text.find(",", after)
                stop = end if stop == -1 else stop
                result.problem(f"unexpected {shortened(text[after:stop])} after the quoted value "
                               f"of {shortened(name.strip())}")
                after = stop
            if after >= end:
                break
            position = after + 1
            if position == end:
                result.problem("an empty item (two commas, or a comma at the end)")
                break
            continue
        stop = text.find(",", start)
        stop = end if stop == -1 else stop
        result.items.append(Attribute(name, text[start:stop]))
        if stop >= end:
            break
        position = stop + 1
        if position == end:
            result.problem("an empty item (two commas, or a comma at the end)")
            break
    for number, item in enumerate(result.items):
        if item.name != item.name.strip() or item.raw != item.raw.strip():
            result.problem(f"white space around {shortened(item.name.strip())}")
            # reported once here; every other rule sees the pair as meant
            item = result.items[number] = Attribute(item.name.strip(), item.raw.strip())
        if not _NAME.fullmatch(item.name):
            result.problem(
                f"{shortened(item.name)} is not an attribute name (upper-case letters, digits and "
                "'-')")
    if result.more:
        result.problems.append(f"{result.more:,} more problems like these, not listed")
    return result


def shortened(raw: str) -> str:
    """A value as a message quotes it: at most 40 characters and its length."""
    return repr(raw) if len(raw) <= 40 else f"{raw[:20]!r}... ({len(raw)} characters)"


def is_attribute_name(name: str) -> bool:
    """An AttributeName as RFC 8216bis 4.2 allows it: [A-Z], [0-9] and '-'."""
    return _NAME.fullmatch(name) is not None


def value_problem(attribute: Attribute, kind: Kind, allowed: tuple[str, ...] = (),
                  empty_ok: bool = False) -> str | None:
    """Why the value does not fit `kind` (and `allowed`, for enumerations), or None."""
    raw = attribute.raw.strip()
    if kind in (Kind.QUOTED, Kind.ENUM_LIST):
        if not (len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"'):
            return f"must be a quoted-string, found {raw!r}"
        if len(raw) == 2 and not empty_ok:
            return "must not be an empty quoted-string"
        # unrecognised members of a list MUST be ignored by clients (4.2): only the shape counts
        if kind is Kind.ENUM_LIST and not all(_ENUM.fullmatch(v) for v in raw[1:-1].split(",")):
            return f"{raw} is not a comma-separated list of enumerated-strings"
        return None
    if raw.startswith('"'):
        if kind is Kind.QUOTED_OR_ENUM and len(raw) > 2 and raw.endswith('"'):
            return None  # CLOSED-CAPTIONS="group": a quoted GROUP-ID is the usual form
        shown = {Kind.ENUM: "an enumerated-string, unquoted"}.get(kind, f"a {kind.value}")
        return f"must be {shown}, found the quoted-string {raw}"
    if kind is Kind.INTEGER:
        if not _INTEGER.fullmatch(raw) or int(raw) > MAX_INTEGER:
            return f"must be a decimal-integer (0 to 2^64-1), found {raw!r}"
    elif kind is Kind.HEX:
        if not _HEX.fullmatch(raw):
            return f"must be a hexadecimal-sequence (0x...), found {raw!r}"
    elif kind is Kind.FLOAT:
        if not _FLOAT.fullmatch(raw):
            return f"must be a non-negative decimal-floating-point, found {raw!r}"
        if as_float(raw) is None:
            return f"is out of range (more than {MAX_NUMBER:.0e}), found {shortened(raw)}"
    elif kind is Kind.SIGNED_FLOAT:
        if not _SIGNED_FLOAT.fullmatch(raw):
            return f"must be a signed-decimal-floating-point, found {raw!r}"
        if as_float(raw, signed=True) is None:
            return f"is out of range (more than {MAX_NUMBER:.0e}), found {shortened(raw)}"
    elif kind is Kind.RESOLUTION:
        if not _RESOLUTION.fullmatch(raw):
            return f"must be WIDTHxHEIGHT (decimal-resolution), found {raw!r}"
        if as_resolution(raw) is None:
            return f"is out of range (more than 2^64-1 pixels a side), found {shortened(raw)}"
    elif kind in (Kind.ENUM, Kind.QUOTED_OR_ENUM):
        if not _ENUM.fullmatch(raw):
            return f"must be an enumerated-string, found {raw!r}"
        if allowed and raw not in allowed:
            return f"must be one of {', '.join(allowed)}, found {raw}"
    elif kind is Kind.CLIENT and not (
            _HEX.fullmatch(raw) or _SIGNED_FLOAT.fullmatch(raw)):
        return f"must be a quoted-string, hexadecimal-sequence or number, found {raw!r}"
    return None


def as_int(text: str | None) -> int | None:
    """A decimal-integer's value, or None when it is not one."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if _INTEGER.fullmatch(text) and int(text) <= MAX_INTEGER else None


def as_float(text: str | None, signed: bool = False) -> float | None:
    """A decimal-floating-point's value, or None when it is not one."""
    if text is None:
        return None
    text = text.strip()
    pattern = _SIGNED_FLOAT if signed else _FLOAT
    return _in_range(float(text)) if pattern.fullmatch(text) else None


def _in_range(value: float) -> float | None:
    """`value`, or None when it is out of range: 400 nines read as infinity, and a finite
    number of that size becomes infinity in a sum or an error when rounded."""
    return value if abs(value) <= MAX_NUMBER else None


def as_resolution(text: str | None) -> tuple[int, int] | None:
    match = _RESOLUTION.fullmatch(text.strip()) if text is not None else None
    if not match:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    return (width, height) if max(width, height) <= MAX_INTEGER else None


def as_date_time(text: str | None) -> datetime | None:
    """An ISO 8601 date-time as HLS writes it (YYYY-MM-DDThh:mm:ss[.SSS][zone]), else None.

    A missing zone is UTC, as RFC 8216bis 4.4.4.6 tells clients to assume.
    """
    match = _DATE_TIME.fullmatch(text.strip()) if text is not None else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    try:
        moment = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=timezone.utc)
        if fraction:
            moment += timedelta(seconds=float(fraction))
        if zone and zone not in ("Z", "z"):
            sign = 1 if zone[0] == "+" else -1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            moment -= sign * offset
    except (ValueError, OverflowError):  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        return None
    return moment


def later(moment: datetime, seconds: float) -> datetime | None:
    """`moment` plus `seconds`, or None when that leaves the calendar (year 1 to 9999)."""
    try:
        return moment + timedelta(seconds=seconds)
    except (OverflowError, ValueError):
        return None


def date_time_zone_missing(text: str) -> bool:
    match = _DATE_TIME.fullmatch(text.strip())
    return match is not None and match.group(8) is None
