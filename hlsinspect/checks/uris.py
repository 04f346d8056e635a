"""Findings for references that are not followed: outside the root, invalid, or external."""

from __future__ import annotations

from hlsinspect.checks.registry import finding
from hlsinspect.locations import Reference
from hlsinspect.report import Finding


def unfollowed(what: str, raw: str, where: Reference, playlist: str, line: int | None,
               *, local: bool = False) -> Finding:
    """Why the URI `raw` (a `what`: segment, key, variant playlist...) is not requested."""
    if where.escapes:
        advice = "; if this is a copy of a bucket, name its top with --root" if local else ""
        return finding(
            "uri-escapes-root", f"{what} URI {raw!r} climbs above the root with '..': not "
            f"requested{advice}", playlist=playlist, uri=raw, line=line)
    if where.invalid:
        return finding("uri-invalid", f"{what} URI {raw!r}: {where.invalid}",
                       playlist=playlist, uri=raw, line=line)
    return finding(
        "external-uri-not-checked", f"{what} URI {raw!r} is {where.external}: not fetched",
        playlist=playlist, uri=raw, line=line)
