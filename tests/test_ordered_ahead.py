"""`ordered_ahead`: calls overlap within a window, results come in order, and a consumer
that stops early leaves the calls not yet started unstarted."""

from __future__ import annotations

import threading
import time

from hlsinspect.storage.workers import ordered_ahead


class Calls:
    """Records how many calls ran at once, and which items were started."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.started: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, item: int) -> int:
        with self.lock:
            self.started.append(item)
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.02 if item % 2 else 0.05)  # later items often finish first
        with self.lock:
            self.now -= 1
        return item * 10


def test_results_come_in_order_with_at_most_the_window_in_flight():
    calls = Calls()
    assert list(ordered_ahead(calls, list(range(20)), 4)) == [n * 10 for n in range(20)]
    assert 1 < calls.most <= 4
    assert sorted(calls.started) == list(range(20))


def test_a_window_of_one_calls_one_at_a_time_on_this_thread():
    calls = Calls()
    assert list(ordered_ahead(calls, [1, 2, 3], 1)) == [10, 20, 30]
    assert calls.most == 1


def test_stopping_early_starts_no_more_than_the_window_ahead():
    calls = Calls()
    results = ordered_ahead(calls, list(range(50)), 4)
    assert [next(results), next(results)] == [0, 10]
    results.close()
    time.sleep(0.2)
    assert len(calls.started) <= 2 + 4


def test_an_error_comes_at_its_place_in_the_order():
    def call(item: int) -> int:
        if item == 3:
            raise ValueError("three")
        return item

    results = ordered_ahead(call, list(range(8)), 3)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    try:
        next(results)
    except ValueError as exc:
        assert str(exc) == "three"
    else:
        raise AssertionError("the error was not raised")
