"""One playlist checked through the Python API, and its outcome: a verdict, counts, the report.

The settings come from `HLSINSPECT_*` variables, read as a settings file is
(`config.from_environment`); the handler's own variables are read here too. Whether a failure
is worth retrying (throttling, an endpoint down, the deadline) is decided here, once, for the
SQS and Batch answers alike.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from hlsinspect.aws_lambda.deadline import Deadline
from hlsinspect.aws_lambda.events import Source
from hlsinspect.config import FileSettings, from_environment
from hlsinspect.engine import S3Options, Settings, inspect
from hlsinspect.errors import DeadlineReached, HlsInspectError, Interrupted, UsageError
from hlsinspect.render.json import error_report
from hlsinspect.report import Report, Severity
from hlsinspect.uri.keys import is_playlist_key

Verdict = Literal["PASS", "FAIL", "ERROR"]
OWN = ("TRIGGER", "REPORT_PREFIX", "TIMEOUT", "METRICS_NAMESPACE")
"""Variables the handler reads itself (after HLSINSPECT_), not settings of a check."""
TRANSIENT = frozenset({"endpoint-unreachable", "unavailable", "throttled", "storage-error",
                       "clock-skew", "interrupted"})
"""Error kinds that may pass if the same check is tried again later."""


@dataclass(frozen=True)
class Config:
    """Everything the environment says about how to check and where reports go."""

    settings: Settings
    s3: S3Options
    trigger: str = "*.m3u8"
    report_prefix: str | None = None
    namespace: str = "hlsinspect"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Config:
        values = from_environment(environ, OWN)
        timeout = environ.get("HLSINSPECT_TIMEOUT") or None
        return cls(settings=_settings(values, timeout),
                   s3=S3Options(region=values.get("region")),
                   trigger=environ.get("HLSINSPECT_TRIGGER") or "*.m3u8",
                   report_prefix=environ.get("HLSINSPECT_REPORT_PREFIX") or None,
                   namespace=environ.get("HLSINSPECT_METRICS_NAMESPACE") or "hlsinspect")

    def wants(self, key: str) -> bool:
        """Whether a created object is a playlist this function should check."""
        return is_playlist_key(key) and fnmatch.fnmatchcase(key, self.trigger)


def _settings(values: FileSettings, timeout: str | None) -> Settings:
    """The Settings `check` would build from the same keys in a settings file."""
    from hlsinspect.checks import Selection
    from hlsinspect.locations import parse_maps
    from hlsinspect.settings import ProbeSettings, VerifySettings, parse_duration

    verify = VerifySettings(mode=values.get("verify") or "auto",
                            concurrency=values.get("concurrency") or 32)
    if timeout is not None:
        seconds = parse_duration(timeout, "HLSINSPECT_TIMEOUT")
        if seconds <= 0:
            raise UsageError("HLSINSPECT_TIMEOUT must be more than 0 seconds")
        verify = replace(verify, connect_timeout=seconds, read_timeout=seconds)
    return Settings(
        verify=verify, fail_on=Severity(values.get("fail-on") or "error"),
        rules=Selection.of(values.get("rules") or "rfc", values.get("select") or [],
                           values.get("ignore") or []),
        maps=parse_maps(values.get("map") or []), inventory=values.get("inventory"),
        inventory_max_age=parse_duration(values.get("inventory-max-age") or "2d",
                                         "HLSINSPECT_INVENTORY_MAX_AGE"),
        probe=ProbeSettings.of(values.get("probe") or "none",
                               float(values.get("probe-tolerance") or 0.5)),
        # one playlist per call: a second process to list a prefix would only cost memory
        list_apart=False)


@dataclass(frozen=True)
class Outcome:
    """What checking one playlist came to."""

    source: Source
    verdict: Verdict
    report: Report
    seconds: float
    transient: bool = False
    """An ERROR that may pass when tried again (throttling, the deadline)."""

    @property
    def reason(self) -> str:
        """Why it is an ERROR (or incomplete), in a line."""
        if self.report.error is not None:
            return f"{self.report.error.kind}: {self.report.error.message}"
        return self.report.incomplete or ""

    def result(self) -> dict[str, Any]:
        """The entry of `{"results": [...]}` for an event that is neither SQS nor Batch."""
        summary = self.report.summary
        return {"target": self.source.uri, "verdict": self.verdict, "errors": summary.errors,
                "warnings": summary.warnings, "report": self.report.to_dict()}


def check(source: Source, config: Config, deadline: Deadline) -> Outcome:
    """Inspect one playlist; every failure is an ERROR outcome, never an exception."""
    started = time.monotonic()

    def outcome(verdict: Verdict, report: Report, transient: bool = False) -> Outcome:
        return Outcome(source, verdict, report, time.monotonic() - started, transient)

    def failed(kind: str, message: str, hint: str | None = None) -> Outcome:
        report = error_report([source.uri], kind, message, hint, config.settings.fail_on)
        return outcome("ERROR", report, kind in TRANSIENT)

    try:
        with deadline.armed():
            report = inspect(source.uri, settings=config.settings, s3=config.s3)
    except Interrupted as stop:  # titles completed before the deadline: an incomplete report
        return outcome("ERROR", stop.report, transient=True)
    except DeadlineReached:
        return failed("interrupted", "stopped at the function's deadline before any title "
                      "was complete", "give the function a longer timeout")
    except HlsInspectError as exc:
        return failed(exc.kind, exc.message, exc.hint)
    except Exception as exc:  # a bug must still answer AWS, and never be retried forever
        return failed("internal", f"unexpected {type(exc).__name__}: {exc}")
    return outcome("PASS" if report.ok else "FAIL", report)
