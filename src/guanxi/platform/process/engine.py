"""What the process engine itself brings to every installation, beside what modules
declare: write hooks on the records service and scheduled jobs (ADR 0014's shapes)."""

from __future__ import annotations

from datetime import timedelta

from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.process.sla_clocks import SlaClocks, run_sweep
from guanxi.platform.records.hooks import WriteHook

OWNER = "platform"  # how `guanxi jobs list` names the engine beside the modules

WRITE_HOOKS: tuple[WriteHook, ...] = (SlaClocks(),)

JOBS: tuple[ScheduledJob, ...] = (
    # Due warnings and breaches are found within a minute of coming due.
    ScheduledJob("sla_sweep", run=run_sweep, every=timedelta(minutes=1)),
)
