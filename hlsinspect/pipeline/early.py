"""Verify and probe at once, on a store that tells an object's state with its first bytes
(`StartReader`: an HTTP origin, with a ranged GET).

One after the other, `--probe` waits for every HEAD of the title before its first ranged GET,
and each probed segment costs a HEAD and then a GET of its head. Here the segments to be
probed are asked for with that GET alone, on a background thread, while the title's other
objects are asked with HEAD: one request fewer per probed segment, and the two rounds
overlap. The store bounds the requests in flight of both together (`--concurrency`).

The GET settles existence as HEAD does: only a 404 (or 410) makes an object missing. An
object it leaves unknown (a denial, throttling, a timeout) is asked again with HEAD, with
verification's retry passes; its probe is then made as any other (`probe_title`), so the
report is the one HEAD then GET would give.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence

from hlsinspect.checks.probed import SegmentProbe
from hlsinspect.media.segment import HEAD
from hlsinspect.pipeline.check import Checked
from hlsinspect.pipeline.fetch import Fetched
from hlsinspect.pipeline.probe import OriginSeen, ProbeJob, early_jobs, run_job
from hlsinspect.progress import Progress
from hlsinspect.settings import ProbeSettings
from hlsinspect.storage.base import Existence, ObjectState, StartReader, Storage
from hlsinspect.storage.workers import map_concurrently

Verify = Callable[[set[str]], dict[str, ObjectState]]
"""Verification of some keys (HEAD, with its retry passes): their states."""


class Early:
    """The probes started with their objects' verification; `finish` waits for them."""

    def __init__(self, storage: Storage, reader: StartReader, jobs: list[ProbeJob],
                 workers: int, progress: Progress) -> None:
        self.storage, self.reader = storage, reader
        self.jobs = jobs
        self.keys = {job.key for job in jobs}
        """The objects verified here: the caller's HEADs leave them out."""
        self.probes: dict[str, SegmentProbe] = {}
        """The probes made, by key (an object not present has none)."""
        self._stop = threading.Event()
        self._states: list[tuple[ObjectState, SegmentProbe | None]] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._all, args=(workers, progress),
                                        name="hlsinspect-early", daemon=True)
        if jobs:
            self._thread.start()

    def _all(self, workers: int, progress: Progress) -> None:
        try:
            self._states = map_concurrently(self._one, self.jobs, workers, progress.advance)
        except BaseException as exc:  # handed to the thread that waits in finish
            self._error = exc

    def _one(self, job: ProbeJob) -> tuple[ObjectState, SegmentProbe | None]:
        if self._stop.is_set():  # the run stopped: nothing more is asked
            return ObjectState(Existence.UNKNOWN, reason="not asked: the run stopped"), None
        state, start = self.reader.read_start(job.key, HEAD)
        if state.existence is not Existence.PRESENT or not state.size:
            return state, None
        return state, run_job(self.storage, dataclasses.replace(job, size=state.size),
                              OriginSeen(), start)

    def finish(self, verify: Verify) -> dict[str, ObjectState]:
        """The states of `keys`, once every early probe is done; those the GET left unknown
        asked again by `verify`."""
        try:
            if self.jobs:
                self._thread.join()
        except BaseException:
            self._stop.set()
            raise
        if self._error is not None:
            raise self._error
        states: dict[str, ObjectState] = {}
        for job, (state, probe) in zip(self.jobs, self._states, strict=True):
            states[job.key] = state
            if probe is not None:
                self.probes[job.key] = probe
        unknown = {key for key, state in states.items() if state.existence is Existence.UNKNOWN}
        if unknown:
            states.update(verify(unknown))
        return states


def start(found: Fetched, checked: Sequence[Checked], asked: set[str],
          settings: ProbeSettings, workers: int, progress: Progress) -> Early | None:
    """The early probes of a title, started now, of the objects in `asked` (those not known
    from an earlier title); None when the store cannot tell a state with the first bytes."""
    storage = found.storage
    if settings.mode == "none" or not isinstance(storage, StartReader):
        return None
    jobs = [job for job in early_jobs(found, checked, settings) if job.key in asked]
    progress.expect(len(jobs))
    return Early(storage, storage, jobs, workers, progress)
