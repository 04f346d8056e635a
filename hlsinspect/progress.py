"""How a run tells its caller that it advances; the CLI draws a bar, a library caller nothing.

Objects are discovered title after title, so the total grows while the run goes on: each
title's verification announces its objects with `expect`, then reports them with `advance`.
"""

from __future__ import annotations


class Progress:
    """The silent default; subclass it to show progress."""

    def expect(self, count: int) -> None:
        """`count` more objects will be verified."""

    def advance(self, count: int = 1) -> None:
        """`count` more objects have an answer."""

    def finish(self) -> None:
        """The run is over."""
