"""The reloads of each media playlist, on a thread of its own.

Reloaded one after another, one slow origin, or one blocking reload held for up to three
target durations, would delay every other playlist's reloads: a playlist reloaded late has
its blocking-reload and rendition-report timings skewed and is reloaded less often than a
client would. So each watched playlist has a `Reloader` thread that waits until its reload
is due, fetches it (measuring when the request went out and when it was answered), parses it
and decides when the next one is due (`live.schedule`). It changes nothing the rest of the
watch reads: each answer is handed over as a `Fetched` to the one thread that applies the
rules (`Reloaders.next`).

The threads are daemons and are never waited for: when the watch stops (its duration is
up, every playlist ended, Ctrl-C) a reload in flight is left to end on its own (its request
is bounded by --timeout) and its answer is dropped. Each reloader runs at most `AHEAD`
answers ahead of the thread applying them, so memory stays bounded by the windows even when
that thread falls behind; requests in flight at once are bounded by the store's concurrency.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from hlsinspect.checks.registry import finding
from hlsinspect.live.compare import Snapshot, snapshot_of
from hlsinspect.live.lowlatency import Position, directives
from hlsinspect.live.schedule import Next, after_answer, after_failure
from hlsinspect.live.watched import Watched
from hlsinspect.playlists import ParseFailure, Playlist, parse
from hlsinspect.report import Finding
from hlsinspect.storage.base import Conditional, StorageError

AHEAD = 2
"""Answers one reloader may have handed over and not yet seen applied before it waits."""


@dataclass(frozen=True)
class Fetched:
    """One reload's answer, as the thread that made it hands it over."""

    watched: Watched
    """The playlist it is of (only the thread applying it changes it)."""
    sent: float
    """When the request went out (monotonic seconds): the snapshot's time."""
    answered: float
    """When the answer came (a blocking reload's wait is `answered - sent`)."""
    snapshot: Snapshot | None = None
    """What it said; None when it could not be read or parsed."""
    playlist: Playlist | None = None
    """Its text, when it was read whole (not "not modified")."""
    failure: Finding | None = None
    """playlist-unreadable or playlist-parse-error, when it failed."""
    asked: Position | None = None
    """The part a blocking reload asked for; None for a plain reload."""
    not_modified: bool = False


class Reloader:
    """The reloads of one media playlist, on its own thread."""

    def __init__(self, item: Watched, interval: float | None, monotonic: Callable[[], float],
                 hand_over: Callable[[Fetched], None], stop: threading.Event,
                 requests: threading.Semaphore) -> None:
        self.storage, self.key, self.uri = item.storage, item.key, item.uri
        self.item = item
        self.interval = interval
        self.monotonic = monotonic
        self.hand_over = hand_over
        self.stop = stop
        self.requests = requests
        self.slots = threading.Semaphore(AHEAD)
        """Released by the thread applying the answers, once per answer applied."""
        self.next = Next(0.0)
        self.last: Snapshot | None = None
        """The last snapshot read, for the schedule and for a "not modified" answer."""
        self.etag: str | None = None
        self.thread = threading.Thread(target=self._run, name=f"reload {item.uri}", daemon=True)

    def _run(self) -> None:
        while True:
            self.slots.acquire()
            if self.stop.wait(max(0.0, self.next.due - self.monotonic())):
                return
            fetched = self.reload()
            if self.stop.is_set():
                return  # the watch is over: this answer comes too late to count
            self.hand_over(fetched)

    def reload(self) -> Fetched:
        """One reload, now; `next` says when the one after it is due."""
        asked = self.next.wanted
        sent = self.monotonic()
        try:
            with self.requests:
                data = self._fetch(asked)
            playlist = parse(self.key, data) if data is not None else None
        except StorageError as exc:
            return self._failed(sent, asked, finding("playlist-unreadable", exc.message,
                                                     playlist=self.uri, hint=exc.hint))
        except ParseFailure as exc:
            self.etag = None  # its last good text is no longer what is served
            return self._failed(sent, asked, finding("playlist-parse-error", exc.message,
                                                     playlist=self.uri, line=exc.line))
        answered = self.monotonic()
        before = self.last
        if playlist is None:
            assert before is not None  # "not modified" answers a reload, never the first read
            snapshot = replace(before, time=sent)
        else:
            snapshot = snapshot_of(playlist, self.uri, sent)
        self.last = snapshot
        self.next = after_answer(sent, answered, asked, before, snapshot, self.uri,
                                 self.interval)
        return Fetched(self.item, sent, answered, snapshot, playlist, asked=asked,
                       not_modified=playlist is None)

    def _failed(self, sent: float, asked: Position | None, failure: Finding) -> Fetched:
        self.next = after_failure(sent, self.last, self.interval)
        return Fetched(self.item, sent, self.monotonic(), failure=failure, asked=asked)

    def _fetch(self, wanted: Position | None) -> bytes | None:
        """The playlist's bytes; None when the store said it has not changed (a conditional
        GET answered 304 Not Modified: no transfer for an unchanged reload). With `wanted`,
        a blocking reload: the origin holds it until the playlist has that part."""
        if wanted is not None:
            self.etag = None
            return self.storage.read(directives(self.key, wanted))
        if not isinstance(self.storage, Conditional):
            return self.storage.read(self.key)
        known = self.etag if self.last is not None else None
        data, self.etag = self.storage.read_changed(self.key, known)
        return data


class Reloaders:
    """A reloader per watched playlist, and the queue their answers come through."""

    def __init__(self, watched: Sequence[Watched], interval: float | None,
                 monotonic: Callable[[], float], concurrency: int) -> None:
        self.answers: queue.Queue[Fetched] = queue.Queue()
        self.stop = threading.Event()
        # the thread applying the answers asks about segments on the same stores
        requests = threading.Semaphore(max(1, concurrency - 1))
        self.reloaders = {id(item): Reloader(item, interval, monotonic, self.answers.put,
                                             self.stop, requests) for item in watched}

    def start(self) -> None:
        for reloader in self.reloaders.values():
            reloader.thread.start()

    def next(self, timeout: float | None) -> Fetched | None:
        """The next answer, waiting up to `timeout` seconds (None: until one comes)."""
        try:
            return self.answers.get(timeout=timeout)
        except queue.Empty:
            return None

    def applied(self, fetched: Fetched) -> None:
        """`fetched` was applied: its reloader may run one more answer ahead."""
        self.reloaders[id(fetched.watched)].slots.release()

    def close(self) -> None:
        """No more reloads; any in flight is dropped when it ends."""
        self.stop.set()
        for reloader in self.reloaders.values():
            reloader.slots.release()  # one waiting for a slot sees the stop
