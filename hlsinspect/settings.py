"""What a run is asked to do: which rules, how existence is verified, which share of titles.

Plain frozen data that the command line, the configuration file and library callers build
alike; the pipeline reads it and never changes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from hlsinspect import limits
from hlsinspect.checks import Selection
from hlsinspect.errors import UsageError
from hlsinspect.locations import UriMap
from hlsinspect.report import Severity
from hlsinspect.shard import Shard
from hlsinspect.storage.base import RequestPolicy


@dataclass(frozen=True)
class VerifySettings:
    mode: Literal["head", "list", "auto"] = "auto"
    concurrency: int = 32
    retry_passes: int = 3
    backoff: float = 0.5
    """Seconds before the first extra pass; doubled for each later one, with jitter."""
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    """Seconds without an answer before a request is given up (and tried again, up to
    `attempts` times)."""
    attempts: int = 3
    """Tries of one request inside the HTTP client (botocore, urllib3) before it fails."""
    timeout: float = limits.REQUEST_TIMEOUT
    """Seconds one request may take in all, however slowly the server answers (--timeout)."""

    @property
    def requests(self) -> RequestPolicy:
        """The same settings as the stores take them."""
        return RequestPolicy(concurrency=self.concurrency, connect_timeout=self.connect_timeout,
                             read_timeout=self.read_timeout, attempts=self.attempts,
                             timeout=self.timeout,
                             passes=self.retry_passes, backoff=self.backoff)


INVENTORY_MAX_AGE = 2 * 86_400.0
"""Seconds an S3 Inventory may be old and still be trusted, by default: S3 writes one daily
(or weekly), so two days allow one missed run."""
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}


def parse_duration(value: str | float, option: str) -> float:
    """Seconds of a duration as typed: `36h`, `2d`, `90m`, `45s`, `1w`, or plain seconds
    (a number in a settings file too). UsageError, naming `option`, otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    found = _DURATION.match(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        raise UsageError(f"{option} {value!r} is not a duration",
                         hint="write 36h, 2d, 90m or plain seconds (0 switches it off)")
    return float(found[1]) * _UNITS[found[2]]


def duration_text(seconds: float) -> str:
    """A duration as it would be typed, in the largest unit that divides it."""
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds / _UNITS[unit]:.0f}{unit}"
    return f"{seconds:g}s"


ProbeMode = Literal["none", "sample", "all"]
PROBE_MODES: tuple[ProbeMode, ...] = ("none", "sample", "all")


@dataclass(frozen=True)
class ProbeSettings:
    """--probe: which segments' bytes are read (a head and a tail of each), and how far the
    media's own duration may stray from EXTINF before it is a finding."""

    mode: ProbeMode = "none"
    tolerance: float = 0.5
    """Seconds between a segment's EXTINF and its measured duration that are still fine."""
    gap: float = 0.1
    """Seconds between one segment's end and the next one's start that are still fine."""
    sample: int = 8
    """Segments per media playlist in `sample` mode: the first, the last and an even spread."""

    @classmethod
    def of(cls, mode: str, tolerance: float = 0.5) -> ProbeSettings:
        if mode not in PROBE_MODES:
            raise UsageError(f"--probe {mode!r} is not one of {', '.join(PROBE_MODES)}",
                             hint="--probe sample reads a few segments of each playlist")
        return cls(mode=mode, tolerance=tolerance)


@dataclass(frozen=True)
class Settings:
    verify: VerifySettings = field(default_factory=VerifySettings)
    fail_on: Severity = Severity.ERROR
    rules: Selection = field(default_factory=Selection)
    """Which rules run: --rules, --select, --ignore."""
    raise_errors: bool = False
    """Let an internal error in a check propagate (--debug) instead of becoming a finding."""
    maps: tuple[UriMap, ...] = ()
    """--map rules (from `locations.parse_maps`): URIs under a prefix are verified in
    another store; a TARGET under a prefix is inspected there too."""
    shard: Shard | None = None
    """--shard K/N: inspect only this worker's share of the titles."""
    inventory: str | None = None
    """--inventory: the S3 Inventory manifest whose listing replaces LIST on its bucket."""
    inventory_max_age: float = INVENTORY_MAX_AGE
    """--inventory-max-age: seconds an inventory may be old; an older one stops the run
    (an object deleted since would pass). 0: any age."""
    probe: ProbeSettings = field(default_factory=ProbeSettings)
    """--probe: look inside segments (see `pipeline.probe`)."""
    look_ahead: int = 2
    """Titles listed and fetched ahead of the one being checked: enough to keep the store
    busy, few enough that memory stays flat however large the bucket."""
    list_apart: bool = True
    """List an S3 prefix's titles in a second process (`pipeline.apart`), so that listing
    and checking use two cores; False keeps the whole run in this process."""


__all__ = ["Settings", "Shard", "VerifySettings", "duration_text", "parse_duration"]
