"""The HTML report: one self-contained page (inline CSS, JS and SVG; nothing fetched) that a
QA engineer opens from a CI artifact, offline.

It shows the verdict; per title its ladder (declared against measured bandwidth) as a table
and a chart, and a timeline per media playlist (segment durations and bit rates from the
report's segment timelines, missing, unverified and suspicious segments in their own colour,
each named on hover); and the findings grouped by severity and rule with their fix and
reference, filterable by severity and searchable. Titles are collapsed (<details>) so a
100-title audit opens at once; one with an error or a warning is open.

Jinja2 renders it with autoescape on: no text of a playlist, key or origin can become markup
or script. The charts are plain SVG drawn here: a chart library (pygal) was weighed and left
out, since its charts load their tooltips' JavaScript from a CDN unless configured not to, and
each carries its own stylesheet, which 100 titles of timelines would repeat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from hlsinspect.render.repeats import where
from hlsinspect.render.table import arrangement, clock
from hlsinspect.report import (
    SEGMENT_STATES,
    Finding,
    PlaylistReport,
    Report,
    Severity,
    Timeline,
)

FINDINGS_SHOWN = 200
"""Findings of one rule listed in the page; the JSON report has the rest."""
WIDTH, HEIGHT = 900, 60
"""A timeline's drawing area, in SVG user units."""
COLOURS = {"p": "#3b7dd8", "m": "#d62728", "u": "#ff7f0e", "s": "#9467bd", "x": "#999999"}


@dataclass
class Mark:
    x: float
    width: float
    state: str
    name: str
    label: str


@dataclass
class Track:
    """One media playlist's timeline, ready to draw."""

    uri: str
    label: str
    segments: int
    length: str
    peak: int
    path: str
    marks: list[Mark] = field(default_factory=list)
    durations: str = ""
    """The shortest and longest EXTINF, seconds."""


@dataclass
class Row:
    kind: str
    uri: str
    bandwidth: int | None
    average: int | None
    peak: int | None
    measured_average: int | None
    resolution: str
    codecs: str
    status: str
    severity: str


@dataclass
class Title:
    uri: str
    base: str
    """Its directory: the ladder names playlists under it relative to it."""
    status: str
    severity: str
    rows: list[Row]
    scale: int
    tracks: list[Track]


def _worst(findings: Iterable[Finding]) -> str:
    worst = max((f.severity for f in findings), key=lambda s: s.rank, default=None)
    return worst.value if worst is not None else "ok"


def _status(p: PlaylistReport | None, findings: list[Finding]) -> tuple[str, str]:
    if p is None:
        return "not read", "error"
    if p.load_status != "ok":
        return p.load_status, "error"
    severity = _worst(findings)
    if severity in ("ok", "info"):
        return "OK", "ok"
    count = sum(1 for f in findings if f.severity.value == severity)
    return f"{count} {severity}{'s' if count > 1 else ''}", severity


def _relative(uri: str, base: str) -> str:
    return uri[len(base):] if base and uri.startswith(base) else uri


def _track(p: PlaylistReport, label: str) -> Track | None:
    line = p.segments
    if line is None or not line.states:
        return None
    total = sum(line.durations) or 1.0
    rates = [size * 8 / d if size >= 0 and d > 0 else 0.0
             for size, d in zip(line.sizes, line.durations, strict=True)]
    peak = max(rates, default=0.0) or 1.0
    low, high = min(line.durations), max(line.durations)
    spread = f"{low:.3f} s" if low == high else f"{low:.3f}-{high:.3f} s"
    return Track(p.uri, label, len(line.states), clock(p.total_duration), round(peak),
                 _path(line, rates, total, peak), list(_marks(line, total)), spread)


def _path(line: Timeline, rates: list[float], total: float, peak: float) -> str:
    """The bit rate as one step line: a few bytes per segment, whatever their number."""
    scale = WIDTH / total
    parts = [f"M0 {HEIGHT}"]
    x = 0.0
    for rate, duration in zip(rates, line.durations, strict=True):
        parts.append(f"V{HEIGHT - rate / peak * HEIGHT:.1f}H{x + duration * scale:.1f}")
        x += duration * scale
    parts.append(f"V{HEIGHT}Z")
    return "".join(parts)


