"""The JSON report (schema_version 1, the contract in the design notes)."""

from __future__ import annotations

import json
import math
import re
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


_VALUE = r"(?:-?[0-9][0-9.eE+-]*|null)"
_NUMBERS = re.compile(rf"\[\n\s*({_VALUE}(?:,\n\s*{_VALUE})*)\n\s*\]")
"""A list of numbers as the indenting encoder writes it, a number a line."""


def _encode(value: Any, newline: str = "\n") -> str:
    """`value` as JSON indented to its depth, no runner command in it (`inert_json`). A list
    of numbers stays on one line: a title's per-segment durations and sizes, a number a line,
    would be most of the document."""
    try:
        text = _ENCODER.encode(value)
    except ValueError:  # a non-finite number (its value's finding says why): null instead
        text = _ENCODER.encode(_finite(value))
    if "[\n" in text:
        text = _NUMBERS.sub(lambda m: "[" + ", ".join(n.strip() for n in m.group(1).split(","))
                            + "]", text)
    return inert_json(text.replace("\n", newline))


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
