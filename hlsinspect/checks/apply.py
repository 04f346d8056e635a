"""Run the enabled rules of one scope over a context and make their findings.

A rule that crashes costs its own findings, never the report: it becomes an `internal-error`
finding naming the rule (unless --debug asks for the traceback).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hlsinspect.checks.registry import RULES, Rule, Scope, Selection, finding
from hlsinspect.report import Finding


@cache
def rules_of(scope: Scope) -> tuple[Rule, ...]:
    """The rules with a check function in `scope`, by code."""
    return tuple(sorted((r for r in RULES.values() if r.scope == scope and r.check),
                        key=lambda r: r.code))


def apply(scope: Scope, ctx: Any, selection: Selection, playlist: str | None, *,
          raise_errors: bool = False) -> list[Finding]:
    found: list[Finding] = []
    for item in rules_of(scope):
        if item.check is None or not selection.enabled(item):
            continue
        severity = selection.severity(item)
        try:
            found.extend(item.finding(issue, playlist, severity) for issue in item.check(ctx))
        except Exception as exc:
            if raise_errors:
                raise
            found.append(finding(
                "internal-error",
                f"rule {item.code} {item.name} stopped on {type(exc).__name__}: {exc}; the "
                "other rules ran", playlist=playlist))
    return found
