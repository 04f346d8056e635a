"""Several targets of one command as one stream of titles, so that the next targets'
playlists are fetched while this one's objects are verified.

Inspected one after another, twenty playlists given as twenty targets wait twenty times for
their multivariant playlist and then their media playlists before a single object of each
is verified. Here one producer (run ahead on a background thread by `flow.ahead`, a bounded
number of titles) walks every target in order, makes its store, finds its titles and
fetches them; the consumer takes them in the same order, so the report is the one a
target-by-target run makes. One producer, in target order, also keeps the run's playlist
budget (title-too-large) spent in the same order.

A target whose titles are listed by a second process (`pipeline.apart`) is not produced
here: the consumer inspects it on its own thread as before, and the producer waits for it
to be done before it goes on, so that nothing of two targets interleaves but fetching.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

from hlsinspect.errors import HlsInspectError
from hlsinspect.locations import Target
from hlsinspect.pipeline.fetch import Fetched


@dataclass(frozen=True)
class Piece:
    """One step of one target in the stream: a title of it, why it failed, or a sign that
    the consumer inspects it itself (`here`)."""

    target: Target
    found: Fetched | None = None
    """A title of the target, fetched."""
    failure: HlsInspectError | None = None
    """Why the target (what is left of it) could not be inspected: it ends the target."""
    last: bool = True
    """Whether this is the target's last piece."""
    here: Callable[[bool], None] | None = None
    """Call when the consumer is done inspecting the target itself, on its own thread, with
    whether the producer is to go on (False: the run stops); the producer waits for it."""


@dataclass
class _Handed:
    done: threading.Event = field(default_factory=threading.Event)
    go_on: bool = False

    def __call__(self, go_on: bool) -> None:
        self.go_on = go_on
        self.done.set()


def pieces(targets: list[Target], produced: Callable[[Target], bool],
           titles: Callable[[Target], Generator[Fetched, None, None]]) -> Iterator[Piece]:
    """Every target's pieces in target order. `produced(target)` says whether its titles
    come from here (else a `here` piece hands it to the consumer); `titles(target)` finds
    and fetches them, raising HlsInspectError when the target cannot be inspected."""
    for target in targets:
        if not produced(target):
            handed = _Handed()
            yield Piece(target, here=handed)
            handed.done.wait()
            if not handed.go_on:
                return
            continue
        found = titles(target)
        try:
            current = next(found, None)
            if current is None:
                yield Piece(target)
            while current is not None:
                following = next(found, None)
                yield Piece(target, found=current, last=following is None)
                current = following
        except HlsInspectError as exc:
            yield Piece(target, failure=exc)
        finally:
            found.close()


def by_target(stream: Iterator[Piece]
              ) -> Iterator[tuple[Target, Iterator[Fetched] | None, Piece]]:
    """The stream regrouped: each target, its titles (None when the consumer inspects it
    itself), and its first piece. Each target's titles must be consumed to their end (or
    their HlsInspectError) before the next target is taken."""
    for first in stream:
        if first.here is not None:
            yield first.target, None, first
        else:
            yield first.target, _titles(first, stream), first


def _titles(first: Piece, stream: Iterator[Piece]) -> Iterator[Fetched]:
    piece = first
    while True:
        if piece.failure is not None:
            raise piece.failure
        if piece.found is not None:
            yield piece.found
        if piece.last:
            return
        piece = next(stream)
