"""Text from keys made visible: control characters escaped before any text output shows them.

A key, a file name or a URI is data an uploader chose, and it reaches every renderer: a
newline in it would forge a line of the table or a second GitHub workflow command, an ESC
would send the terminal an ANSI sequence, and XML 1.0 cannot hold C0 controls, U+FFFE/FFFF
or the lone surrogates that stand for undecodable bytes. Every text renderer (table, --quiet,
github, markdown, JUnit) draws a copy of the report made by `visible_report`, in which each
such character is written as Python writes it in a string literal (`\\n`, `\\x1b`, `\\udcff`).
The JSON formats need none of this: JSON escapes them itself and keeps the data exact.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

T = TypeVar("T")

_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) <= 0xFF else f"\\u{ord(char):04x}"


def visible(text: str) -> str:
    """`text` with control characters, line separators, U+FFFE/FFFF and lone surrogates
    escaped (`\\n`, `\\x1b`, `\\u2028`, `\\udcff`); other text, Unicode included, as is."""
    return _INVISIBLE.sub(_escape, text)


_PLAIN = (int, float, bool, type(None), enum.Enum)


@functools.cache
def _members(cls: type) -> tuple[str, ...]:
    """The members a dataclass is made from (not those it computes, like a summary)."""
    return tuple(f.name for f in fields(cls) if f.init)


def _escaped(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, str):
        return visible(value) if _INVISIBLE.search(value) else value
    if isinstance(value, tuple):
        items = tuple(_escaped(item) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for name in _members(type(value)):
            old = getattr(value, name)
            if isinstance(old, _PLAIN) or (
                    type(old) is str and not _INVISIBLE.search(old)):
                continue  # the common cases, without a call
            new = _escaped(old)
            if new is not old:
                changed[name] = new
        return replace(value, **changed) if changed else value
    return value


def visible_report(report: T) -> T:
    """A copy of `report` (any of the report's dataclasses) with every string `visible`;
    the report itself when no string needed escaping."""
    result: T = _escaped(report)
    return result
