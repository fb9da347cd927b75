"""Timing loops and their summaries (median, p95, throughput)."""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Latencies of ``n`` operations (seconds) and the wall time they took together."""

    samples: tuple[float, ...]
    wall: float

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000 if self.samples else math.nan

    @property
    def p95_ms(self) -> float:
        """Nearest-rank 95th percentile."""
        if not self.samples:
            return math.nan
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    @property
    def per_second(self) -> float:
        return self.n / self.wall if self.wall > 0 else math.nan


def repeat(
    operation: Callable[[int], object],
    count: int,
    *,
    warmup: int = 0,
    max_seconds: float | None = None,
    min_count: int = 5,
) -> Timing:
    """Run ``operation(i)`` sequentially ``count`` times (after ``warmup`` untimed runs).

    With ``max_seconds`` the loop stops early once that much time has passed and at least
    ``min_count`` operations were timed, so a slow case cannot run for an hour.
    """
    for i in range(warmup):
        operation(-1 - i)
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        operation(i)
        samples.append(time.perf_counter() - t0)
        if (
            max_seconds is not None
            and len(samples) >= min_count
            and time.perf_counter() - started > max_seconds
        ):
            break
    return Timing(tuple(samples), time.perf_counter() - started)


def concurrently(
    make_worker: Callable[[int], Callable[[int], object]], threads: int, per_thread: int
) -> Timing:
    """``threads`` threads each run their worker ``per_thread`` times; latencies are pooled.

    ``make_worker(t)`` runs in thread ``t`` before the common start (e.g. to open a client).
    """
    barrier = threading.Barrier(threads + 1)
    results: list[list[float]] = [[] for _ in range(threads)]
    failures: list[BaseException] = []

    def run(t: int) -> None:
        try:
            worker = make_worker(t)
        except BaseException as exc:
            failures.append(exc)
            barrier.abort()
            raise
        barrier.wait()
        try:
            for i in range(per_thread):
                t0 = time.perf_counter()
                worker(t * per_thread + i)
                results[t].append(time.perf_counter() - t0)
        except BaseException as exc:
            failures.append(exc)
            raise

    pool = [threading.Thread(target=run, args=(t,), daemon=True) for t in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"a client thread failed: {failures[0]!r}") from failures[0]
    return Timing(tuple(s for r in results for s in r), wall)


def cpu_speed_ms(rounds: int = 5) -> float:
    """Milliseconds a fixed pure-Python loop takes (the fastest of ``rounds``).

    This VM's cores do not run at one speed: the same loop took 106 ms and 167 ms an hour
    apart on one day. Recorded before and after each database's measurements, it tells
    whether two reports were measured on the same machine as far as speed goes.
    """
    best = math.inf
    for _ in range(rounds):
        start = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i * i % 7
        best = min(best, time.perf_counter() - start)
    return best * 1000
