"""Bit rates measured from object sizes, without downloading a byte of media.

RFC 8216bis 4.1: a segment's bit rate is its size over its EXTINF duration; a media
playlist's peak segment bit rate is the highest bit rate of any contiguous run of segments
lasting between 0.5 and 1.5 target durations plus 0.5 s; its average is all the bits over all
the seconds. Sizes come from the HEAD or listing verification already made (a byte range
counts its length), so the measure costs no request. Sizes are counted as stored: an
AES-128 segment's padding counts like its media.

An EXTINF is as precise as it is written: "6.006" says the duration lies within half a unit
of its last digit, [6.0055, 6.0065]. Beside each rate, the lowest one those durations allow
(every duration at its longest) is kept, so a BANDWIDTH that the written durations cannot
prove too low is not called so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from hlsinspect.model import Segment
from hlsinspect.playlists import Playlist
from hlsinspect.references import ResolvedRef
from hlsinspect.storage.base import Existence, ObjectState


@dataclass(frozen=True)
class Measured:
    """Bit rates of one media playlist, in bits per second."""

    peak: int
    average: int
    segment_rates: tuple[float, ...]
    """Each segment's own bit rate, in playlist order."""
    peak_low: float = 0.0
    """The lowest peak the EXTINF durations as written allow (each at its longest)."""
    average_low: float = 0.0
    """The lowest average they allow."""


def precision(segment: Segment) -> float:
    """How far the real duration may lie from the EXTINF as written: half a unit in its last
    decimal digit ("6.006": 0.0005 s, "4.000000": 0.0000005 s). A whole number ("4") is
    taken as exact: half a second would allow 12% on a 4 s segment, more than any rule's
    tolerance, and a packager that writes whole seconds cuts whole seconds."""
    text = (segment.extinf.value or "") if segment.extinf is not None else ""
    number = text.split(",", 1)[0].strip()
    _, dot, decimals = number.partition(".")
    return 0.5 * 10.0 ** -len(decimals) if dot and decimals.isdigit() else 0.0


def segment_sizes(playlist: Playlist, refs: list[ResolvedRef],
                  states: Mapping[str, ObjectState]) -> list[int] | None:
    """The size in bytes of every media segment, or None when any one is unknown."""
    sizes: dict[int, int] = {}
    for item in refs:
        ref = item.ref
        if ref.kind != "segment" or ref.segment is None:
            continue
        if item.byterange is not None:
            sizes[ref.segment] = item.byterange[1]
            continue
        state = states.get(item.key)
        if state is None or state.existence is not Existence.PRESENT or state.size is None:
            return None
        sizes[ref.segment] = state.size
    count = len(playlist.segments)
    if count == 0 or len(sizes) != count:
        return None  # a GAP or unresolved segment: the measure would be a guess
    return [sizes[i] for i in range(count)]


def measure(playlist: Playlist, refs: list[ResolvedRef],
            states: Mapping[str, ObjectState]) -> Measured | None:
    """The playlist's peak and average segment bit rates, or None when not measurable."""
    target = playlist.target_duration
    durations = [s.duration for s in playlist.segments]
    sizes = segment_sizes(playlist, refs, states)
    if sizes is None or not target or any(d is None or d <= 0 for d in durations):
        return None
    seconds = [float(d) for d in durations if d is not None]
    slack = [precision(segment) for segment in playlist.segments]
    bits = [size * 8 for size in sizes]
    average = sum(bits) / sum(seconds)
    average_low = sum(bits) / (sum(seconds) + sum(slack))
    low, high = 0.5 * target, 1.5 * target + 0.5
    peak = peak_low = 0.0
    for start in range(len(seconds)):
        total_bits = total_seconds = total_slack = 0.0
        for index in range(start, len(seconds)):
            total_seconds += seconds[index]
            total_bits += bits[index]
            total_slack += slack[index]
            if total_seconds > high:
                break
            if total_seconds >= low:
                peak = max(peak, total_bits / total_seconds)
                peak_low = max(peak_low, total_bits / (total_seconds + total_slack))
    rates = tuple(b / s for b, s in zip(bits, seconds, strict=True))
    # a playlist shorter than half a target duration has no qualifying run: its whole
    # length is the best measure there is
    return Measured(round(peak or average), round(average), rates, peak_low or average_low,
                    average_low)


@dataclass(frozen=True)
class Combined:
    """The bit rates of a variant stream: its largest playable combination of renditions."""

    peak: int
    average: int
    peak_low: float = 0.0
    """The lowest peak the EXTINF durations as written allow (see `Measured`)."""
    average_low: float = 0.0


def combine(own: Measured | None, groups: Sequence[Sequence[Measured | None]],
            video: Sequence[Measured | None] = ()) -> Combined | None:
    """The largest sum over playable combinations (RFC 8216bis 4.4.6.2 BANDWIDTH).

    A client plays the variant's own playlist or one rendition of its VIDEO group, plus one
    rendition of each other group it references; renditions without a URI are carried in the
    variant's playlist and add nothing. None when any needed measure is unknown.
    """
    choices = [own, *video]
    if any(m is None for m in choices) or any(m is None for g in groups for m in g):
        return None
    measures = [[m for m in choices if m is not None],
                *([m for m in group if m is not None] for group in groups)]
    def largest(value: Callable[[Measured], float]) -> float:
        return sum(max(value(m) for m in known) for known in measures if known)

    # each bound is a largest sum of its own: a combination's lowest possible peak is at
    # least the lowest possible peak of any of its members
    return Combined(int(largest(lambda m: m.peak)), int(largest(lambda m: m.average)),
                    largest(lambda m: m.peak_low), largest(lambda m: m.average_low))
