"""The targets of one command as one stream of titles (pipeline/targets.py): in target order,
a failure ending only its own target, and a target the consumer inspects itself (an S3 prefix
listed by a second process) never overlapped by the next targets' fetching."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

from hlsinspect.errors import NoPlaylistError
from hlsinspect.pipeline.flow import ahead
from hlsinspect.pipeline.targets import by_target, pieces

TITLES = {"one": ["one/1", "one/2"], "none": [], "gone": ["gone/1", NoPlaylistError("gone")],
          "three": ["three/1"]}


def titles(target: Any) -> Generator[Any, None, None]:
    for title in TITLES[target]:
        if isinstance(title, Exception):
            raise title
        yield title


def test_each_target_gets_its_own_titles_in_order_and_a_failure_ends_only_its_own():
    seen = []
    for target, found, _ in by_target(ahead(pieces(list(TITLES), lambda t: True, titles), 2)):
        assert found is not None
        try:
            seen.append((target, list(found)))
        except NoPlaylistError as exc:
            seen.append((target, str(exc)))
    assert seen == [("one", ["one/1", "one/2"]), ("none", []), ("gone", "gone"),
                    ("three", ["three/1"])]


def test_the_next_targets_wait_for_one_the_consumer_inspects_itself():
    """'apart' is inspected by the consumer: 'after' is not fetched until it says so."""
    asked: list[str] = []
    lock = threading.Lock()

    def fetching(target: Any) -> Generator[Any, None, None]:
        with lock:
            asked.append(target)
        yield f"{target}/1"

    stream = ahead(pieces(["before", "apart", "after"], lambda t: t != "apart", fetching), 4)
    order = []
    for target, found, first in by_target(stream):
        if found is None:
            assert first.here is not None
            threading.Event().wait(0.2)  # ample time for the producer to run ahead
            with lock:
                assert asked == ["before"]
            order.append(target)
            first.here(True)
        else:
            order.append((target, list(found)))
    assert order == [("before", ["before/1"]), "apart", ("after", ["after/1"])]
    assert asked == ["before", "after"]


def test_a_run_stopped_on_a_target_inspected_here_fetches_nothing_more():
    asked: list[str] = []

    def fetching(target: Any) -> Generator[Any, None, None]:
        asked.append(target)
        yield target

    stream = pieces(["apart", "after"], lambda t: t != "apart", fetching)
    first = next(stream)
    assert first.here is not None
    first.here(False)
    assert list(stream) == []
    assert asked == []
