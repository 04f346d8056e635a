"""The AWS Lambda handler: `hlsinspect.aws_lambda.handler(event, context)`.

A thin adapter over the Python API (`hlsinspect.inspect`, `Settings`, the Report): it reads
which playlists an event names (`events.py`), checks each (`checking.py`) before Lambda's time
runs out (`deadline.py`), writes each JSON report under HLSINSPECT_REPORT_PREFIX and logs one
metrics line per title (`outputs.py`), and answers in the shape the event's source expects:

- S3 Batch Operations (schema 1.0 and 2.0): one result per task; a verdict is data
  (`Succeeded`, `PASS ...` or `FAIL N errors ...`), a transient fault `TemporaryFailure`
  (Batch tries again), anything that can never be checked `PermanentFailure`;
- SQS messages carrying S3 events: `batchItemFailures` naming every message with a playlist
  that could not be checked for a transient reason, so SQS delivers it again;
- S3 event notifications, EventBridge "Object Created" events and anything else:
  `{"results": [{"target", "verdict", "errors", "warnings", "report"}]}`.

Keys that are not playlists, or that HLSINSPECT_TRIGGER (a glob, `*.m3u8` by default) does not
select, are skipped without a request.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from hlsinspect.aws_lambda import events
from hlsinspect.aws_lambda.checking import Config, Outcome, check
from hlsinspect.aws_lambda.deadline import Deadline
from hlsinspect.aws_lambda.events import Item, Source
from hlsinspect.aws_lambda.outputs import ReportNotWritten, metrics_line, write_report
from hlsinspect.errors import HlsInspectError
from hlsinspect.render.json import error_report

RESULT_STRING = 1_000
"""Characters of a Batch task's resultString kept: its completion report is a CSV row."""


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Check every playlist `event` names; the answer its source expects (see above)."""
    checker = Checker(os.environ, Deadline(context))
    shape = events.kind(event)
    if shape == "batch":
        return _batch(event, checker)
    if shape == "sqs":
        return _sqs(event, checker)
    return {"results": [checker.check(source).result() for source in events.objects(event)
                        if checker.wants(source)]}


class Checker:
    """How one source is checked under this environment's settings: inspected, its report
    written, its metrics logged. Settings that cannot be read make every check an ERROR
    naming them, worth retrying once the function's configuration is fixed."""

    def __init__(self, environ: Mapping[str, str], deadline: Deadline) -> None:
        self.deadline = deadline
        self.config: Config | None = None
        self.wrong: HlsInspectError | None = None
        try:
            self.config = Config.from_environ(environ)
        except HlsInspectError as exc:
            self.wrong = exc

    def wants(self, source: Source) -> bool:
        """Whether the trigger selects this object (a key it skips costs no request)."""
        return self.config is None or self.config.wants(source.key)

    def check(self, source: Source) -> Outcome:
        if self.config is None:
            assert self.wrong is not None
            return _error(source, self.wrong.kind, f"settings: {self.wrong.message}",
                          self.wrong.hint, 0.0)
        if self.deadline.passed:  # nothing more is started, not even a report's write
            outcome = _error(source, "interrupted", "not checked: the function's time ran out "
                             "first", "give the function a longer timeout", 0.0)
            self._log(outcome, None)
            return outcome
        outcome = check(source, self.config, self.deadline)
        written = None
        if self.config.report_prefix is not None:
            try:
                written = write_report(self.config.report_prefix, outcome, self.config.s3.region)
            except ReportNotWritten as exc:
                if outcome.verdict != "ERROR":  # an ERROR says more than its lost report
                    outcome = _error(source, exc.kind, exc.message, exc.hint, outcome.seconds)
        self._log(outcome, written)
        return outcome

    def _log(self, outcome: Outcome, written: str | None) -> None:
        """The title's metrics line on stdout, which Lambda sends to CloudWatch Logs."""
        assert self.config is not None
        sys.stdout.write(metrics_line(outcome, self.config.namespace, written) + "\n")
        sys.stdout.flush()


def _error(source: Source, kind: str, message: str, hint: str | None,
           seconds: float) -> Outcome:
    """An ERROR worth trying again: no time left, or the function's settings or its report
    prefix, which a fix to its configuration makes pass."""
    return Outcome(source, "ERROR", error_report([source.uri], kind, message, hint), seconds,
                   transient=True)


def _sqs(event: Mapping[str, Any], checker: Checker) -> dict[str, Any]:
    """The SQS partial-batch answer: the messages to deliver again."""
    again = []
    for item in events.messages(event):
        outcomes = [checker.check(source) for source in item.sources if checker.wants(source)]
        if any(o.verdict == "ERROR" and o.transient for o in outcomes):
            again.append({"itemIdentifier": item.ident})
    return {"batchItemFailures": again}


def _batch(event: Mapping[str, Any], checker: Checker) -> dict[str, Any]:
    """The S3 Batch Operations answer: one result per task."""
    return {
        "invocationSchemaVersion": event.get("invocationSchemaVersion"),
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": event.get("invocationId"),
        "results": [_task(item, checker) for item in events.tasks(event)],
    }


def _task(item: Item, checker: Checker) -> dict[str, str]:
    """One task's result: the verdict is data in the completion report, not a failure."""
    if item.problem is not None or not item.sources:
        code, text = "PermanentFailure", item.problem or "no object"
    elif not checker.wants(item.sources[0]):
        code, text = "Succeeded", (f"SKIPPED not a playlist the trigger selects: "
                                   f"{item.sources[0].uri}")
    else:
        outcome = checker.check(item.sources[0])
        summary = outcome.report.summary
        if outcome.verdict == "ERROR":
            code = "TemporaryFailure" if outcome.transient else "PermanentFailure"
            text = f"ERROR {outcome.reason}"
        else:
            code = "Succeeded"
            text = (f"{outcome.verdict} {summary.errors} errors, {summary.warnings} warnings, "
                    f"{summary.missing + summary.playlists_missing} missing objects")
    return {"taskId": item.ident, "resultCode": code, "resultString": text[:RESULT_STRING]}
