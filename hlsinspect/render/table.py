"""The report for people: the ladder, media playlist facts, findings by severity, a verdict.

Tables drop their least useful columns on narrow terminals instead of folding every cell;
the findings under them are drawn by render/findings_text.py.
"""

from __future__ import annotations

import math
from collections import defaultdict

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from hlsinspect.limits import MAX_DURATION
from hlsinspect.probe_report import ProbeReport
from hlsinspect.render.findings_text import STYLE as _STYLE
from hlsinspect.render.findings_text import findings_text as _findings
from hlsinspect.render.fit import Rows, fitted
from hlsinspect.render.repeats import Ladders, failing, ladders_for
from hlsinspect.render.visible import visible_report
from hlsinspect.report import Finding, PlaylistReport, Report, Severity, Variant
from hlsinspect.uri.keys import directory_of

Findings = dict[str | None, list[Finding]]


def clock(seconds: float | None) -> str:
    """53.186521 -> '0:00:53.187' (H:MM:SS.mmm)."""
    if seconds is None or not math.isfinite(seconds) or abs(seconds) > MAX_DURATION:
        return "-"  # the value's own finding says why
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _length(p: PlaylistReport) -> str:
    if p.total_duration is None:
        return "-"
    seconds = f"{p.total_duration:.6f}".rstrip("0").rstrip(".")
    return f"{seconds} s ({clock(p.total_duration)})"


def _objects(p: PlaylistReport) -> str:
    if p.objects is None:
        return "-"
    o = p.objects
    return f"{o.present}/{o.checked}" + (f" ({o.missing} missing)" if o.missing else "") + (
        f" ({o.unknown} unknown)" if o.unknown else "")


def _status(p: PlaylistReport, findings: list[Finding]) -> Text:
    if p.load_status != "ok":
        return Text(p.load_status.upper(), style="bold red")
    worst = max((f.severity for f in findings), key=lambda s: s.rank, default=None)
    if worst is None or worst is Severity.INFO:
        return Text("OK", style="green")
    count = sum(1 for f in findings if f.severity is worst)
    return Text(f"{count} {worst.value}{'s' if count > 1 else ''}", style=_STYLE[worst])


