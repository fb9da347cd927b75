"""The indexer thread is background work: it leaves indexing until writes pause, but never
for longer than ``max_lag`` (ADR 0010). Time is a fake monotonic clock, never slept on."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanxi.kernel.db import Database
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.search.indexer import Indexer


class Ticking:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Ticking:
    return Ticking()


@pytest.fixture
def background(clock: Ticking, tmp_path: Path) -> Indexer:
    """An indexer (its thread not started) looking every 0.5 s."""
    db = Database(f"sqlite:///{tmp_path / 'unused.db'}")
    return Indexer(db, Registry(), interval=0.5, max_lag=2.0, monotonic=clock)


def test_with_no_writes_the_indexer_indexes_at_every_look(
    clock: Ticking, background: Indexer
) -> None:
    assert not background.yielding()
    clock.now += 0.5
    assert not background.yielding()


def test_a_running_write_holds_indexing_off_until_an_interval_after_it_ends(
    clock: Ticking, background: Indexer
) -> None:
    with background.writing():
        clock.now += 1.0
        assert background.yielding()
    clock.now += 0.4
    assert background.yielding()
    clock.now += 0.1
    assert not background.yielding()


def test_a_steady_stream_of_writes_puts_indexing_off_for_at_most_max_lag(
    clock: Ticking, background: Indexer
) -> None:
    looks = []
    for _ in range(50):  # a write every 1/8 s for 6.25 s, a look after each
        with background.writing():
            clock.now += 0.125
        looks.append(background.yielding())
    drains = [i for i, put_off in enumerate(looks) if not put_off]
    assert drains == [16, 33]  # 2 s (max_lag) after it first put indexing off, and again


def test_writes_in_other_threads_count_until_each_ends(clock: Ticking, background: Indexer) -> None:
    with background.writing():
        with background.writing():
            clock.now += 1.0
        clock.now += 1.0  # the first is still running
        assert background.yielding()
    clock.now += 0.5
    assert not background.yielding()
