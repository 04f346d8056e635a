"""JUnit XML for CI dashboards: each failing finding is one failed test case.

The counts match the console's: `failures` is the number of findings at or above `--fail-on`
(the verdict's errors, plus its warnings under `--fail-on warning`), one test case each,
because dashboards (Jenkins, GitLab, GitHub test reporters) show one failure per test case
and drop the rest. A playlist without such a finding is one passing test case, named by its
URI. Each finding belongs to one playlist: the one it is about, which for a finding of a
multivariant playlist about one of its variants or renditions (missing, shorter than its
siblings) is that variant, not both. URIs that are not playlists of the report (external
ones, segments) never become test cases. Findings below `--fail-on` fail nothing: they are
listed in the `<system-out>` of their playlist's first test case. A run that inspected
nothing (exit code 2) is one errored test case; a run stopped by Ctrl-C or SIGTERM has the
test cases of what it completed and one errored test case, `interrupted`.

Test cases are classed by playlist, so Jenkins and GitLab file each title's findings under
its own playlists: `classname` is the playlist's URI (`s3://bucket/key`, `http(s)://...`),
a local playlist's path relative to the workspace (GITHUB_WORKSPACE, CI_PROJECT_DIR, else
the working directory) as the CI formats name it. Every test case's `name` follows one
pattern:

    CODE NAME[ at line N| in OTHER-PLAYLIST[:N]][ (OBJECT)][ #K]

`at line N` is a line of the class's playlist; `in OTHER-PLAYLIST:N` a line of another one
(a multivariant playlist's line about this variant); OBJECT is the object the finding is
about, relative to the playlist's directory when it lies under it; `#K` numbers the K-th
repeat of a name in one class (GitLab keeps one test case per class and name). A playlist
with no failing finding is one passing test case named `no failing finding`. A run that
inspected nothing, and the `interrupted` case, are classed `hlsinspect`.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

from hlsinspect.render.places import place, workspace
from hlsinspect.render.visible import visible_report
from hlsinspect.report import Finding, Report

_PASSED = "no failing finding"
"""The name of a playlist's test case when no finding of it is at or above --fail-on."""
_TARGETS = "targets"
"""The test case of findings that belong to no playlist and name no object (a target not
inspected is its target's test case)."""


def _describe(finding: Finding, root: Path) -> str:
    where = [place(finding.uri, root)] if finding.uri else []
    if finding.playlist:
        where.append(f"at {place(finding.playlist, root)}:{finding.line}" if finding.line
                     else f"in {place(finding.playlist, root)}")
    text = f"[{finding.severity.value}] {finding.code} {finding.name}: {finding.message}"
    if where:
        text += f" ({'; '.join(where)})"
    if finding.reference:
        text += f" [{finding.reference}]"
    return text + (f" fix: {finding.hint}" if finding.hint else "")


def subject(finding: Finding, playlists: set[str]) -> str:
    """The playlist `finding` is about: the playlist it names as its object when that is one
    of the report's, else the playlist it was found in."""
    if finding.uri and finding.uri != finding.playlist and finding.uri in playlists:
        return finding.uri
    return finding.playlist or finding.uri or _TARGETS


def _object(uri: str, playlist: str, root: Path) -> str:
    """`uri` relative to the playlist's directory when under it (`stream_0/s3.ts`), else as
    the class names playlists."""
    directory = posixpath.dirname(playlist) + "/"
    if uri.startswith(directory) and playlist != _TARGETS:
        return uri[len(directory):]
    return place(uri, root)


def _case_name(playlist: str, finding: Finding, root: Path) -> str:
    """`CODE NAME at line N (OBJECT)`, the line's playlist named when another (module
    docstring)."""
    name = f"{finding.code} {finding.name}"
    if finding.playlist not in (playlist, None):
        name += f" in {place(finding.playlist, root)}" + (
            f":{finding.line}" if finding.line else "")
    elif finding.line:
        name += f" at line {finding.line}"
    if finding.uri and finding.uri != playlist:
        name += f" ({_object(finding.uri, playlist, root)})"
    return name


def _cases(report: Report, root: Path) -> list[ET.Element]:
    uris = [p.uri for p in report.playlists]
    known = set(uris)
    by_subject: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_subject[subject(finding, known)].append(finding)
    cases: list[ET.Element] = []
    names: Counter[tuple[str, str]] = Counter()
    for playlist in dict.fromkeys([*uris, *by_subject]):
        findings = by_subject.get(playlist, [])
        failing = [f for f in findings if f.severity.rank >= report.fail_on.rank]
        classname = place(playlist, root)
        own: list[ET.Element] = []
        for finding in failing:
            name = _case_name(playlist, finding, root)
            names[classname, name] += 1  # GitLab keeps one test case per classname and name
            if names[classname, name] > 1:
                name += f" #{names[classname, name]}"
            case = ET.Element("testcase", classname=classname, name=name)
            ET.SubElement(case, "failure", type=finding.name,
                          message=f"{finding.code} {finding.name}: {finding.message}"
                          ).text = _describe(finding, root)
            own.append(case)
        if not own:
            own.append(ET.Element("testcase", classname=classname, name=_PASSED))
        rest = [f for f in findings if f.severity.rank < report.fail_on.rank]
        if rest:
            ET.SubElement(own[0], "system-out").text = "\n".join(
                _describe(f, root) for f in rest)
        cases.extend(own)
    return cases


def _document(suite: ET.Element) -> str:
    suites = ET.Element("testsuites", name="hlsinspect", tests=suite.get("tests", "0"),
                        failures=suite.get("failures", "0"), errors=suite.get("errors", "0"))
    suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def render_junit(report: Report, root: Path | None = None) -> str:
    """The document; a run that inspected nothing is one errored test case. Names are
    shown `visible`, as XML 1.0 cannot hold control characters or lone surrogates. Local
    playlists are named relative to `root` (default: the workspace)."""
    report = visible_report(report)
    if report.error is not None:
        suite = ET.Element("testsuite", name="hlsinspect", tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname="hlsinspect",
                             name=" ".join(report.targets) or _TARGETS)
        error = ET.SubElement(case, "error", type=report.error.kind,
                              message=report.error.message)
        error.text = report.error.message + (f"\nhint: {report.error.hint}"
                                             if report.error.hint else "")
        return _document(suite)
    cases = _cases(report, root or workspace())
    if report.incomplete is not None:
        case = ET.Element("testcase", classname="hlsinspect", name=" ".join(report.targets))
        ET.SubElement(case, "error", type="interrupted",
                      message=report.incomplete).text = report.incomplete
        cases.append(case)
    suite = ET.Element("testsuite", name="hlsinspect", tests=str(len(cases)),
                       failures=str(len(report.failing)),
                       errors="0" if report.incomplete is None else "1")
    suite.extend(cases)
    return _document(suite)
