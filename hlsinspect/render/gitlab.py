"""GitLab Code Quality: the findings as the JSON array `artifacts:reports:codequality` reads.

GitLab reads `description`, `check_name`, `fingerprint`, `severity` and `location` (`path`,
`lines.begin`) of each issue. The path is the playlist's, relative to the workspace when it
is a file there (so GitLab links it), else its URI; a target that could not be inspected,
which has no playlist, is located at the target. The fingerprint hashes what identifies a
finding across runs (code, playlist, object, line), never the checkout's own path, so a
merge request's widget can tell new issues from old ones; a repeat of the same finding gets
its ordinal in the hash, so no two issues share one. A run that inspected nothing is one
`blocker` issue, never an empty (clean-looking) array.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hlsinspect.render.places import place
from hlsinspect.render.visible import inert_json
from hlsinspect.report import Finding, Report, Severity

SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}
"""GitLab's scale is info, minor, major, critical, blocker; blocker is kept for a run that
could not inspect anything (exit code 2)."""


def _fingerprint(*parts: object) -> str:
    text = "\0".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()[:32]


def _description(finding: Finding, root: Path) -> str:
    text = finding.message
    if finding.uri and finding.playlist and finding.uri != finding.playlist:
        text += f" (object: {place(finding.uri, root)})"
    if finding.reference:
        text += f" [{finding.reference}]"
    return text + (f" fix: {finding.hint}" if finding.hint else "")


def issues(report: Report, root: Path) -> list[dict[str, Any]]:
    """One Code Quality issue per finding, in the report's order."""
    if report.error is not None:
        error = report.error
        where = report.targets[0] if report.targets else "hlsinspect"
        return [{
            "description": f"hlsinspect could not inspect anything: {error.message}"
                           + (f" (hint: {error.hint})" if error.hint else ""),
            "check_name": f"hlsinspect-{error.kind}",
            "fingerprint": _fingerprint("error", error.kind, *report.targets),
            "severity": "blocker",
            "location": {"path": place(where, root), "lines": {"begin": 1}},
        }]
    seen: dict[tuple[object, ...], int] = {}
    result = []
    for finding in report.findings:
        # a target not inspected has no playlist: it is where the issue is
        path = place(finding.playlist or finding.uri, root) or "hlsinspect"
        key = (finding.code, path, place(finding.uri, root), finding.line)
        seen[key] = seen.get(key, -1) + 1
        result.append({
            "description": _description(finding, root),
            "check_name": f"{finding.code} {finding.name}",
            "fingerprint": _fingerprint(*key, seen[key] or None),
            "severity": SEVERITY[finding.severity],
            "location": {"path": path, "lines": {"begin": finding.line or 1}},
        })
    if report.incomplete is not None:  # a partial audit never reads as a clean one
        result.append({
            "description": f"hlsinspect was {report.incomplete}",
            "check_name": "hlsinspect-interrupted",
            "fingerprint": _fingerprint("interrupted", *report.targets),
            "severity": "blocker",
            "location": {"path": place(report.targets[0] if report.targets else "hlsinspect",
                                       root), "lines": {"begin": 1}},
        })
    return result


def gitlab_chunks(report: Report, root: Path) -> Iterator[str]:
    yield inert_json(json.dumps(issues(report, root), indent=2)) + "\n"