def _marks(line: Timeline, total: float) -> Iterator[Mark]:
    """A block in its state's colour for each segment that is not plainly present."""
    scale = WIDTH / total
    starts = [0.0]
    for duration in line.durations:
        starts.append(starts[-1] + duration)
    names = dict(line.marked)
    for index, state in enumerate(line.states):
        if state == "p":
            continue
        yield Mark(round(starts[index] * scale, 1),
                   max(round(line.durations[index] * scale, 1), 1.5), state,
                   names.get(index, ""), SEGMENT_STATES[state])


Findings = dict[str | None, list[Finding]]


def _rows(master: PlaylistReport, children: dict[str, PlaylistReport],
          by_playlist: Findings) -> list[Row]:
    """The ladder: a row per variant (declared beside measured), then per rendition."""
    rows: list[Row] = []
    for v in master.variants:
        status, severity = _status(children.get(v.uri or ""), by_playlist.get(v.uri, []))
        rows.append(Row("iframe" if v.iframe else "variant", v.uri or "", v.bandwidth,
                        v.average_bandwidth, v.measured_bandwidth,
                        v.measured_average_bandwidth, v.resolution or "-", v.codecs or "-",
                        status, severity))
    for r in master.renditions:
        status, severity = (_status(children.get(r.uri), by_playlist.get(r.uri, []))
                            if r.uri else ("-", "ok"))
        rows.append(Row((r.type or "").lower(), r.uri or "(no URI)", None, None, None, None,
                        "-", "-", status, severity))
    return rows


def _ladder_title(master: PlaylistReport, children: dict[str, PlaylistReport],
                  by_playlist: Findings) -> Title:
    base = master.uri.rpartition("/")[0] + "/"
    rows = _rows(master, children, by_playlist)
    tracks = [track for uri in dict.fromkeys(row.uri for row in rows) if uri in children
              for track in [_track(children[uri], _relative(uri, base))] if track]
    own = [f for uri in (master.uri, *(row.uri for row in rows))
           for f in by_playlist.get(uri, [])]
    status, severity = _status(master, own)
    scale = max([x for row in rows for x in (row.bandwidth, row.peak) if x] or [1])
    return Title(master.uri, base, status, severity, rows, scale, tracks)


def _titles(report: Report) -> list[Title]:
    """Each multivariant playlist with its ladder, then each media playlist on its own;
    what needs a look first: titles with errors, then warnings, in report order."""
    by_playlist, children, standalone = arrangement(report)
    titles = [_ladder_title(p, children, by_playlist)
              for p in report.playlists if p.kind == "multivariant"]
    for p in standalone:
        status, severity = _status(p, by_playlist.get(p.uri, []))
        track = _track(p, p.uri)
        titles.append(Title(p.uri, "", status, severity, [], 1, [track] if track else []))
    order = {"error": 0, "warning": 1}
    return sorted(titles, key=lambda t: order.get(t.severity, 2))


@dataclass
class RuleGroup:
    code: str
    name: str
    severity: str
    hint: str
    reference: str
    items: list[tuple[str, str]]
    count: int


def _groups(findings: Iterable[Finding]) -> list[RuleGroup]:
    grouped: dict[tuple[Severity, str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        grouped[f.severity, f.code, f.name].append(f)
    out = []
    for (severity, code, name), items in sorted(
            grouped.items(), key=lambda kv: (-kv[0][0].rank, kv[0][1])):
        first = items[0]
        out.append(RuleGroup(code, name, severity.value, first.hint or "",
                             first.reference or "",
                             [(where(f) or "-", f.message) for f in items[:FINDINGS_SHOWN]],
                             len(items)))
    return out


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("hlsinspect.render", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = lambda n: "-" if n is None else f"{n:,}"
    env.filters["relative"] = _relative
    return env


def render_html(report: Report) -> str:
    """The page; a run that inspected nothing is a page that says so."""
    context: dict[str, Any] = {
        "report": report, "titles": [] if report.error else _titles(report),
        "groups": _groups(report.findings), "colours": COLOURS, "width": WIDTH,
        "height": HEIGHT, "shown": FINDINGS_SHOWN,
        "severities": [s.value for s in Severity]}
    return _environment().get_template("report.html.j2").render(context)
