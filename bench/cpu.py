"""CPU time used by the server and the database while a benchmark runs (Linux ``/proc``).

Client, server and database share the machine's cores, so a rate alone does not say who
spent the time. These counters do: user + system CPU seconds of the server process and
its children (uvicorn's workers), and of every PostgreSQL process (its backends do the
queries; the background writer and WAL writer do part of each commit).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float:
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        pending += _children(current)
    return pids


def postgres_pids() -> list[int]:
    pids = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in {"postgres", "postmaster"}:
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


@dataclass
class CpuMeter:
    """CPU seconds used between :meth:`start` and :meth:`stop` (0 where ``/proc`` is absent)."""

    server_pid: int
    server: float = 0.0
    database: float = 0.0

    def _read(self) -> tuple[dict[int, float], dict[int, float]]:
        return (
            {p: _cpu_seconds(p) for p in tree(self.server_pid)},
            {p: _cpu_seconds(p) for p in postgres_pids()},
        )

    def start(self) -> CpuMeter:
        self._before = self._read()
        return self

    def stop(self) -> CpuMeter:
        after = self._read()
        # A process that started meanwhile (a new PostgreSQL backend) counts from zero.
        self.server = sum(t - self._before[0].get(p, 0.0) for p, t in after[0].items())
        self.database = sum(t - self._before[1].get(p, 0.0) for p, t in after[1].items())
        return self
