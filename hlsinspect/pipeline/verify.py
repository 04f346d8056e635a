"""Concurrent existence checks with three outcomes: present, missing (404), unknown (why).

botocore's own retries do not survive a sustained burst of 503s on HEAD (a HEAD answer has
no body, so botocore cannot see "SlowDown" and drains its retry quota), so objects still
unknown for a transient reason are asked again in a few more passes with backoff and jitter.
A directory listing is the other road: one request answers for up to 1,000 keys. A listing
proves presence, but it is a snapshot: a key it lacks may have been written since (a title
still uploading), so each absent key is asked once with HEAD, and only a 404 makes it missing.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from hlsinspect.progress import Progress
from hlsinspect.settings import VerifySettings
from hlsinspect.storage.base import (
    Existence,
    Listing,
    ObjectState,
    Storage,
    StorageError,
    backoff_delay,
)
from hlsinspect.storage.workers import map_concurrently
from hlsinspect.uri.keys import directory_of

LIST_THRESHOLD = 100
"""In `auto` mode a directory with at least this many referenced objects is listed."""


def verify(
    storage: Storage,
    keys: Iterable[str],
    settings: VerifySettings,
    progress: Progress | None = None,
    listings: Sequence[Listing] = (),
) -> dict[str, ObjectState]:
    """The state of every key, asking each unique key at most once per pass."""
    progress = progress or Progress()
    pending = sorted(set(keys))
    progress.expect(len(pending))
    states: dict[str, ObjectState] = {}
    if settings.mode in ("list", "auto"):
        present, unlisted = _from_listings(pending, listings)
        rest = [key for key in pending if key not in present and key not in unlisted]
        present.update(_by_listing(storage, rest, settings)[0])
        states.update(present)
        progress.advance(len(present))
        pending = [key for key in pending if key not in states]
    states.update(_by_head(storage, pending, settings, progress.advance))
    for attempt in range(settings.retry_passes):
        retry = [k for k, s in states.items()
                 if s.existence is Existence.UNKNOWN and s.retryable]
        if not retry:
            break
        time.sleep(backoff_delay(settings.backoff, attempt))
        again = _by_head(storage, retry, settings, _ignore)
        states.update({key: state.after(states[key]) for key, state in again.items()})
    if settings.mode == "auto":
        states.update(_settle_unknown(storage, states, settings))
    return states


def _from_listings(keys: list[str], listings: Sequence[Listing]
                   ) -> tuple[dict[str, ObjectState], set[str]]:
    """The keys the listings show, as present; and those a listing covers but lacks."""
    present: dict[str, ObjectState] = {}
    unlisted: set[str] = set()
    for key in keys:
        for listing in listings:
            if listing.covers(key):
                size = listing.sizes.get(key)
                if size is None:
                    unlisted.add(key)
                else:
                    present[key] = ObjectState(Existence.PRESENT, size=size)
                break
    return present, unlisted


def _settle_unknown(storage: Storage, states: Mapping[str, ObjectState],
                    settings: VerifySettings) -> dict[str, ObjectState]:
    """Auto mode's last resort for what HEAD could not settle: a listing shows it present;
    one that lacks it is noted in the reason, but proves nothing after a failed HEAD."""
    unknown = [k for k, s in states.items() if s.existence is Existence.UNKNOWN]
    present, absent = _by_listing(storage, unknown, settings, threshold=1)
    for key in absent:
        present[key] = dataclasses.replace(
            states[key], reason=f"{states[key].reason}; a listing does not show it either")
    return present


def _ignore(count: int) -> None:
    """Retry passes do not move the progress bar: those objects were counted once."""


def _by_head(
    storage: Storage,
    keys: list[str],
    settings: VerifySettings,
    advance: Callable[[int], None],
) -> dict[str, ObjectState]:
    states = map_concurrently(storage.stat, keys, settings.concurrency, advance)
    return dict(zip(keys, states, strict=True))


def _by_listing(
    storage: Storage,
    keys: list[str],
    settings: VerifySettings,
    threshold: int | None = None,
) -> tuple[dict[str, ObjectState], list[str]]:
    """Present states from complete listings of the directories the keys are in, and the
    keys those listings lack.

    In `list` mode every directory is listed; in `auto` mode only those with many referenced
    keys, where a listing is cheaper than a HEAD per key. A directory whose listing fails (or
    a store that cannot list) is left to HEAD.
    """
    if threshold is None:
        threshold = 1 if settings.mode == "list" else LIST_THRESHOLD
    by_directory: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        by_directory[directory_of(key)].append(key)
    chosen = [d for d, ks in by_directory.items() if len(ks) >= threshold]

    def list_one(directory: str) -> dict[str, int] | None:
        try:
            return storage.list_directory(directory)
        except StorageError:
            return None

    present: dict[str, ObjectState] = {}
    absent: list[str] = []
    listings = map_concurrently(list_one, chosen, min(settings.concurrency, 8))
    for directory, listing in zip(chosen, listings, strict=True):
        if listing is None:
            continue
        for key in by_directory[directory]:
            if key in listing:
                present[key] = ObjectState(Existence.PRESENT, size=listing[key])
            else:
                absent.append(key)
    return present, absent
