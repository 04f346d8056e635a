"""JSON reports in, one Report out: what `hlsinspect merge` combines. Never prints.

An audit split with `check --shard K/N` over N workers leaves N JSON reports. Merged, they read
as if one run had inspected every target. What would make a partial audit look clean is
refused (a shard missing or given twice, shards of different splits), or, with
`allow_partial`, kept in the report as a failing finding; a worker that inspected nothing
becomes a `target-not-inspected` finding, as a failed target does in one run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hlsinspect import limits
from hlsinspect.checks.registry import finding, priority
from hlsinspect.errors import InputError, UsageError, error_for
from hlsinspect.report import (
    SCHEMA_VERSION,
    Finding,
    ObjectCounts,
    Report,
    Severity,
    TimelineEvent,
)
from hlsinspect.version import __version__

_HINT = "merge the files that 'hlsinspect check --format json --output FILE' wrote"


@dataclass(frozen=True)
class Loaded:
    """One input report and the file it came from, which error messages name."""

    source: str
    report: Report


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")


def _depth(raw: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, in one pass: the decoder recurses
    once a level, so 100,000 `[` would end in RecursionError rather than an answer."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", raw)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def load(path: Path) -> Loaded:
    """Read one JSON report; HlsInspectError (exit 2) when it is not one we can merge."""
    try:
        raw = path.read_bytes()
        depth = _depth(raw)
        if depth > limits.MAX_JSON_DEPTH:
            raise InputError(f"{path} is nested {depth} levels deep, deeper than a report "
                             f"can be ({limits.MAX_JSON_DEPTH})", hint=_HINT)
        data = json.loads(raw)
    except FileNotFoundError as exc:
        raise InputError(f"cannot read {path}: no such file", hint=_HINT) from exc
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for binary files
        raise InputError(f"{path} is not a JSON document ({exc})", hint=_HINT) from exc
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to be a report", hint=_HINT) from None
    tool = data.get("tool") if isinstance(data, dict) else None
    if not isinstance(tool, dict) or tool.get("name") != "hlsinspect":
        raise InputError(f"{path} is not an hlsinspect report (no tool.name 'hlsinspect')",
                         hint=_HINT)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"{path} has schema_version {data.get('schema_version')!r}; this hlsinspect "
            f"reads schema_version {SCHEMA_VERSION}",
            hint="merge with the hlsinspect version that wrote the reports")
    try:
        return Loaded(str(path), Report.from_dict(data))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path} is not a complete hlsinspect report "
                         f"({type(exc).__name__}: {exc})",
                         hint=_HINT) from exc


def merge(inputs: Sequence[Loaded], *, allow_partial: bool = False,
          fail_on: Severity | None = None) -> Report:
    """One report from several: targets and playlists in input order, each once (`_kept`
    says which report's entry); findings once each, ordered as the engine orders them;
    object counts summed, less what a dropped entry of a playlist added to its report's
    counts (`objects_counted`: its other report counted those objects too). `fail_on`
    defaults to the strictest threshold of the inputs."""
    if not inputs:
        raise UsageError("no report to merge")
    notes = _shard_findings(inputs, allow_partial)
    reports = [i.report for i in inputs]
    failed = [i for i in inputs if i.report.error is not None]
    if len(failed) == len(inputs):
        first = failed[0].report.error
        assert first is not None
        raise error_for(first.kind, f"no report inspected anything; {failed[0].source}: "
                        f"{first.message}", first.hint)
    # a report that inspected nothing is the target merge could not use: named by its file
    failures = [finding("target-not-inspected", i.report.error.message, playlist=None,
                        uri=str(i.source), hint=i.report.error.hint)
                for i in failed if i.report.error]
    kept = _kept(reports)
    findings: list[Finding] = [f for at, r in enumerate(reports) for f in r.findings
                               if f.playlist is None or kept.get(f.playlist, at) == at]
    findings += failures + notes
    counted = sum((r.objects for r in reports), ObjectCounts())
    for at, report in enumerate(reports):
        for playlist in report.playlists:
            if kept[playlist.uri] != at:
                # what that entry added to its report's counts (older reports: its own)
                added = (playlist.objects_counted if playlist.objects_counted is not None
                         else playlist.objects)
                counted = counted - added if added is not None else counted
    return Report(
        version=__version__,
        targets=tuple(dict.fromkeys(t for r in reports for t in r.targets)),
        playlists=tuple(p for at, r in enumerate(reports) for p in r.playlists
                        if kept[p.uri] == at),
        findings=tuple(sorted(dict.fromkeys(findings), key=priority)),
        objects=counted,
        fail_on=fail_on or min((r.fail_on for r in reports), key=lambda s: s.rank),
        # a shard stopped by Ctrl-C or SIGTERM leaves the merged audit incomplete too
        incomplete=next((f"{i.source}: {i.report.incomplete}" for i in inputs
                         if i.report.incomplete is not None), None),
        timeline=_timeline(reports))


def _timeline(reports: Sequence[Report]) -> tuple[TimelineEvent, ...] | None:
    """Watch reports' timelines as one, in time order (ISO 8601 UTC sorts as text; a stable
    sort keeps each report's own order within one instant); None when no report is one."""
    if all(r.timeline is None for r in reports):
        return None
    return tuple(sorted((e for r in reports for e in r.timeline or ()),
                        key=lambda e: e.time))


def _kept(reports: Sequence[Report]) -> dict[str, int]:
    """For each playlist, the report whose entry the merge keeps (by index).

    A playlist is in two reports when a multivariant playlist of one shard's title
    references a media playlist of another shard's title (`../1M/index.m3u8`), or when
    whole runs overlap. The entry that was inspected under a multivariant playlist wins
    over one inspected on its own, in whatever order the reports are given, as in one run,
    where the multivariant playlist takes its child back (`Run._reclaim`); between two
    entries alike, the first report's. Only the kept entry's findings about the playlist
    stay, and the objects the other entries counted are counted once.
    """
    kept: dict[str, tuple[int, bool]] = {}
    for at, report in enumerate(reports):
        for playlist in report.playlists:
            first = kept.get(playlist.uri)
            if first is None or (playlist.parent is not None and not first[1]):
                kept[playlist.uri] = at, playlist.parent is not None
    return {uri: at for uri, (at, _) in kept.items()}


def _shard_findings(inputs: Sequence[Loaded], allow_partial: bool) -> list[Finding]:
    """The shard-missing findings of a partial merge; HlsInspectError when the shards do not
    make one audit. Reports of whole runs (no shard) take no part in this."""
    sharded = [(i.source, i.report.shard) for i in inputs if i.report.shard is not None]
    if not sharded:
        return []
    count = sharded[0][1][1]
    if any(n != count for _, (_, n) in sharded):
        splits = ", ".join(f"{source} is {k}/{n}" for source, (k, n) in sharded)
        raise InputError(f"the reports come from different splits: {splits}",
                         hint="merge the reports of one 'check --shard K/N' run")
    targets = {i.report.targets for i in inputs if i.report.shard is not None}
    if len(targets) > 1:
        named = " and ".join(sorted(" ".join(t) for t in targets))
        raise InputError(f"the shards were run on different targets ({named}): together "
                         "they are not one audit",
                         hint="give every worker of one split the same targets")
    seen: dict[int, str] = {}
    for source, (index, _) in sharded:
        if not 1 <= index <= count:
            raise InputError(f"{source} claims shard {index}/{count}, which no "
                             "--shard run writes", hint=_HINT)
        if index in seen:
            raise InputError(f"shard {index}/{count} is given twice: {seen[index]} and "
                             f"{source}",
                             hint="name each shard's report once")
        seen[index] = source
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in seen]
    if missing and not allow_partial:
        raise InputError(
            f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing: without "
            f"{'its' if len(missing) == 1 else 'their'} report the audit is incomplete",
            hint="merge every shard's report, or pass --allow-partial to merge "
                 "these (the merged report then fails with shard-missing)")
    return [finding("shard-missing", f"shard {shard} was not merged: its targets were not "
                    "inspected", playlist=None) for shard in missing]
