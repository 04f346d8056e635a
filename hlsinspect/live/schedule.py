"""When a media playlist is reloaded next, and with what request. No I/O.

A client reloads a live playlist about once per target duration, after half of it when the
last reload showed no change (RFC 8216bis 6.3.4), or at --interval. A low-latency playlist on
an HTTP origin is reloaded as a low-latency client does instead (6.3.8): each request asks
for the next part (`_HLS_msn`, `_HLS_part`) and goes out as soon as the last one is answered,
since the origin holds it until that part exists; an origin that answered without the part
is asked again one Part Target Duration later, not at once, in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from hlsinspect.live.compare import Snapshot
from hlsinspect.live.lowlatency import Position, holds

FIRST_RELOAD = 1.0
"""Seconds before the second reload of a playlist that has no target duration."""


@dataclass(frozen=True)
class Next:
    """The next reload: when, and the part a blocking request asks for (None: a plain one)."""

    due: float
    wanted: Position | None = None


def pause(last: Snapshot | None, interval: float | None, *, changed: bool) -> float:
    """Until the next plain reload: the target duration, half of it after an unchanged
    reload, or --interval."""
    if interval is not None:
        return interval
    target = float(last.target_duration) if last and last.target_duration else FIRST_RELOAD
    return target if changed else target / 2


def part_target(snapshot: Snapshot) -> float:
    parts = snapshot.parts
    return (parts.part_target or 0.0) if parts is not None else 0.0


def blocks(snapshot: Snapshot, uri: str, interval: float | None) -> bool:
    """Reload it with blocking requests: it offers them, the watch paces itself (no
    --interval), and the store is an HTTP origin, the only kind that answers Delivery
    Directives."""
    return (interval is None and snapshot.parts is not None and snapshot.parts.blocking
            and not snapshot.endlist and uri.startswith(("http://", "https://")))


def after_failure(sent: float, last: Snapshot | None, interval: float | None) -> Next:
    """After a reload that could not be read or parsed: as after an unchanged one."""
    return Next(sent + pause(last, interval, changed=False))


def after_answer(sent: float, answered: float, asked: Position | None, before: Snapshot | None,
                 snapshot: Snapshot, uri: str, interval: float | None) -> Next:
    """After a reload sent at `sent` that asked for `asked` (None: a plain one), answered at
    `answered` with `snapshot`; `before` is the snapshot of the reload before it."""
    changed = before is None or before.digest != snapshot.digest
    due = sent + pause(snapshot, interval, changed=changed)
    if asked is not None and before is not None:
        wrong = not snapshot.endlist and not holds(asked, snapshot.parts, snapshot.last_sequence)
        due = answered + (part_target(before) if wrong else 0.0)
    if not blocks(snapshot, uri, interval):
        return Next(due)
    assert snapshot.parts is not None
    if asked is None:
        due = answered  # the first read: from now on, ask for the next part
    return Next(due, snapshot.parts.following)
