"""BANDWIDTH and AVERAGE-BANDWIDTH against what the segments weigh.

Segment sizes come from the verification already made, so this costs no request. A variant
is judged only when it and the renditions it plays with are finished (EXT-X-ENDLIST): before
that, RFC 8216bis asks only for a representative value.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.bitrate import Combined
from hlsinspect.checks.context import Member, TitleContext
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.report import Severity
from hlsinspect.syntax.attributes import as_int

TS = b"\x47" + b"\x00" * 187
"""188 bytes: over a 4 s segment, 376 bit/s."""


def _title(bandwidth: str, durations: tuple[float, ...] = (4.0, 4.0)) -> dict[str, str | bytes]:
    media = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    for n, duration in enumerate(durations):
        media += [f"#EXTINF:{duration},", f"s{n}.ts"]
    files: dict[str, str | bytes] = {
        "master.m3u8": f"#EXTM3U\n#EXT-X-STREAM-INF:{bandwidth}\nv.m3u8\n",
        "v.m3u8": "\n".join([*media, "#EXT-X-ENDLIST", ""])}
    files.update({f"s{n}.ts": TS for n in range(len(durations))})
    return files


def _finished(ctx: TitleContext, member: Member) -> bool:
    """The variant and every rendition it references are complete (EXT-X-ENDLIST)."""
    tag = member.tag
    involved = [member]
    if member.role != "iframe":
        for kind in ("AUDIO", "VIDEO", "SUBTITLES"):
            involved += ctx.group(kind, tag.attr(kind))
    return all(m.media is not None and m.media.endlist for m in involved)


def measured_variants(ctx: TitleContext) -> Iterator[tuple[Member, Combined]]:
    """Finished variants and I-frame streams whose segments could all be measured."""
    for member in ctx.members:
        if member.role not in ("variant", "iframe") or not _finished(ctx, member):
            continue
        combined = ctx.combination(member)
        if combined is not None:
            yield member, combined


def _proven_short(declared: int, measured: int, lowest: float) -> bool:
    """Whether a declared bit rate is below what the segments carry by more than the
    playlist's own precision explains. `lowest` is the lowest rate the EXTINF durations as
    written allow (each at the long end of its last digit, see `bitrate.precision`); an
    integer declared value may be that rate rounded down, by less than 1 bit/s. So a
    finding needs `lowest` above `declared` + 1."""
    return measured > declared and lowest > declared + 1


def _over(measured: int, declared: int) -> str:
    return f"{100 * (measured - declared) / declared:.1f}% more"


def _severity(measured: int, declared: int) -> Severity | None:
    """Beyond 10% (Apple's tolerance) an error; a smaller shortfall a warning."""
    return WARNING if measured <= 1.1 * declared else None


def _kbit(value: int) -> str:
    return f"{value:,} bit/s ({value / 1000:,.1f} kbit/s)"


@rule("HLS601", "bandwidth-below-measured", ERROR, scope="title",
      reference="RFC 8216bis 4.4.6.2",
      hint="set BANDWIDTH to at least the measured peak: players that trust a low value "
           "pick a variant the network cannot carry, and stall",
      passing=[_title("BANDWIDTH=400")],
      failing=[_title("BANDWIDTH=300"), _title("BANDWIDTH=370")])
def bandwidth_below_measured(ctx: TitleContext) -> Iterator[Issue]:
    """A finished variant whose BANDWIDTH is lower than its measured peak segment bit rate
    (with the renditions it plays with). Sizes come from the verified objects; the peak is
    RFC 8216bis 4.1's: the highest bit rate over any run of segments lasting 0.5 to 1.5
    target durations plus 0.5 s. The RFC asks for exactly the measured peak; a shortfall of
    more than 10% is an error, a smaller one a warning. A shortfall that the EXTINF
    durations' written precision and the rounding of BANDWIDTH to an integer explain is
    none: "6.006" may be 6.0064 s."""
    for member, combined in measured_variants(ctx):
        declared = as_int(member.tag.attr("BANDWIDTH"))
        if declared and _proven_short(declared, combined.peak, combined.peak_low):
            yield Issue(f"BANDWIDTH is {_kbit(declared)}, but the {member.role}'s segments "
                        f"peak at {_kbit(combined.peak)}, {_over(combined.peak, declared)}",
                        line=member.tag.line, uri=member.uri, observed=str(declared),
                        expected=f">= {combined.peak}",
                        severity=_severity(combined.peak, declared))


@rule("HLS602", "average-bandwidth-below-measured", ERROR, scope="title",
      reference="RFC 8216bis 4.4.6.2",
      hint="set AVERAGE-BANDWIDTH to the measured average segment bit rate",
      passing=[_title("BANDWIDTH=400,AVERAGE-BANDWIDTH=376")],
      failing=[_title("BANDWIDTH=400,AVERAGE-BANDWIDTH=300")])
def average_bandwidth_below_measured(ctx: TitleContext) -> Iterator[Issue]:
    """A finished variant whose AVERAGE-BANDWIDTH is lower than its measured average
    segment bit rate (all bits over all seconds): an error beyond 10%, else a warning;
    none within what the EXTINF precision and integer rounding explain."""
    for member, combined in measured_variants(ctx):
        declared = as_int(member.tag.attr("AVERAGE-BANDWIDTH"))
        if declared and _proven_short(declared, combined.average, combined.average_low):
            yield Issue(f"AVERAGE-BANDWIDTH is {_kbit(declared)}, but the {member.role}'s "
                        f"segments average {_kbit(combined.average)}, "
                        f"{_over(combined.average, declared)}", line=member.tag.line,
                        uri=member.uri, observed=str(declared),
                        expected=f">= {combined.average}",
                        severity=_severity(combined.average, declared))


@rule("HLS700", "apple-bandwidth-not-within-10-percent", ERROR, scope="title",
      profile="apple", reference="Apple HLS 1.27",
      hint="declare BANDWIDTH within 10% of the measured peak",
      passing=[_title("BANDWIDTH=400")], failing=[_title("BANDWIDTH=1000")])
def apple_bandwidth_within(ctx: TitleContext) -> Iterator[Issue]:
    """VOD: BANDWIDTH more than 10% above the measured peak bit rate (an over-declared
    BANDWIDTH makes players pick lower variants than the network allows). A BANDWIDTH below
    the measured peak is bandwidth-below-measured, in every profile."""
    for member, combined in measured_variants(ctx):
        declared = as_int(member.tag.attr("BANDWIDTH"))
        if declared and combined.peak < declared - 0.1 * declared:
            yield Issue(f"BANDWIDTH is {_kbit(declared)}; the measured peak, "
                        f"{_kbit(combined.peak)}, is not within 10% of it",
                        line=member.tag.line, uri=member.uri, observed=str(combined.peak),
                        expected=f"{declared} ± 10%")


@rule("HLS701", "apple-average-bandwidth-not-within-10-percent", ERROR, scope="title",
      profile="apple", reference="Apple HLS 1.26",
      hint="declare AVERAGE-BANDWIDTH within 10% of the measured average",
      passing=[_title("BANDWIDTH=400,AVERAGE-BANDWIDTH=376")],
      failing=[_title("BANDWIDTH=400,AVERAGE-BANDWIDTH=1000")])
def apple_average_bandwidth_within(ctx: TitleContext) -> Iterator[Issue]:
    """VOD: AVERAGE-BANDWIDTH more than 10% above the measured average segment bit rate
    (below it is average-bandwidth-below-measured, in every profile)."""
    for member, combined in measured_variants(ctx):
        declared = as_int(member.tag.attr("AVERAGE-BANDWIDTH"))
        if declared and combined.average < declared - 0.1 * declared:
            yield Issue(f"AVERAGE-BANDWIDTH is {_kbit(declared)}; the measured average, "
                        f"{_kbit(combined.average)}, is not within 10% of it",
                        line=member.tag.line, uri=member.uri, observed=str(combined.average),
                        expected=f"{declared} ± 10%")


@rule("HLS702", "apple-peak-above-twice-average", WARNING, scope="title", profile="apple",
      reference="Apple HLS 1.30",
      hint="constrain the encoder's peak rate (VBV/maxrate) to twice the average or less",
      passing=[_title("BANDWIDTH=400")],
      failing=[{**_title("BANDWIDTH=2000", (4.0, 4.0, 4.0, 4.0)), "s3.ts": TS * 10}])
def apple_peak_above_twice_average(ctx: TitleContext) -> Iterator[Issue]:
    """VOD: a variant whose measured peak bit rate is more than twice its average."""
    for member, combined in measured_variants(ctx):
        if combined.average and combined.peak > 2 * combined.average:
            yield Issue(f"the measured peak, {_kbit(combined.peak)}, is more than twice the "
                        f"average, {_kbit(combined.average)}", line=member.tag.line,
                        uri=member.uri)
