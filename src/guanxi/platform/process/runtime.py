"""What background work (scheduled jobs, timers, queued tasks) runs with: the database, the
metadata registry, a clock and the modules' write hooks, and a unit of work as the system."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from guanxi.kernel.clock import Clock
from guanxi.kernel.db import Database
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import NO_HOOKS, WriteHooks


@dataclass(frozen=True)
class Runtime:
    db: Database
    registry: Registry
    clock: Clock
    hooks: WriteHooks = NO_HOOKS
    files_dir: Path | None = None

    def system_ctx(self, conn: Connection) -> Ctx:
        """A unit of work as the system on ``conn``, at the clock's time."""
        return Ctx.open(
            conn,
            self.registry,
            SYSTEM,
            self.clock.now(),
            hooks=self.hooks,
            files_dir=self.files_dir,
        )

    @contextmanager
    def as_system(self) -> Iterator[Ctx]:
        """One write transaction as the system, as ``guanxi jobs run`` does."""
        with self.db.write() as conn:
            yield self.system_ctx(conn)
