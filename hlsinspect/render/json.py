"""The JSON report (schema_version 1, the contract in the design notes)."""

from __future__ import annotations

import json

from hlsinspect.report import ErrorInfo, Report, Severity
from hlsinspect.version import __version__


def render_json(report: Report) -> str:
    data = report.to_dict()
    if report.error is not None and report.error.kind == "interrupted":
        data["incomplete"] = True  # Ctrl-C: what was found so far is not the whole story
    # allow_nan=False: a non-finite number would make the document invalid JSON
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def error_report(targets: list[str], kind: str, message: str, hint: str | None,
                 fail_on: Severity = Severity.ERROR,
                 shard: tuple[int, int] | None = None) -> Report:
    """The report of a run that could inspect nothing: still a valid, complete document."""
    return Report(version=__version__, targets=tuple(targets), fail_on=fail_on,
                  error=ErrorInfo(kind=kind, message=message, hint=hint), shard=shard)
