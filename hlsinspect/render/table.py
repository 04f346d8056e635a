"""The report for people: playlist facts, the ladder, findings by severity, one verdict line."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from hlsinspect.locations import relative_to
from hlsinspect.report import Finding, PlaylistReport, Report, Severity

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def clock(seconds: float | None) -> str:
    """53.186521 -> '0:00:53.187' (H:MM:SS.mmm)."""
    if seconds is None:
        return "-"
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _length(p: PlaylistReport) -> str:
    if p.total_duration is None:
        return "-"
    return f"{p.total_duration:.6f} s ({clock(p.total_duration)})"


def _objects(p: PlaylistReport) -> str:
    if p.objects is None:
        return "-"
    o = p.objects
    return f"{o.present}/{o.checked}" + (f" ({o.missing} missing)" if o.missing else "") + (
        f" ({o.unknown} unknown)" if o.unknown else "")


def _status(p: PlaylistReport, findings: list[Finding]) -> Text:
    if p.status != "ok":
        return Text(p.status.upper(), style="bold red")
    worst = max((f.severity for f in findings), key=lambda s: s.rank, default=None)
    if worst is None or worst is Severity.INFO:
        return Text("OK", style="green")
    count = sum(1 for f in findings if f.severity is worst)
    return Text(f"{count} {worst.value}{'s' if count > 1 else ''}", style=_STYLE[worst])


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _short(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _facts_table(p: PlaylistReport, findings: list[Finding]) -> RenderableType:
    """One playlist, one fact per row: the layout for a single media playlist."""
    table = Table(show_header=False)
    table.add_column("Fact", style="bold")
    table.add_column("Value")
    endlist = "-" if p.endlist is None else ("yes" if p.endlist else "no")
    for fact, value in (
        ("Status", _status(p, findings)), ("Version", _short(p.version)),
        ("Target duration", f"{p.target_duration} s" if p.target_duration is not None else "-"),
        ("Media sequence", _short(p.media_sequence)), ("Playlist type", _short(p.playlist_type)),
        ("Endlist", endlist), ("Segments", _short(p.segment_count)),
        ("Total length", _length(p)), ("Objects present", _objects(p)),
    ):
        table.add_row(fact, value)
    return Group(Text(p.uri, style="bold"), table)


def _media_table(playlists: list[PlaylistReport], by_playlist: dict[str | None, list[Finding]]
                 ) -> Table:
    """Several media playlists, one row each, URIs relative to their common directory."""
    base = _common_directory([p.uri for p in playlists])
    table = Table(title=f"Media playlists in {base}", title_justify="left")
    for column in ("Playlist", "Ver", "Target", "Type", "Endlist", "Segments", "Length",
                   "Present", "Status"):
        table.add_column(column, overflow="fold")
    for p in playlists:
        endlist = "-" if p.endlist is None else ("yes" if p.endlist else "no")
        table.add_row(
            p.uri[len(base):], _short(p.version), _short(p.target_duration),
            _short(p.playlist_type), endlist, _short(p.segment_count),
            clock(p.total_duration), _objects(p), _status(p, by_playlist[p.uri]),
        )
    return table


def _common_directory(uris: list[str]) -> str:
    prefix = uris[0].rpartition("/")[0] + "/"
    for uri in uris[1:]:
        while not uri.startswith(prefix):
            prefix = prefix[:-1].rpartition("/")[0] + "/"
    return prefix


def _ladder_table(master: PlaylistReport, children: dict[str, PlaylistReport],
                  by_playlist: dict[str | None, list[Finding]]) -> Table:
    table = Table(title=f"Ladder of {master.uri}", title_justify="left")
    for column in ("Type", "Playlist", "Bandwidth", "Avg bw", "Resolution", "Codecs", "FPS",
                   "Target", "Segments", "Length", "Present", "Status"):
        wide = column in ("Playlist", "Codecs")
        table.add_column(column, no_wrap=wide, overflow="ellipsis" if wide else "fold")
    rows: list[tuple[str, str | None, list[str]]] = []
    for v in master.variants:
        rows.append(("iframe" if v.iframe else "variant", v.uri, [
            _number(v.bandwidth), _number(v.average_bandwidth), _short(v.resolution),
            _short(v.codecs), _short(v.frame_rate)]))
    for r in master.renditions:
        label = (r.type or "").lower() + (f" ({r.language})" if r.language else "")
        rows.append((label, r.uri, ["-", "-", "-", "-", "-"]))
    for kind, uri, stream in rows:
        child = children.get(uri or "")
        shown = relative_to(_key(master.uri), _key(uri)) if uri else "(no URI)"
        facts = (["-", "-", "-", "-"] if child is None else
                 [_short(child.target_duration), _short(child.segment_count),
                  clock(child.total_duration), _objects(child)])
        status = Text("-") if child is None else _status(child, by_playlist[child.uri])
        table.add_row(kind, shown, *stream, *facts, status)
    return table


def _key(uri: str) -> str:
    return uri.split("://", 1)[1] if "://" in uri else uri


_HEADING = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Info"}


def _findings(findings: list[Finding]) -> list[RenderableType]:
    """Findings by severity, each with its URI on a line of its own so it can be copied."""
    parts: list[RenderableType] = []
    for severity in Severity:
        group = [f for f in findings if f.severity is severity]
        if not group:
            continue
        parts.append(Text(f"{_HEADING[severity]} ({len(group)})", style=_STYLE[severity]))
        for f in group:
            head = Text.assemble("  ", (f"{f.code} {f.name}", _STYLE[severity]))
            if f.uri:
                head.append(f"  {f.uri}")
            parts.append(head)
            parts.append(Text(f"      {f.message}"))
            if f.playlist and (f.line or f.uri != f.playlist):
                where = f"{f.playlist}:{f.line}" if f.line else f.playlist
                parts.append(Text(f"      in {where}", style="dim"))
    return parts


def verdict(report: Report) -> Text:
    s = report.summary
    words = (f"{s.errors} error{'s' if s.errors != 1 else ''}, "
             f"{s.warnings} warning{'s' if s.warnings != 1 else ''}, {s.infos} info; "
             f"{s.playlists} playlist{'s' if s.playlists != 1 else ''}, {s.segments} segments, "
             f"{s.objects_checked} objects checked ({s.missing} missing, {s.unknown} unknown)")
    if report.ok:
        return Text.assemble(("PASS", "bold green"), "  ", words)
    return Text.assemble(("FAIL", "bold red"), "  ", words,
                         f" [fails on {report.fail_on.value} and above]")


def render_table(report: Report) -> RenderableType:
    by_playlist: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_playlist[finding.playlist].append(finding)
        if finding.uri and finding.uri != finding.playlist and finding.uri.endswith(
                (".m3u8", ".m3u")):
            # a multivariant playlist's finding about one of its playlists marks that row too
            by_playlist[finding.uri].append(finding)
    parts: list[RenderableType] = []
    children: dict[str, PlaylistReport] = {}
    for p in report.playlists:
        if p.parent is not None:
            children[p.uri] = p
    for p in report.playlists:
        if p.kind == "multivariant":
            parts.append(_ladder_table(p, children, by_playlist))
    standalone = [p for p in report.playlists
                  if p.kind == "media" and (p.parent is None or p.uri not in _listed(report))]
    if len(standalone) == 1:
        parts.append(_facts_table(standalone[0], by_playlist[standalone[0].uri]))
    elif standalone:
        parts.append(_media_table(standalone, by_playlist))
    parts.extend(_findings(list(report.findings)))
    parts.append(verdict(report))
    return Group(*parts)


def _listed(report: Report) -> set[str]:
    """URIs that appear as a row of some ladder table."""
    uris: set[str] = set()
    for p in report.playlists:
        uris.update(v.uri for v in p.variants if v.uri)
        uris.update(r.uri for r in p.renditions if r.uri)
    return uris


def print_table(report: Report, console: Console) -> None:
    console.print(render_table(report))
