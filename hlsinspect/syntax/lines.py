"""A playlist's text as numbered lines: tags (name, value, attribute list) and URI lines.

Nothing is dropped or merged: a tag written twice is there twice, an unknown tag is there
with no spec, a URI line no tag introduces is still a URI line. Line numbers are the ones an
editor shows (lines end in LF or CRLF, RFC 8216 4.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from hlsinspect.syntax.attributes import AttributeList, parse_attributes
from hlsinspect.syntax.tags import TAGS, Form, TagSpec


@dataclass(slots=True)
class Tag:
    """One tag line: `#NAME` or `#NAME:VALUE`."""

    line: int
    name: str
    """The tag name without '#', as written (tags are case-sensitive)."""
    value: str | None
    """Everything after the first ':' (None when there is no ':')."""
    spec: TagSpec | None
    _attrs: AttributeList | None = None

    @property
    def attrs(self) -> AttributeList:
        """The value read as an attribute list (parsed once, on first use)."""
        if self._attrs is None:
            self._attrs = parse_attributes(self.value or "")
        return self._attrs

    def attr(self, name: str) -> str | None:
        """The value of attribute `name` without quotes, or None when absent."""
        return self.attrs.value(name)

    def shown(self, name: str) -> str:
        """Attribute `name` for a message: its value quoted, or "(no NAME)" when absent."""
        value = self.attrs.value(name)
        if value is None:
            return f"(no {name})"
        return repr(value if len(value) <= 80 else value[:77] + "...")

    @property
    def has_attributes(self) -> bool:
        return self.spec is not None and self.spec.form is Form.ATTRIBUTES

    def __str__(self) -> str:
        return f"#{self.name}" if self.value is None else f"#{self.name}:{self.value}"


@dataclass(frozen=True, slots=True)
class UriLine:
    line: int
    uri: str


@dataclass
class Lines:
    """The tags and URI lines of a playlist, in order."""

    text: list[str]
    """Every line without its line ending; `text[n - 1]` is line n."""
    entries: list[Tag | UriLine] = field(default_factory=list)
    by_name: dict[str, list[Tag]] = field(default_factory=dict)
    padded: list[int] = field(default_factory=list)
    """Lines with white space before or after their content (RFC 8216 4.1 forbids it)."""
    with_attributes: list[Tag] = field(default_factory=list)
    """The tags whose value is an attribute list, in order."""
    lookalikes: list[tuple[int, str]] = field(default_factory=list)
    """Comments that look like tags in the wrong case (`#ext-x-endlist`): line and text.
    Tags are case-sensitive, so clients take these for comments and ignore them."""

    @cached_property
    def tags(self) -> list[Tag]:
        """The tags alone, made once: rules ask for them a few times a playlist, and
        `entries` is complete when `read_lines` returns."""
        return [e for e in self.entries if isinstance(e, Tag)]

    def all(self, name: str) -> list[Tag]:
        return self.by_name.get(name, [])

    def first(self, name: str) -> Tag | None:
        found = self.by_name.get(name)
        return found[0] if found else None

    def has(self, name: str) -> bool:
        return name in self.by_name


def read_lines(text: str) -> Lines:
    """Tokenise decoded playlist text (already checked for control characters)."""
    raw = text.split("\n")
    numbered = [line[:-1] if line.endswith("\r") else line for line in raw]
    lines = Lines(numbered)
    for number, line in enumerate(numbered, start=1):
        content = line.strip()
        if not content:
            continue
        # an EXTINF title is "the remainder of the line", and a comment's text is free:
        # white space ending either is its own
        free = content.startswith("#EXTINF:") or (content.startswith("#")
                                                   and not content.startswith("#EXT"))
        if content != line and (line[0].isspace() or not free):
            lines.padded.append(number)
        if content.startswith("#EXT"):
            name, colon, value = content[1:].partition(":")
            spec = TAGS.get(name)
            tag = Tag(number, name, value if colon else None, spec)
            lines.entries.append(tag)
            lines.by_name.setdefault(name, []).append(tag)
            if spec is not None and spec.form is Form.ATTRIBUTES and colon:
                lines.with_attributes.append(tag)
        elif not content.startswith("#"):
            lines.entries.append(UriLine(number, content))
        elif content[:4].upper() == "#EXT":
            lines.lookalikes.append((number, content))
    return lines
