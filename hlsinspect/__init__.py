"""hlsinspect: check that HLS output in S3 or on disk is complete and correct.

    from hlsinspect import inspect
    report = inspect(["s3://bucket/HLS/1M/title/sample.m3u8"])
    report.ok, report.findings
"""

from hlsinspect.engine import S3Options, Settings, inspect
from hlsinspect.errors import HlsInspectError
from hlsinspect.report import Finding, Report, Severity
from hlsinspect.version import __version__

__all__ = [
    "Finding",
    "HlsInspectError",
    "Report",
    "S3Options",
    "Settings",
    "Severity",
    "__version__",
    "inspect",
]
