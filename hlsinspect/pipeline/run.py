"""The pipeline: titles -> fetch -> check -> verify -> probe -> judge, title after title ->
Report.

Stages 1 and 2 (listing a title, fetching its playlists) wait on the store, so they run a few
titles ahead on a background thread (`flow.ahead`); stages 3 to 5 take one title at a time.
Each title leaves only its results (playlist facts, findings, object counts), so memory is
bounded by the largest title and the report, never by the bucket.

A target none of whose titles could be read at all (a missing playlist, a denied prefix) is
a failure of that target; when no target could be inspected, the run raises it.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from hlsinspect.checks.registry import finding, priority
from hlsinspect.errors import DeadlineReached, HlsInspectError, Interrupted, Terminated
from hlsinspect.locations import Target
from hlsinspect.pipeline.apart import Apart, read_bodies
from hlsinspect.pipeline.check import Checked, Rules, check_title
from hlsinspect.pipeline.early import start as start_early
from hlsinspect.pipeline.fetch import Budget, Fetched, fetch_title
from hlsinspect.pipeline.flow import ahead
from hlsinspect.pipeline.judge import TitleResult, judge
from hlsinspect.pipeline.probe import probe_title
from hlsinspect.pipeline.titles import Title, Walk, titles
from hlsinspect.pipeline.verify import verify
from hlsinspect.progress import Progress
from hlsinspect.report import Finding, ObjectCounts, Report
from hlsinspect.settings import Settings
from hlsinspect.storage.base import Existence, ObjectState, Storage
from hlsinspect.version import __version__

REMEMBERED = 2_048
"""Object states kept from earlier titles of a run, least recently asked about dropped
first: two targets (or titles) that share objects ask about them once. Titles rarely
share segments, but often a key or an init segment, which every title asks about again
and so stays; a title's segments are dropped two titles later. Each state costs about
330 bytes: 20,000 were 6.6 MB, most of the difference between an audit of 10,000
objects and one of a million."""


class Run:
    """One `check`: targets in, results accumulated title by title, a Report out."""

    def __init__(self, settings: Settings, progress: Progress | None = None) -> None:
        self.settings = settings
        self.progress = progress or Progress()
        self.rules = Rules(settings.rules, settings.raise_errors)
        self.results: list[TitleResult] = []
        self.failures: list[tuple[HlsInspectError, str]] = []
        self.inspected = 0
        self.notes: list[Finding] = []
        self.remembered: dict[int, OrderedDict[str, ObjectState]] = {}
        self.budget = Budget()
        """Playlists the run may still read by following references (title-too-large)."""
        self.seen: set[str] = set()
        """Playlists already checked: one named by two targets, or by two titles, is
        reported once."""
        self.standalone: dict[str, TitleResult] = {}
        """Media playlists reported on their own so far, and the result holding each: a
        multivariant playlist met later (in a later title) that references one takes it
        over, so it is reported under its parent, as a single walk would have."""

    def target(self, storage: Storage, target: Target, apart: Apart | None = None) -> None:
        """Every title of one target; HlsInspectError when none of it could be read.
        With `apart`, the titles are listed by a second process (`pipeline.apart`)."""
        self.titles(ahead(self.fetched(storage, target, apart), self.settings.look_ahead))

    def titles(self, fetched: Iterable[Fetched]) -> None:
        """Every title of one target, fetched already (or as they come): HlsInspectError
        when none of it could be read, or when `fetched` raises it."""
        kept: list[TitleResult] = []
        readable, failure = False, None
        try:
            for found in fetched:
                if found.failure is None and found.title.roots:
                    readable = True
                failure = failure or found.failure or found.title.unlistable
                kept.append(self._title(found))
        except KeyboardInterrupt:
            self.results.extend(kept)  # the titles completed before are reported
            raise
        if failure is not None and not readable:
            raise failure
        self.results.extend(kept)
        self.inspected += 1

    def fetched(self, storage: Storage, target: Target, apart: Apart | None = None
                ) -> Iterator[Fetched]:
        """The target's titles, each fetched (`pipeline.fetch`), in order."""
        workers = self.settings.verify.concurrency

        def finish(title: Title, each: int) -> Title:
            """An S3 title's playlists read on the thread that listed it, as `apart` does."""
            return replace(title, bodies=read_bodies(storage, title.roots, each))

        found = (apart.titles(storage) if apart is not None
                 else titles(storage, target, workers, self.settings.shard, Walk(),
                             finish if storage.bucket is not None else None))
        for title in found:
            yield fetch_title(title, workers, self.budget)

    def _title(self, found: Fetched) -> TitleResult:
        taken: list[tuple[str, TitleResult]] = []

        def reclaim(uri: str) -> bool:
            earlier = self.standalone.pop(uri, None)
            if earlier is not None:
                taken.append((uri, earlier))
            return earlier is not None

        checked = check_title(found, self.rules, self.seen, reclaim)
        unverifiable = {key: state for item in checked for key, state in item.unknown.items()}
        keys = {ref.key for item in checked for ref in item.refs} - unverifiable.keys()
        listings = [found.title.listing] if found.title.listing is not None else []
        memory = self.remembered.setdefault(id(found.storage), OrderedDict())
        known = {key: memory[key] for key in keys if key in memory}
        for key in known:
            memory.move_to_end(key)  # a key every title shares (a DRM key) stays remembered
        asked = keys - known.keys()
        early = start_early(found, checked, asked, self.settings.probe,
                            self.settings.verify.concurrency, self.progress)
        fresh = verify(found.storage, asked - (early.keys if early else set()),
                       self.settings.verify, self.progress, listings)
        if early is not None:
            fresh.update(early.finish(lambda again: verify(
                found.storage, again, self.settings.verify, self.progress)))
        known.update(fresh)
        memory.update(fresh)
        fresh.update(unverifiable)  # counted, never asked about: a variable hides its name
        known.update(unverifiable)
        while len(memory) > REMEMBERED:
            memory.popitem(last=False)
        probes = probe_title(found, checked, known, self.settings.probe,
                             self.settings.verify.concurrency, self.progress,
                             early.probes if early else None)
        result = judge(found, checked, known, self.rules, probes, self.settings.probe)
        # only now, the title complete, is a child taken back from where it was reported
        # on its own: a run stopped before keeps it there
        for uri, earlier in taken:
            earlier.drop(uri)
        for report in result.playlists:
            if report.parent is None and report.kind == "media":
                self.standalone[report.uri] = result
        # an object counts once in the run, under the first title that asked about it
        result.objects = Counter(state.existence for state in fresh.values())
        counted = _first_askers(checked, fresh)
        result.playlists = [replace(p, objects_counted=counted.get(p.uri, ObjectCounts()))
                            for p in result.playlists]
        return result

    def note(self, found: Finding) -> None:
        """A finding about the run as a whole (which inventory it trusted)."""
        self.notes.append(found)

    def failed(self, failure: HlsInspectError, target: str) -> None:
        """One of several targets (`target`, as the user named it) could not be inspected;
        the others were."""
        self.failures.append((failure, target))

    def report(self, targets: Sequence[str]) -> Report:
        """The report of everything inspected; raises the first failure when that is nothing."""
        self.progress.finish()
        if self.failures and not self.inspected:
            raise self.failures[0][0]
        return self._report(targets)

    def stopped(self, stop: KeyboardInterrupt, targets: Sequence[str]) -> KeyboardInterrupt:
        """What to raise when Ctrl-C or SIGTERM (`stop`) ends the run: Interrupted, with the
        report of the titles and targets completed so far marked incomplete, or `stop`
        itself when nothing was."""
        self.progress.finish()
        if not self.results and not self.failures:
            return stop
        cause = ("terminated (SIGTERM)" if isinstance(stop, Terminated) else
                 "stopped at its deadline" if isinstance(stop, DeadlineReached) else
                 "interrupted (Ctrl-C)")
        why = (f"{cause} before the inspection was complete: the report holds the titles "
               "completed before")
        return Interrupted(replace(self._report(targets), incomplete=why), stop)

    def _report(self, targets: Sequence[str]) -> Report:
        findings = [*self.notes, *(f for result in self.results for f in result.findings)]
        findings += [finding("target-not-inspected", failure.message, playlist=None,
                             uri=target, hint=failure.hint)
                     for failure, target in self.failures]
        totals: Counter[Existence] = Counter()
        for result in self.results:
            totals.update(result.objects)
        kept = [f for f in dict.fromkeys(findings) if self.settings.rules.admits(f)]
        return Report(
            version=__version__, targets=tuple(targets),
            playlists=tuple(p for result in self.results for p in result.playlists),
            findings=tuple(sorted(kept, key=priority)),
            objects=_counts(totals),
            fail_on=self.settings.fail_on,
            shard=self.settings.shard.pair if self.settings.shard is not None else None)


def _counts(states: Counter[Existence]) -> ObjectCounts:
    """The counts of so many objects in each state."""
    return ObjectCounts(checked=sum(states.values()), present=states[Existence.PRESENT],
                        missing=states[Existence.MISSING], unknown=states[Existence.UNKNOWN])


def _first_askers(checked: list[Checked], fresh: Mapping[str, ObjectState]
                  ) -> dict[str, ObjectCounts]:
    """Per playlist of a title, the objects of `fresh` (those the title counts) that it was
    the first to reference: together they are the title's counts, each object once."""
    first: dict[str, str] = {}
    for item in checked:
        for ref in item.refs:
            if ref.key in fresh:
                first.setdefault(ref.key, item.uri)
    states: dict[str, Counter[Existence]] = {}
    for key, uri in first.items():
        states.setdefault(uri, Counter())[fresh[key].existence] += 1
    return {uri: _counts(counter) for uri, counter in states.items()}
