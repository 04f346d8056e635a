"""What `--probe` measured in one media playlist, as the report carries it.

New members of a playlist entry (`probe`) and of a variant (`probed_duration`,
`probed_codecs`, `probed_resolution`): the JSON contract allows additions only, and a report
made without `--probe` has them null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class SegmentMeasure:
    """One probed segment: its EXTINF beside what its bytes say."""

    uri: str
    extinf: float | None
    container: str | None = None
    start: float | None = None
    """Seconds on the media clock (PTS, tfdt or the ID3 timestamp)."""
    duration: float | None = None
    keyframe: bool | None = None
    """Whether its first video frame is a random access point; None without video."""
    codecs: tuple[str, ...] = ()
    resolution: str | None = None
    bytes_read: int = 0
    error: str | None = None
    """Why it could not be read or understood, when so."""

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["codecs"] = list(self.codecs)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SegmentMeasure:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["codecs"] = tuple(values.get("codecs") or ())
        return cls(**values)


@dataclass(frozen=True)
class ProbeReport:
    """The probe of one media playlist: totals, and each probed segment."""

    mode: str
    segments: tuple[SegmentMeasure, ...] = ()

    @property
    def measured_duration(self) -> float | None:
        """The sum of the probed segments' measured durations (the playlist's real length
        with `--probe all`); None when none was measured."""
        found = [s.duration for s in self.segments if s.duration is not None]
        return round(sum(found), 6) if found else None

    @property
    def codecs(self) -> tuple[str, ...]:
        """Every codec found; a bare `avc1` (a segment without an SPS) only when no segment
        gave its profile and level."""
        found = list(dict.fromkeys(c for s in self.segments for c in s.codecs))
        return tuple(c for c in found
                     if "." in c or not any(o.startswith(c + ".") for o in found))

    @property
    def resolution(self) -> str | None:
        return next((s.resolution for s in self.segments if s.resolution), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "segments_probed": len(self.segments),
            "bytes_read": sum(s.bytes_read for s in self.segments),
            "measured_duration": self.measured_duration,
            "codecs": list(self.codecs),
            "resolution": self.resolution,
            "segments": [s.to_dict() for s in self.segments],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeReport:
        return cls(str(data.get("mode", "")),
                   tuple(SegmentMeasure.from_dict(s) for s in data.get("segments", ())))
