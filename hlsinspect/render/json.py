"""The JSON report (schema_version 1, the contract in the design notes)."""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Iterator
from typing import Any

from hlsinspect.render.visible import inert_json
from hlsinspect.report import ErrorInfo, Report, Severity
from hlsinspect.version import __version__


def render_json(report: Report) -> str:
    return "".join(json_chunks(report))


def json_chunks(report: Report) -> Iterator[str]:
    """The document in pieces, to be written as they come, one playlist or finding at a
    time: the whole document as dictionaries (`report.to_dict()`) is several times the
    report's own size, 3 MB more at the peak of an audit of a million objects, and
    `json.dumps` with an indent joins every piece in memory first (27 MB there).

    The pieces are those of `json.dumps(report.to_dict(), indent=2)`: each member, and each
    entry of a long list, is encoded alone and indented to its depth (a JSON string holds
    no raw newline, so indenting is a replace)."""
    members = list(report.members())
    if report.incomplete is not None or (report.error is not None and
                                         report.error.kind == "interrupted"):
        members.append(("incomplete", True))  # what was found so far is not the whole story
    yield "{"
    for index, (name, value) in enumerate(members):
        yield f'{"," if index else ""}\n  {_encode(name)}: '
        if isinstance(value, Iterator):
            yield from _list(value)
        else:
            yield _encode(value, "\n  ")
    yield "\n}\n"


def _list(entries: Iterator[Any]) -> Iterator[str]:
    """A list two levels deep, an entry at a time."""
    opening = "["
    for entry in entries:
        yield opening + _DEEPER + _encode(entry, _DEEPER)
        opening = ","
    yield "[]" if opening == "[" else "\n  ]"


_DEEPER = "\n    "
# allow_nan=False: a non-finite number would make the document invalid JSON
_ENCODER = json.JSONEncoder(indent=2, allow_nan=False)
_COMPACT = json.JSONEncoder(allow_nan=False)
"""Without an indent, json's C encoder: a list of numbers as `[1.5, 2, null]`."""


def _encode(value: Any, newline: str = "\n") -> str:
    """`value` as JSON indented to its depth, no runner command in it (`inert_json`). A list
    of numbers stays on one line: a title's per-segment durations and sizes, a number a line,
    would be most of the document. Those lists are written by json's C encoder and put in
    place afterwards: the indenting encoder is Python, and at 90,000 segments it spent most
    of an audit's CPU on them."""
    try:
        text = _packed_encode(value)
    except ValueError:  # a non-finite number (its value's finding says why): null instead
        text = _packed_encode(_finite(value))
    return inert_json(text.replace("\n", newline))


def _packed_encode(value: Any) -> str:
    packed: list[str] = []
    mark = secrets.token_hex(8)  # no string of the report can name a list by chance
    text = _ENCODER.encode(_pack(value, packed, f"\x00{mark}:"))
    if not packed:
        return text
    return re.sub(rf'"\\u0000{mark}:([0-9]+)"', lambda m: packed[int(m.group(1))], text)


def _pack(value: Any, packed: list[str], mark: str) -> Any:
    """`value` with each non-empty list of numbers (and nulls) encoded into `packed` and
    replaced by a string naming its place there."""
    if isinstance(value, (list, tuple)):
        if value and all(item is None or (isinstance(item, (int, float))
                                          and not isinstance(item, bool)) for item in value):
            packed.append(_COMPACT.encode(value))
            return f"{mark}{len(packed) - 1}"
        return [_pack(item, packed, mark) for item in value]
    if isinstance(value, dict):
        return {key: _pack(item, packed, mark) for key, item in value.items()}
    return value


def _finite(value: Any) -> Any:
    """`value` with every infinite or NaN float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def error_report(targets: list[str], kind: str, message: str, hint: str | None,
                 fail_on: Severity = Severity.ERROR,
                 shard: tuple[int, int] | None = None) -> Report:
    """The report of a run that could inspect nothing: still a valid, complete document."""
    return Report(version=__version__, targets=tuple(targets), fail_on=fail_on,
                  error=ErrorInfo(kind=kind, message=message, hint=hint), shard=shard)
