"""The JSON report (schema_version 1, the contract in the design notes)."""

from __future__ import annotations

import json
from typing import Any

from hlsinspect import __version__
from hlsinspect.report import SCHEMA_VERSION, Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"


def render_error_json(targets: list[str], kind: str, message: str, hint: str | None) -> str:
    """A valid document even when nothing could be inspected, so CI parsers never choke."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "hlsinspect", "version": __version__},
        "ok": False,
        "targets": targets,
        "playlists": [],
        "findings": [],
        "summary": {"playlists": 0, "segments": 0, "objects_checked": 0, "missing": 0,
                    "unknown": 0, "errors": 0, "warnings": 0, "infos": 0},
        "error": {"kind": kind, "message": message, "hint": hint},
    }
    return json.dumps(data, indent=2) + "\n"
