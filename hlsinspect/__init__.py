"""hlsinspect: check that HLS output in S3 or on disk is complete and correct.

    import hlsinspect
    report = hlsinspect.inspect("s3://bucket/HLS/1M/title/sample.m3u8")
    report.ok, report.findings

`watch` follows live playlists and returns the same Report (with a timeline of events);
`Watch(...).events()` yields those events as they happen, for monitors of your own.

`inspect` returns the report's frozen dataclasses (`Report`, `PlaylistReport`, `Finding`)
and raises a subclass of `HlsInspectError` when nothing could be inspected (`Interrupted`,
with the report of what was completed, on Ctrl-C); `Settings`,
`Selection` (which rules), `VerifySettings` (how objects are verified) and `ProbeSettings`
(which segments' bytes are read) say what to do.

Names are imported when first used, not with the package: `import hlsinspect` loads no
engine, no boto3 and no command-line or terminal library, and prints nothing, so a program
or a test suite pays only for what it calls (and `hlsinspect --help` answers at once).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from hlsinspect.version import __version__

if TYPE_CHECKING:
    from hlsinspect.checks.registry import Selection
    from hlsinspect.engine import inspect
    from hlsinspect.errors import (
        AccessDeniedError,
        BucketNotFoundError,
        CredentialsError,
        EndpointError,
        HlsInspectError,
        InputError,
        Interrupted,
        NoPlaylistError,
        OutputError,
        PlaylistNotFoundError,
        UnreadableError,
        UsageError,
    )
    from hlsinspect.live.watch import Watch, watch
    from hlsinspect.report import (
        Finding,
        ObjectCounts,
        PlaylistReport,
        Rendition,
        Report,
        Severity,
        Summary,
        TimelineEvent,
        Variant,
    )
    from hlsinspect.settings import ProbeSettings, Settings, Shard, VerifySettings
    from hlsinspect.storage.factory import S3Options

_ERRORS = ("AccessDeniedError", "BucketNotFoundError", "CredentialsError", "EndpointError",
           "HlsInspectError", "InputError", "Interrupted", "NoPlaylistError", "OutputError",
           "PlaylistNotFoundError", "UnreadableError", "UsageError")
_REPORT = ("Finding", "ObjectCounts", "PlaylistReport", "Rendition", "Report", "Severity",
           "Summary", "Variant")
_PUBLIC = {
    **dict.fromkeys(_ERRORS, "hlsinspect.errors"),
    **dict.fromkeys(_REPORT, "hlsinspect.report"),
    "ProbeSettings": "hlsinspect.settings",
    "S3Options": "hlsinspect.storage.factory",
    "Selection": "hlsinspect.checks.registry",
    "Settings": "hlsinspect.settings",
    "Shard": "hlsinspect.settings",
    "VerifySettings": "hlsinspect.settings",
    "inspect": "hlsinspect.engine",
    "watch": "hlsinspect.live.watch",
    "Watch": "hlsinspect.live.watch",
    "TimelineEvent": "hlsinspect.report",
}


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hlsinspect' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


__all__ = [
    "AccessDeniedError",
    "BucketNotFoundError",
    "CredentialsError",
    "EndpointError",
    "Finding",
    "HlsInspectError",
    "InputError",
    "Interrupted",
    "NoPlaylistError",
    "ObjectCounts",
    "OutputError",
    "PlaylistNotFoundError",
    "PlaylistReport",
    "ProbeSettings",
    "Rendition",
    "Report",
    "S3Options",
    "Selection",
    "Settings",
    "Severity",
    "Shard",
    "Summary",
    "TimelineEvent",
    "UnreadableError",
    "UsageError",
    "Variant",
    "VerifySettings",
    "Watch",
    "__version__",
    "inspect",
    "watch",
]
