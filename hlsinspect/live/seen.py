"""Findings of a watch, each kept once however many reloads show it.

A fault of a live playlist shows on every reload until it is fixed; the report lists it
once, with how often and from when to when it was seen, and what the latest reload measured
against what it expected (a stale playlist's observed age is its longest stall so far).

A fault that comes back with every new segment (a finding per segment URI) would still grow
without end over a long watch, so past `DISTINCT` distinct findings of one rule in one
playlist the rest are folded into one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from hlsinspect.report import Finding

DISTINCT = 100
"""Distinct findings of one rule in one playlist kept one by one; the rest are counted in one
more, so that a fault repeating with every segment costs no memory over a long watch."""
Identity = tuple[str, str | None, str | None, str, str]


@dataclass
class Seen:
    """A finding and how often, from when to when, the watch saw it."""

    finding: Finding
    first: float
    last: float
    count: int = 1


def identity(found: Finding) -> Identity:
    """What makes two findings of two reloads the same one (not the line, which moves)."""
    return found.name, found.playlist, found.uri, found.severity.value, found.message


@dataclass
class SeenFindings:
    """Every finding the watch saw, by identity."""

    seen: dict[Identity, Seen] = field(default_factory=dict)
    kinds: Counter[tuple[str, str | None]] = field(default_factory=Counter)
    """Distinct findings kept per rule and playlist (at most DISTINCT, then one more)."""

    def keep(self, found: Iterable[Finding], now: float) -> None:
        """Findings of the start, kept without being counted as seen again."""
        for one in found:
            self.seen.setdefault(identity(one), Seen(one, now, now))

    def add(self, found: Iterable[Finding], now: float) -> list[Finding]:
        """Findings counted; those not seen before returned."""
        new = []
        for one in found:
            key = identity(one)
            if key not in self.seen and self.kinds[one.name, one.playlist] >= DISTINCT:
                # a fault that repeats with every segment: counted, not kept one by one
                one = replace(one, uri=None, line=None, observed=None, expected=None,
                              message=f"more {one.name} findings in this playlist than the "
                                      f"{DISTINCT} listed one by one; the last: {one.message}")
                key = (one.name, one.playlist, None, one.severity.value, "")
            seen = self.seen.get(key)
            if seen is not None:
                seen.count += 1
                seen.last = now
                if key[4] == "":
                    seen.finding = one
                elif (one.observed, one.expected) != (seen.finding.observed,
                                                       seen.finding.expected):
                    # what the latest reload measured, and against what, from one reload
                    seen.finding = replace(seen.finding, observed=one.observed,
                                           expected=one.expected)
                continue
            self.seen[key] = Seen(one, now, now)
            self.kinds[one.name, one.playlist] += 1
            new.append(one)
        return new
