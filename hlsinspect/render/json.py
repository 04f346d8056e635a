"""The JSON report (schema_version 1, the contract in the design notes)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from hlsinspect.report import ErrorInfo, Report, Severity
from hlsinspect.version import __version__


def render_json(report: Report) -> str:
    return "".join(json_chunks(report))


def json_chunks(report: Report) -> Iterator[str]:
    """The document in pieces, to be written as they come: `json.dumps` with an indent
    joins every piece in memory first, 27 MB for the report of a million objects, where
    the pieces one after another need the report's own 4 MB."""
    data = report.to_dict()
    if report.error is not None and report.error.kind == "interrupted":
        data["incomplete"] = True  # Ctrl-C: what was found so far is not the whole story
    # allow_nan=False: a non-finite number would make the document invalid JSON
    yield from json.JSONEncoder(indent=2, allow_nan=False).iterencode(data)
    yield "\n"


def error_report(targets: list[str], kind: str, message: str, hint: str | None,
                 fail_on: Severity = Severity.ERROR,
                 shard: tuple[int, int] | None = None) -> Report:
    """The report of a run that could inspect nothing: still a valid, complete document."""
    return Report(version=__version__, targets=tuple(targets), fail_on=fail_on,
                  error=ErrorInfo(kind=kind, message=message, hint=hint), shard=shard)
