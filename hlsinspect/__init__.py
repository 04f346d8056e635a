"""hlsinspect: check that HLS output in S3 or on disk is complete and correct.

    from hlsinspect import inspect
    report = inspect(["s3://bucket/HLS/1M/title/sample.m3u8"])
    report.ok, report.findings

The engine is imported when first used, not with the package, so `hlsinspect --help` and
`hlsinspect --version` answer without loading the rules or boto3.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from hlsinspect.version import __version__

if TYPE_CHECKING:
    from hlsinspect.engine import S3Options, Settings, inspect
    from hlsinspect.errors import HlsInspectError
    from hlsinspect.report import Finding, Report, Severity

_PUBLIC = {
    "Finding": "hlsinspect.report",
    "HlsInspectError": "hlsinspect.errors",
    "Report": "hlsinspect.report",
    "S3Options": "hlsinspect.engine",
    "Settings": "hlsinspect.engine",
    "Severity": "hlsinspect.report",
    "inspect": "hlsinspect.engine",
}


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hlsinspect' has no attribute {name!r}")


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
