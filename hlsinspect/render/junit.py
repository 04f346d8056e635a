"""JUnit XML for CI dashboards: one test case per playlist, failing on its findings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from hlsinspect.report import Finding, Report


def _describe(finding: Finding) -> str:
    where = [finding.uri] if finding.uri else []
    if finding.playlist:
        where.append(f"at {finding.playlist}:{finding.line}" if finding.line
                     else f"in {finding.playlist}")
    text = (f"[{finding.severity.value}] {finding.code} {finding.name}: {finding.message} "
            f"({'; '.join(where)})")
    if finding.reference:
        text += f" [{finding.reference}]"
    return text + (f" fix: {finding.hint}" if finding.hint else "")


def render_junit(report: Report) -> str:
    """A test case per playlist; a run that inspected nothing is one errored test case."""
    if report.error is not None:
        suites = ET.Element("testsuites", name="hlsinspect", tests="1", errors="1")
        suite = ET.SubElement(suites, "testsuite", name="hlsinspect", tests="1", errors="1")
        case = ET.SubElement(suite, "testcase", classname="hlsinspect",
                             name=" ".join(report.targets) or "targets")
        error = ET.SubElement(case, "error", type=report.error.kind,
                              message=report.error.message)
        error.text = report.error.message + (f"\nhint: {report.error.hint}"
                                             if report.error.hint else "")
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
    by_playlist: dict[str | None, list[Finding]] = defaultdict(list, report.by_playlist())
    names = [p.uri for p in report.playlists]
    names += [uri for uri in by_playlist if uri is not None and uri not in names]
    suite = ET.Element("testsuite", name="hlsinspect", tests=str(len(names)))
    failures = 0
    for name in [*names, *([None] if None in by_playlist else [])]:
        case = ET.SubElement(suite, "testcase", classname="hlsinspect",
                             name=name or "targets")
        findings = by_playlist.get(name, [])
        failing = [f for f in findings if f.severity.rank >= report.fail_on.rank]
        if failing:
            failures += 1
            failure = ET.SubElement(
                case, "failure", type=failing[0].name,
                message=f"{len(failing)} finding(s) at or above {report.fail_on.value}")
            failure.text = "\n".join(_describe(f) for f in failing)
        rest = [f for f in findings if f not in failing]
        if rest:
            ET.SubElement(case, "system-out").text = "\n".join(_describe(f) for f in rest)
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suites = ET.Element("testsuites", name="hlsinspect", tests=suite.get("tests", "0"),
                        failures=str(failures))
    suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
