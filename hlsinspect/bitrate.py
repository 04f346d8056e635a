"""Bit rates measured from object sizes, without downloading a byte of media.

RFC 8216bis 4.1: a segment's bit rate is its size over its EXTINF duration; a media
playlist's peak segment bit rate is the highest bit rate of any contiguous run of segments
lasting between 0.5 and 1.5 target durations plus 0.5 s; its average is all the bits over all
the seconds. Sizes come from the HEAD or listing verification already made (a byte range
counts its length), so the measure costs no request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
    bits = [size * 8 for size in sizes]
    average = sum(bits) / sum(seconds)
    low, high = 0.5 * target, 1.5 * target + 0.5
    peak = 0.0
    for start in range(len(seconds)):
        total_bits = total_seconds = 0.0
        for index in range(start, len(seconds)):
            total_seconds += seconds[index]
            total_bits += bits[index]
            if total_seconds > high:
                break
            if total_seconds >= low:
                peak = max(peak, total_bits / total_seconds)
    rates = tuple(b / s for b, s in zip(bits, seconds, strict=True))
    # a playlist shorter than half a target duration has no qualifying run: its whole
    # length is the best measure there is
    return Measured(round(peak or average), round(average), rates)


@dataclass(frozen=True)
class Combined:
    """The bit rates of a variant stream: its largest playable combination of renditions."""

    peak: int
    average: int


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
    peak = max(m.peak for m in choices if m is not None)
    average = max(m.average for m in choices if m is not None)
    for group in groups:
        known = [m for m in group if m is not None]
        if known:
            peak += max(m.peak for m in known)
            average += max(m.average for m in known)
    return Combined(peak, average)
