"""What the handler leaves behind: the JSON report in S3, and a metrics line in the log.

`write_report` is the only write hlsinspect ever makes, anywhere: one `PutObject` of the JSON
report under `HLSINSPECT_REPORT_PREFIX`, to `s3://B/P/SOURCE_BUCKET/SOURCE_KEY.json`, with the
function's own role (which needs `s3:PutObject` on that prefix and nothing else to write).
The inspection itself stays read-only.

`metrics_line` is one CloudWatch Embedded Metric Format document per title: Lambda sends
stdout to CloudWatch Logs, which turns the line into the metrics Errors, Warnings,
MissingObjects and Seconds with the dimension Bucket, no API call needed.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hlsinspect.aws_lambda.checking import Outcome
from hlsinspect.errors import HlsInspectError
from hlsinspect.render.json import render_json


class ReportNotWritten(HlsInspectError):
    """The report could not be put under HLSINSPECT_REPORT_PREFIX."""

    kinds = ("output",)


def report_location(prefix: str, outcome: Outcome) -> tuple[str, str]:
    """(bucket, key) of the report of `outcome`'s playlist under `prefix` (s3://B/P/)."""
    if not prefix.startswith("s3://"):
        raise ReportNotWritten(f"HLSINSPECT_REPORT_PREFIX {prefix!r} is not an s3:// URI",
                               hint="set it to s3://BUCKET/PREFIX/")
    bucket, _, path = prefix[len("s3://"):].partition("/")
    if not bucket:
        raise ReportNotWritten(f"HLSINSPECT_REPORT_PREFIX {prefix!r} names no bucket")
    folder = path if not path or path.endswith("/") else path + "/"
    return bucket, f"{folder}{outcome.source.bucket}/{outcome.source.key}.json"


def write_report(prefix: str, outcome: Outcome, region: str | None = None) -> str:
    """Put the JSON report of `outcome` under `prefix`; its s3:// URI. ReportNotWritten
    when S3 refuses or cannot be reached."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, key = report_location(prefix, outcome)
    uri = f"s3://{bucket}/{key}"
    try:
        boto3.client("s3", region_name=region).put_object(
            Bucket=bucket, Key=key, Body=render_json(outcome.report).encode(),
            ContentType="application/json")
    except (BotoCoreError, ClientError) as exc:
        raise ReportNotWritten(f"cannot write the report to {uri}: {exc}",
                               hint="grant s3:PutObject on that prefix") from None
    return uri


def metrics_line(outcome: Outcome, namespace: str, written: str | None = None) -> str:
    """The Embedded Metric Format document of one title's check, as one line; the target,
    verdict and report location ride along as properties (searchable, not metrics)."""
    summary = outcome.report.summary
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["Bucket"]],
                "Metrics": [{"Name": "Errors", "Unit": "Count"},
                            {"Name": "Warnings", "Unit": "Count"},
                            {"Name": "MissingObjects", "Unit": "Count"},
                            {"Name": "Seconds", "Unit": "Seconds"}],
            }],
        },
        "Bucket": outcome.source.bucket,
        "Errors": summary.errors,
        "Warnings": summary.warnings,
        "MissingObjects": summary.missing + summary.playlists_missing,
        "Seconds": round(outcome.seconds, 3),
        "Target": outcome.source.uri,
        "Verdict": outcome.verdict,
    }
    if outcome.verdict == "ERROR":
        document["Reason"] = outcome.reason
    if written is not None:
        document["Report"] = written
    return json.dumps(document, separators=(",", ":"))
