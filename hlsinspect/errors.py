"""Errors that stop an inspection before any report can be made.

Everything that goes wrong with one playlist or one object becomes a finding instead; these
exceptions are for the cases where nothing could be inspected (exit code 2), so each carries
a message that names what failed and, when the fix is known, a hint.
"""

from __future__ import annotations


class HlsInspectError(Exception):
    """A failure that ends the run: the CLI prints it as one line (plus a hint) and exits."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None, kind: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.kind = kind


class UsageError(HlsInspectError):
    """The command line asks for something that cannot be done (bad target, bad option)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, kind="usage")
