"""Errors that stop an inspection before any report can be made.

Everything that goes wrong with one playlist or one object becomes a finding instead; these
exceptions are for the cases where nothing could be inspected (exit code 2), so each carries
a message that names what failed and, when the fix is known, a hint.

One class per way of failing, so a program calling `hlsinspect.inspect` can catch the one it
can act on (`except BucketNotFoundError`) and the CLI can still catch them all as
`HlsInspectError`. `kind` is the machine-readable name the JSON error document carries
(`"error": {"kind": "no-bucket", ...}`); those values are a contract and never change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from hlsinspect.report import Report


class HlsInspectError(Exception):
    """A failure that ends the run: the CLI prints it as one line (plus a hint) and exits 2.

    `message` names what failed (the s3:// URI, the option), `hint` says how to fix it when
    that is known, `kind` is its name in the JSON error document.
    """

    exit_code = 2
    kinds: ClassVar[tuple[str, ...]] = ()
    """The `kind` values this class stands for; the first is its default."""

    def __init__(self, message: str, *, hint: str | None = None,
                 kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.kind = kind or (self.kinds[0] if self.kinds else "error")


class Terminated(KeyboardInterrupt):
    """SIGTERM, which CI sends when a job is cancelled or runs out of time: the command line
    raises it from its signal handler, so it stops a run exactly as Ctrl-C does (a
    KeyboardInterrupt everywhere), and ends it with exit code 143 instead of 130."""


class DeadlineReached(KeyboardInterrupt):
    """A library caller's deadline (the AWS Lambda handler's, before its time runs out):
    raised into the run, it stops it exactly as Ctrl-C does, so `inspect` raises Interrupted
    with the report of what was completed, saying why it stopped."""


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM (`cause`), with `report`: every title completed
    before, marked incomplete. Still a KeyboardInterrupt, so a caller of `inspect` that
    catches Ctrl-C catches this too."""

    def __init__(self, report: Report, cause: KeyboardInterrupt) -> None:
        super().__init__(report.incomplete)
        self.report = report
        self.cause = cause


class UsageError(HlsInspectError):
    """The command line (or the arguments of `inspect`) ask for something that cannot be done:
    a malformed target, an unknown rule, a bad option or settings file."""

    kinds = ("usage",)


class BucketNotFoundError(HlsInspectError):
    """The bucket a target names does not exist."""

    kinds = ("no-bucket",)


class CredentialsError(HlsInspectError):
    """S3 refused who is asking: no credentials, invalid or expired ones, or a clock too far
    off for a request signature to be accepted."""

    kinds = ("credentials", "clock-skew")


class EndpointError(HlsInspectError):
    """The S3 endpoint could not be reached, or what answered there is not S3."""

    kinds = ("endpoint-unreachable", "not-s3")


class PlaylistNotFoundError(HlsInspectError):
    """The playlist a target names does not exist (404)."""

    kinds = ("not-found",)


class AccessDeniedError(HlsInspectError):
    """The playlist a target names (or the prefix to list) is forbidden (403)."""

    kinds = ("access-denied",)


class UnreadableError(HlsInspectError):
    """The playlist a target names exists but could not be read: throttled or failing (5xx,
    timeouts) after every retry, too large, or another store error."""

    kinds = ("unavailable", "throttled", "too-large", "storage-error")


class NoPlaylistError(HlsInspectError):
    """A prefix or directory target holds no playlist (.m3u8 or .m3u)."""

    kinds = ("no-playlist",)


class InputError(HlsInspectError):
    """A file given to read (a JSON report to merge, an S3 Inventory older than
    --inventory-max-age) is not what it should be."""

    kinds = ("input", "stale-inventory")


class OutputError(HlsInspectError):
    """A report file (--output, --junit) cannot be written."""

    kinds = ("output",)


ERRORS: tuple[type[HlsInspectError], ...] = (
    UsageError, BucketNotFoundError, CredentialsError, EndpointError, PlaylistNotFoundError,
    AccessDeniedError, UnreadableError, NoPlaylistError, InputError, OutputError)
_BY_KIND = {kind: cls for cls in ERRORS for kind in cls.kinds}


def error_for(kind: str, message: str, hint: str | None = None) -> HlsInspectError:
    """The error of the class that stands for `kind` (a store's failure, a merged report's
    error document), keeping `kind` itself as it was."""
    return _BY_KIND.get(kind, HlsInspectError)(message, hint=hint, kind=kind)


__all__ = [
    "ERRORS",
    "AccessDeniedError",
    "BucketNotFoundError",
    "CredentialsError",
    "DeadlineReached",
    "EndpointError",
    "HlsInspectError",
    "InputError",
    "NoPlaylistError",
    "OutputError",
    "PlaylistNotFoundError",
    "UnreadableError",
    "UsageError",
    "error_for",
]
