"""Rules about the objects a media playlist references, judged from verification results.

Only a 404 (or absence from a complete listing) makes an object missing; anything else that
kept us from knowing is `object-unverified`, with the reason, so a finding never claims
"missing" on a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hlsinspect.checks.registry import make_finding
from hlsinspect.references import ObjectRef
from hlsinspect.report import Finding, ObjectCounts
from hlsinspect.storage.base import Existence, ObjectState

_MISSING_RULE = {
    "segment": "segment-missing",
    "init": "init-segment-missing",
    "key": "key-missing",
    "part": "part-missing",
    "preload-hint": "preload-hint-missing",
}
_LABEL = {
    "segment": "segment",
    "init": "init segment (EXT-X-MAP)",
    "key": "key (EXT-X-KEY)",
    "part": "partial segment (EXT-X-PART)",
    "preload-hint": "preload hint",
}


@dataclass(frozen=True)
class ResolvedRef:
    """An object reference with the store key it resolved to."""

    ref: ObjectRef
    key: str


def check_objects(
    refs: list[ResolvedRef],
    states: dict[str, ObjectState],
    playlist: str,
    to_uri: Callable[[str], str],
) -> tuple[list[Finding], ObjectCounts]:
    """One finding per problem object (not per byte range), and the playlist's counts."""
    findings: list[Finding] = []
    first: dict[str, ResolvedRef] = {}
    uses: dict[str, int] = {}
    for item in refs:
        first.setdefault(item.key, item)
        uses[item.key] = uses.get(item.key, 0) + 1
    counts = {e: 0 for e in Existence}
    for key, item in first.items():
        state = states.get(key)
        if state is None:
            continue
        counts[state.existence] += 1
        ref, uri = item.ref, to_uri(key)
        label = _LABEL[ref.kind]
        more = f" (referenced {uses[key]} times)" if uses[key] > 1 else ""
        if state.existence is Existence.MISSING:
            findings.append(make_finding(
                _MISSING_RULE[ref.kind],
                f"{label} {ref.uri!r} does not exist{more}",
                playlist=playlist, uri=uri, line=ref.line))
        elif state.existence is Existence.UNKNOWN:
            findings.append(make_finding(
                "object-unverified",
                f"could not establish whether {label} {ref.uri!r} exists: {state.reason}",
                playlist=playlist, uri=uri, line=ref.line))
        elif state.size == 0 and ref.kind in ("segment", "init"):
            findings.append(make_finding(
                "segment-empty", f"{label} {ref.uri!r} is 0 bytes",
                playlist=playlist, uri=uri, line=ref.line))
    findings.extend(_byterange_findings(refs, states, playlist, to_uri))
    checked = sum(counts.values())
    return findings, ObjectCounts(
        checked=checked,
        present=counts[Existence.PRESENT],
        missing=counts[Existence.MISSING],
        unknown=counts[Existence.UNKNOWN],
    )


def _byterange_findings(
    refs: list[ResolvedRef],
    states: dict[str, ObjectState],
    playlist: str,
    to_uri: Callable[[str], str],
) -> list[Finding]:
    """Sub-ranges past the end of a present object: one finding per object, the first one."""
    findings = []
    reported: set[str] = set()
    for item in refs:
        state = states.get(item.key)
        if item.ref.byterange is None or state is None or state.size is None:
            continue
        offset, length = item.ref.byterange
        if offset + length > state.size and item.key not in reported and state.size > 0:
            reported.add(item.key)
            ranges = [r.ref.byterange for r in refs if r.key == item.key and r.ref.byterange]
            beyond = sum(1 for r in ranges if sum(r) > state.size)
            findings.append(make_finding(
                "byterange-out-of-bounds",
                f"bytes {offset}-{offset + length - 1} of {item.ref.uri!r} reach past its end "
                f"({state.size} bytes); {beyond} of {len(ranges)} sub-ranges reach past it: the "
                "object is truncated or the playlist is stale",
                playlist=playlist, uri=to_uri(item.key), line=item.ref.line))
    return findings
