"""What the process engine itself brings to every installation, beside what modules
declare: write hooks on the records service and scheduled jobs (ADR 0014's shapes)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.process.sla_clocks import SlaClocks, run_sweep
from guanxi.platform.process.timers import TimerHandler, purge_fired
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteHook

OWNER = "platform"  # how `guanxi jobs list` names the engine beside the modules

WRITE_HOOKS: tuple[WriteHook, ...] = (SlaClocks(),)

KEEP_FIRED_TIMERS = timedelta(days=30)


def purge_timers(ctx: Ctx) -> dict[str, int]:
    """Fired timers are kept a month for the record, then deleted."""
    return {"purged": purge_fired(ctx.conn, ctx.now - KEEP_FIRED_TIMERS)}


JOBS: tuple[ScheduledJob, ...] = (
    # Due warnings and breaches are found within a minute of coming due.
    ScheduledJob("sla_sweep", run=run_sweep, every=timedelta(minutes=1)),
    ScheduledJob("purge_fired_timers", run=purge_timers, cron="17 3 * * *"),
)

# Timer handlers by name (platform.process.timers); the rule engine's date triggers and
# SLA escalations register theirs here.
TIMER_HANDLERS: Mapping[str, TimerHandler] = {}
