"""Scheduled jobs as modules declare them (ADR 0014).

A declaration only, checked when the module is built: the process engine will run each
job at its times, with a unit of work as the system.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from guanxi.platform.metadata.model import NAME_RE
from guanxi.platform.records.context import Ctx

# Five fields: minute, hour, day of month, month, day of week. The engine's parser
# (croniter) will judge the values; this catches a wrong shape as the module is built.
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?LW#-]+$")


@dataclass(frozen=True)
class ScheduledJob:
    """``run`` at the times of ``cron`` (five fields, in the server's zone) or ``every``."""

    name: str
    run: Callable[[Ctx], object]
    cron: str | None = None
    every: timedelta | None = None

    def __post_init__(self) -> None:
        if not NAME_RE.match(self.name):
            raise ValueError(f"job name {self.name!r}: use lower-case letters, digits and _")
        if (self.cron is None) == (self.every is None):
            raise ValueError(f"job {self.name}: give either cron or every")
        if self.cron is not None:
            parts = self.cron.split()
            if len(parts) != 5 or not all(_CRON_FIELD.match(p) for p in parts):
                raise ValueError(
                    f"job {self.name}: cron {self.cron!r} needs five fields "
                    "(minute hour day-of-month month day-of-week)"
                )
        if self.every is not None and self.every <= timedelta(0):
            raise ValueError(f"job {self.name}: every must be a positive interval")
