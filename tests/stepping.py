"""Background threads driven by hand: a fake monotonic clock and a wait a test steps through.

A thread built with ``monotonic=time`` and ``wait=time.wait`` blocks in every pause until
the test calls :meth:`SteppedTime.look`, which lets exactly one pause end (moving the
clock by its length) and returns once the thread is pausing again: its work for that
look is done. Nothing sleeps and nothing polls.
"""

from __future__ import annotations

import threading

GUARD = 30.0  # seconds: only a broken thread is this slow; fail instead of hanging


class SteppedTime:
    def __init__(self, start: float = 100.0) -> None:
        self.now = start
        self._cv = threading.Condition()
        self._pausing = False
        self._go = 0
        self._stopping = False

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        """The thread's pause: returns False to look again, True to stop."""
        with self._cv:
            self._pausing = True
            self._cv.notify_all()
            self._cv.wait_for(lambda: self._go > 0 or self._stopping)
            self._pausing = False
            if self._stopping:
                return True
            self._go -= 1
            self.now += seconds
            return False

    def look(self, times: int = 1) -> None:
        """End the thread's pause ``times`` times, each after its previous look is done."""
        for _ in range(times):
            with self._cv:
                if not self._cv.wait_for(lambda: self._pausing, timeout=GUARD):
                    raise AssertionError("the thread never paused")
                self._go += 1
                self._cv.notify_all()
                if not self._cv.wait_for(lambda: self._pausing and not self._go, timeout=GUARD):
                    raise AssertionError("the thread did not finish its look")

    def stop(self) -> None:
        """Let the thread's pause end with "stop"."""
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
