"""GitHub Actions workflow commands: one annotation per finding, then the verdict.

`::error`, `::warning` and `::notice` lines become annotations on the run (and on the pull
request's files when `file=` names one). A finding gets `file=` and `line=` only when its
playlist is a file in the workspace, since GitHub links nothing else; an S3 or HTTP playlist is
named in the message instead. Values are escaped as GitHub's toolkit escapes them, so a
message with a newline or a `::` stays one command.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from hlsinspect.render.places import in_workspace, place
from hlsinspect.render.visible import visible_report
from hlsinspect.report import Finding, Report, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A command's message: `%`, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property's value: as the message, and `:` and `,`, which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    given = ",".join(f"{key}={escape_property(str(value))}"
                     for key, value in properties.items() if value is not None)
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def annotation(finding: Finding, root: Path) -> str:
    """One workflow command for `finding`; `root` is the workspace its paths are relative to."""
    file = in_workspace(finding.playlist, root)
    lines = [f"{finding.message} ({finding.reference})" if finding.reference
             else finding.message]
    if file is None and finding.playlist:
        lines.append(f"in {finding.playlist}" + (f":{finding.line}" if finding.line else ""))
    if finding.uri and finding.uri != finding.playlist:
        # a finding in no playlist is about a target that could not be inspected
        lines.append(f"{'object' if finding.playlist else 'target'}: {place(finding.uri, root)}")
    if finding.hint:
        lines.append(f"fix: {finding.hint}")
    return command(_COMMAND[finding.severity], "\n".join(lines),
                   title=f"{finding.code} {finding.name}", file=file,
                   line=finding.line if file else None)


def github_lines(report: Report, root: Path) -> Iterator[str]:
    """The annotations, then the verdict as plain lines (exit code 2: one `::error`)."""
    from hlsinspect.render.table import verdict

    report = visible_report(report)  # a newline or ESC in a key forges no command
    if report.error is not None:
        error = report.error
        message = error.message + (f"\nhint: {error.hint}" if error.hint else "")
        yield command("error", message,
                      title=f"hlsinspect could not inspect ({error.kind})") + "\n"
        return
    for finding in report.findings:
        yield annotation(finding, root) + "\n"
    if report.incomplete is not None:
        yield command("error", report.incomplete, title="hlsinspect was interrupted") + "\n"
    yield verdict(report).plain + "\n"
