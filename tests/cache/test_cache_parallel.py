"""``store/cache/parallel.each``: results in order, one error, nothing started after it."""

from __future__ import annotations

import threading
import time

import pytest
from sx.store.cache.parallel import each
from sx.store.errors import Corrupt, NotFound


def test_results_come_in_the_items_order_and_run_at_once() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def slow(i: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05 if i % 2 else 0.01)
        with lock:
            running -= 1
        return i * i

    assert each(slow, list(range(8)), 4) == [i * i for i in range(8)]
    assert 2 <= most <= 4


def test_one_item_runs_in_the_calling_thread() -> None:
    assert each(lambda _: threading.current_thread(), ["x"], 4) == [threading.current_thread()]
    assert each(lambda _: 1, [], 4) == []


def test_a_store_error_is_raised_itself_and_later_items_never_start() -> None:
    started: list[int] = []

    def fail(i: int) -> int:
        started.append(i)
        if i == 0:
            raise ValueError("not a store error")
        if i == 1:
            time.sleep(0.02)
            raise Corrupt(f"item {i} is corrupt")
        time.sleep(0.05)
        return i

    with pytest.raises(Corrupt, match="item 1 is corrupt"):
        each(fail, list(range(50)), 2)
    assert len(started) < 50


def test_tick_is_called_while_waiting_and_errors_still_surface() -> None:
    ticks: list[float] = []

    def wait(i: int) -> int:
        time.sleep(0.2)
        return i

    assert each(wait, [1], 1, tick=lambda: ticks.append(time.monotonic()), interval=0.02) == [1]
    assert len(ticks) >= 3

    def missing(i: int) -> int:
        raise NotFound(f"{i} is not there")

    with pytest.raises(NotFound, match="3 is not there"):
        each(missing, [3], 1, tick=lambda: None)
