"""Findings for references that are not followed: outside the root, invalid, or external."""

from __future__ import annotations

from hlsinspect.checks.registry import finding
from hlsinspect.report import Finding
from hlsinspect.uri.keys import Reference


def _shown(raw: str) -> str:
    """A URI for a message: a data: URI or a long token is cut, the finding keeps it whole."""
    return repr(raw if len(raw) <= 100 else raw[:97] + "...")


def unfollowed(what: str, raw: str, where: Reference, playlist: str, line: int | None,
               *, local: bool = False) -> Finding:
    """Why the URI `raw` (a `what`: segment, key, variant playlist...) is not requested."""
    if where.refused:
        return finding(
            "object-not-regular", f"{what} URI {_shown(raw)} names {where.refused}, not a "
            "regular file: not opened", playlist=playlist, uri=raw, line=line)
    if where.escapes and where.invalid:  # the local store: a link out of the root
        return finding(
            "uri-escapes-root", f"{what} URI {_shown(raw)} leads out of the root: "
            f"{where.invalid}; not read", playlist=playlist, uri=raw, line=line)
    if where.escapes:
        advice = ("; if the directory is a copy of a bucket, name the bucket's top with --root"
                  if local else "")
        return finding(
            "uri-escapes-root", f"{what} URI {_shown(raw)} climbs above the root with '..': "
            f"not requested{advice}", playlist=playlist, uri=raw, line=line)
    if where.invalid:
        return finding("uri-invalid", f"{what} URI {_shown(raw)}: {where.invalid}",
                       playlist=playlist, uri=raw, line=line)
    return finding(
        "external-uri-not-checked", f"{what} URI {_shown(raw)} is {where.external}: not "
        "fetched", playlist=playlist, uri=raw, line=line)
