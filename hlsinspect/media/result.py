"""What probing one segment found: plain data the probe rules and the report read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Reader = Callable[[int, int], bytes]
"""read(offset, length) -> at most `length` bytes of the object from `offset`."""
ProblemKind = Literal["not-media", "truncated", "malformed", "timestamp-missing"]


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    message: str


@dataclass(frozen=True)
class Probed:
    """What one segment's bytes say. Times are seconds on the media's own clock."""

    container: str | None = None
    start: float | None = None
    duration: float | None = None
    keyframe: bool | None = None
    """Whether the first video sample is a random access point that decodes alone: an IDR,
    or a CRA or BLA without RASL pictures after it (None: no video)."""
    idr: bool | None = None
    """Whether the first video picture is an IDR (None: no video, or not known)."""
    codecs: tuple[str, ...] = ()
    resolution: tuple[int, int] | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    bytes_read: int = 0
