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
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter, defaultdict

from hlsinspect.render.visible import visible_report
from hlsinspect.report import Finding, Report

_TARGETS = "targets"
"""The test case of findings that belong to no playlist and name no object (a target not
inspected is its target's test case)."""


def _describe(finding: Finding) -> str:
    where = [finding.uri] if finding.uri else []
    if finding.playlist:
        where.append(f"at {finding.playlist}:{finding.line}" if finding.line
                     else f"in {finding.playlist}")
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


def _case_name(playlist: str, finding: Finding) -> str:
    """`PLAYLIST: CODE NAME at line N (OBJECT)`, the line's playlist named when another."""
    name = f"{playlist}: {finding.code} {finding.name}"
    if finding.playlist not in (playlist, None):
        name += f" in {finding.playlist}" + (f":{finding.line}" if finding.line else "")
    elif finding.line:
        name += f" at line {finding.line}"
    if finding.uri and finding.uri != playlist:
        name += f" ({finding.uri})"
    return name


def _cases(report: Report) -> list[ET.Element]:
    uris = [p.uri for p in report.playlists]
    known = set(uris)
    by_subject: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_subject[subject(finding, known)].append(finding)
    cases: list[ET.Element] = []
    names: Counter[str] = Counter()
    for playlist in dict.fromkeys([*uris, *by_subject]):
        findings = by_subject.get(playlist, [])
        failing = [f for f in findings if f.severity.rank >= report.fail_on.rank]
        own: list[ET.Element] = []
        for finding in failing:
            name = _case_name(playlist, finding)
            names[name] += 1  # GitLab keeps one test case per classname and name
            if names[name] > 1:
                name += f" #{names[name]}"
            case = ET.Element("testcase", classname="hlsinspect", name=name)
            ET.SubElement(case, "failure", type=finding.name,
                          message=f"{finding.code} {finding.name}: {finding.message}"
                          ).text = _describe(finding)
            own.append(case)
        if not own:
            own.append(ET.Element("testcase", classname="hlsinspect", name=playlist))
        rest = [f for f in findings if f.severity.rank < report.fail_on.rank]
        if rest:
            ET.SubElement(own[0], "system-out").text = "\n".join(_describe(f) for f in rest)
        cases.extend(own)
    return cases


def _document(suite: ET.Element) -> str:
    suites = ET.Element("testsuites", name="hlsinspect", tests=suite.get("tests", "0"),
                        failures=suite.get("failures", "0"), errors=suite.get("errors", "0"))
    suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def render_junit(report: Report) -> str:
    """The document; a run that inspected nothing is one errored test case. Names are
    shown `visible`, as XML 1.0 cannot hold control characters or lone surrogates."""
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
    cases = _cases(report)
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