def _short(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _facts_table(p: PlaylistReport, findings: list[Finding]) -> RenderableType:
    """One playlist, one fact per row: the layout for a single media playlist."""
    table = Table(show_header=False)
    table.add_column("Fact", style="bold", no_wrap=True)
    table.add_column("Value")
    endlist = "-" if p.endlist is None else ("yes" if p.endlist else "no")
    for fact, value in (
        ("Status", _status(p, findings)), ("Version", _short(p.version)),
        ("Target duration", f"{p.target_duration} s" if p.target_duration is not None else "-"),
        ("Media sequence", _short(p.media_sequence)), ("Playlist type", _short(p.playlist_type)),
        ("Endlist", endlist), ("Segments", _short(p.segment_count)),
        ("Total length", _length(p)), ("Objects present", _objects(p)),
        *((("Probed", _probed_fact(p.probe)),) if p.probe is not None else ()),
    ):
        table.add_row(fact, value)
    return Group(Text(p.uri, style="bold"), table)


def media_rows(playlists: list[PlaylistReport], by_playlist: Findings) -> tuple[str, Rows]:
    """Several media playlists, one row each, URIs relative to their common directory (the
    table's title names it)."""
    base = _common_directory([p.uri for p in playlists])
    rows: Rows = [{
        "Playlist": p.uri[len(base):], "Ver": _short(p.version),
        "Target": _short(p.target_duration), "Type": _short(p.playlist_type),
        "Endlist": "-" if p.endlist is None else ("yes" if p.endlist else "no"),
        "Segments": _short(p.segment_count), "Length": clock(p.total_duration),
        "Present": _objects(p), "Status": _status(p, by_playlist[p.uri]),
        **({"Probed": _probed(p.probe)} if p.probe is not None else {}),
    } for p in playlists]
    return f"Media playlists in {base}" if base else "Media playlists", rows


MEDIA_COLUMNS = ["Playlist", "Ver", "Target", "Type", "Endlist", "Segments", "Length", "Present",
                 "Status"]


def media_columns(rows: Rows) -> list[str]:
    """MEDIA_COLUMNS, with Probed (before Present) when a row has a --probe measurement."""
    return _with_probed(list(MEDIA_COLUMNS), rows)


def _with_probed(columns: list[str], rows: Rows) -> list[str]:
    """`columns` with Probed before Present when a row has a --probe measurement."""
    if any("Probed" in row for row in rows):
        columns.insert(columns.index("Present"), "Probed")
    return columns


def _media_table(playlists: list[PlaylistReport], by_playlist: Findings, width: int) -> Table:
    title, rows = media_rows(playlists, by_playlist)
    return fitted(title, media_columns(rows), rows, width,
                   ("Ver", "Type", "Endlist", "Target", "Probed", "Present"))


def _common_directory(uris: list[str]) -> str:
    """The longest directory prefix all URIs share ('' when they share none, e.g. S3 + disk)."""
    directories = [directory_of(uri).split("/") for uri in uris]
    shared: list[str] = []
    for parts in zip(*directories, strict=False):
        if len(set(parts)) != 1:
            break
        shared.append(parts[0])
    return "/".join(shared) + "/" if shared and shared != [""] else ""


def ladder_rows(master: PlaylistReport, children: dict[str, PlaylistReport],
                by_playlist: Findings, measured: bool = True) -> Rows:
    """One row per variant, I-frame playlist and rendition, with its own playlist's facts;
    without a Measured cell when nothing was measured (`watch` asks no segment's size)."""
    base = directory_of(master.uri) + "/"
    entries: list[tuple[str, str | None, int | None, dict[str, str | Text]]] = []
    own = defaultdict(list)  # the multivariant playlist's findings about a row's own tag
    named = defaultdict(list)  # ... and the faults of the URI it gives (one not followed)
    for finding in by_playlist[master.uri]:
        if finding.line is not None and finding.playlist == master.uri:
            own[finding.line].append(finding)
        if (finding.uri is not None and finding.playlist == master.uri
                and finding.severity is not Severity.INFO):
            named[finding.uri].append(finding)
    for v in master.variants:
        cells: dict[str, str | Text] = {
            "Bandwidth": _number(v.bandwidth), "Avg bw": _number(v.average_bandwidth),
            "Resolution": _short(v.resolution), "Codecs": _short(v.codecs),
            "FPS": _short(v.frame_rate), "GROUP-ID": ", ".join(v.groups) or "-"}
        if measured:
            cells["Measured"] = _measured(v.measured_bandwidth, v.measured_average_bandwidth,
                                          _unmeasured(master, v, children))
        entries.append(("iframe" if v.iframe else "variant", v.uri, v.line, cells))
    listed: set[tuple[str | None, str | None]] = set()
    for r in master.renditions:
        # one row per group a playlist serves: the same playlist in two groups is two rows,
        # each naming its group; named twice in one group, it is one row
        if r.uri is not None and (r.group_id, r.uri) in listed:
            continue
        listed.add((r.group_id, r.uri))
        entries.append(((r.type or "").lower() + (f" ({r.language})" if r.language else ""),
                        r.uri, r.line, {"GROUP-ID": _short(r.group_id)}))
    rows: Rows = []
    for kind, uri, line, cells in entries:
        row: dict[str, str | Text] = {"Type": kind, "Playlist": (
            uri[len(base):] if uri.startswith(base) else uri) if uri else "(no URI)", **cells}
        tagged = list(dict.fromkeys([*(own.get(line, []) if line is not None else []),
                                     *(named.get(uri, []) if uri else [])]))
        child = children.get(uri or "")
        if child is not None:
            row.update({"Target": _short(child.target_duration),
                        "Segments": _short(child.segment_count),
                        "Length": clock(child.total_duration), "Present": _objects(child),
                        "Status": _status(child, list(dict.fromkeys(
                            [*by_playlist[child.uri], *tagged])))})
            if child.probe is not None:
                row["Probed"] = _probed(child.probe)
        elif tagged:
            row["Status"] = _status(master, tagged)
        rows.append(row)
    return rows


LADDER_COLUMNS = ["Type", "GROUP-ID", "Playlist", "Bandwidth", "Avg bw", "Measured",
                  "Resolution", "Codecs", "FPS", "Target", "Segments", "Length", "Present",
                  "Status"]


def ladder_columns(rows: Rows) -> list[str]:
    """LADDER_COLUMNS, without GROUP-ID for a ladder that names no rendition group, and with
    Probed (before Present) when a row has a --probe measurement."""
    grouped = any(row.get("GROUP-ID", "-") != "-" for row in rows)
    measured = any("Measured" in row for row in rows) or not any(
        row.get("Type") in ("variant", "iframe") for row in rows)
    return _with_probed([c for c in LADDER_COLUMNS
                         if (grouped or c != "GROUP-ID") and (measured or c != "Measured")],
                        rows)


def _ladder_table(master: PlaylistReport, children: dict[str, PlaylistReport],
                  by_playlist: Findings, width: int, measured: bool) -> Table:
    rows = ladder_rows(master, children, by_playlist, measured)
    columns = ladder_columns(rows)
    probed = ("Probed",) if "Probed" in columns else ()
    # least useful first: what the JSON has anyway, then facts; what --probe measured (the
    # user asked for it) late, the rendition groups that make the ladder's structure and
    # the row's kind last; never presence or status
    return fitted(f"Ladder of {master.uri}", columns, rows, width,
                   ("Avg bw", "FPS", "Codecs", "Resolution", "Target", "Length",
                    "Segments", "Measured", *probed, "Bandwidth"), last=("GROUP-ID", "Type"))


def _probed_fact(probe: ProbeReport) -> str:
    """With --probe, for one playlist: what was measured, and in how many segments."""
    measured = ", ".join(x for x in (clock(probe.measured_duration)
                                     if probe.measured_duration is not None else "",
                                     ",".join(probe.codecs), probe.resolution or "") if x)
    count = len(probe.segments)
    if not count:  # only present, unencrypted, non-GAP segments are read
        return "no segment probed (only present, unencrypted segments are)"
    return f"{count} segment{'' if count == 1 else 's'}: {measured or 'nothing measured'}"


def _probed(probe: ProbeReport) -> str:
    """With --probe: the measured length of the probed segments and the codecs found."""
    return f"{clock(probe.measured_duration)} {','.join(probe.codecs)}".strip()


def _measured(peak: int | None, average: int | None, why: str = "") -> str:
    """Measured peak / average bit rate, from the verified segment sizes ("-" while a
    segment's size is unknown: missing, unverified, or a gap; with why, when known)."""
    if peak is None or average is None:
        return f"- ({why})" if why else "-"
    return f"{peak:,} / {average:,}"


def _unmeasured(master: PlaylistReport, variant: Variant,
                children: dict[str, PlaylistReport]) -> str:
    """Why a variant has no measured bit rate, when an object it, or a rendition it plays
    with, references is missing or unverified: a size is unknown, so is the rate."""
    named = [("", variant.uri), *((f"{(r.type or '').lower()} ", r.uri)
                                   for r in master.renditions
                                   if r.group_id in variant.groups and r.uri is not None)]
    for state in ("missing", "unknown"):
        for kind, uri in named:
            child = children.get(uri or "")
            if child is not None and child.objects and getattr(child.objects, state):
                return f"{kind}segment {'missing' if state == 'missing' else 'unverified'}"
    for kind, uri in named:
        child = children.get(uri or "")
        if child is not None and child.load_status in ("unparsable", "missing"):
            return f"{kind}playlist " + ("missing" if child.load_status == "missing" else
                                         "not a playlist")
        if child is None or child.load_status != "ok":
            return f"{kind}playlist not read"
    # every object there and read: a segment whose size is not its own to measure (a GAP,
    # a URI on another host, an unresolved variable) or a duration of 0
    return "a segment's size unknown"


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def verdict(report: Report) -> Text:
    s = report.summary
    unparsable = sum(1 for p in report.playlists if p.load_status == "unparsable")
    unread = (sum(1 for p in report.playlists if p.load_status != "ok")
              - s.playlists_missing - unparsable)
    notes = [f"{s.playlists_missing} missing"] if s.playlists_missing else []
    notes += [f"{unread} not read"] if unread else []
    # read, but no playlist: a finding of its own (exit 1), not a failure to read (exit 2)
    notes += [f"{unparsable} not a playlist"] if unparsable else []
    playlists = _count(s.playlists, "playlist") + (f" ({', '.join(notes)})" if notes else "")
    words = (f"{_count(s.errors, 'error')}, {_count(s.warnings, 'warning')}, {s.infos} info\n"
             f"      {playlists}, {_count(s.segments, 'segment')}; "
             f"{_count(s.objects_checked, 'object')} checked: {s.missing} missing, "
             f"{s.unknown} unknown")
    if report.shard is not None:
        words += (f"\n      shard {report.shard[0]}/{report.shard[1]}: only this worker's share "
                  "of the titles; hlsinspect merge combines the shards' JSON reports")
    if report.incomplete is not None:
        words += f"\n      INCOMPLETE: {report.incomplete}"
    if report.ok:
        return Text.assemble(("PASS", "bold green"), "  ", words)
    threshold = " (--fail-on warning)" if report.fail_on is Severity.WARNING else ""
    return Text.assemble(("FAIL", "bold red"), "  ", words, threshold)


def arrangement(report: Report) -> tuple[Findings, dict[str, PlaylistReport],
                                         list[PlaylistReport]]:
    """Findings by playlist, the playlists that multivariant playlists reference (their
    ladders show them), and the media playlists shown on their own."""
    by_playlist: Findings = defaultdict(list, report.by_playlist())
    children = {p.uri: p for p in report.playlists if p.parent is not None}
    in_ladder = {v.uri for p in report.playlists for v in p.variants if v.uri} | {
        r.uri for p in report.playlists for r in p.renditions if r.uri}
    standalone = [p for p in report.playlists
                  if p.kind == "media" and (p.parent is None or p.uri not in in_ladder)]
    return by_playlist, children, standalone


def render_table(report: Report, width: int = 160, *, quiet: bool = False,
                 ladders: Ladders | None = None) -> RenderableType:
    """The whole report, or (`quiet`) only its findings and the verdict; keys with control
    characters shown `visible`, so none forges a line or sends the terminal an escape.

    `ladders` (--ladders) says which titles' tables are drawn: all, only those with an
    error or a warning (the default above LADDERS_ALL_UP_TO titles, with one line counting
    the others), or none."""
    report = visible_report(report)
    if quiet:
        return Group(*_findings(list(report.findings)), verdict(report))
    by_playlist, children, standalone = arrangement(report)
    masters = [p for p in report.playlists if p.kind == "multivariant"]
    shown = ladders_for(len(masters) + len(standalone), ladders)
    if shown != "all":
        kept = [p for p in masters if shown == "failing" and failing(
            [p, *(children[u] for u in _ladder_uris(p) if u in children)], by_playlist)]
        alone = [p for p in standalone if shown == "failing" and failing([p], by_playlist)]
        hidden = len(masters) - len(kept) + len(standalone) - len(alone)
        masters, standalone = kept, alone
    parts: list[RenderableType] = [
        _ladder_table(p, children, by_playlist, width, measured=report.timeline is None)
        for p in masters]
    if len(standalone) == 1:
        parts.append(_facts_table(standalone[0], by_playlist[standalone[0].uri]))
    elif standalone:
        parts.append(_media_table(standalone, by_playlist, width))
    if shown != "all" and hidden:
        parts.append(Text(_hidden(hidden, shown), style="dim"))
    parts.extend(_findings(list(report.findings)))
    parts.append(verdict(report))
    return Group(*parts)


def _ladder_uris(master: PlaylistReport) -> list[str]:
    return [u for u in (*(v.uri for v in master.variants),
                        *(r.uri for r in master.renditions)) if u]


def _hidden(count: int, shown: Ladders) -> str:
    if shown == "failing":
        return (f"{_count(count, 'title')} without errors or warnings: tables not shown "
                "(--ladders all shows them)")
    return f"{_count(count, 'title')}: tables not shown (--ladders all shows them)"
