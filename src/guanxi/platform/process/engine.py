"""What the process engine itself brings to every installation, beside what modules
declare: write hooks on the records service, scheduled jobs (ADR 0014's shapes) and the
outbox's handlers (ADR 0030)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from guanxi.kernel.db import Database
from guanxi.platform.process import outbox
from guanxi.platform.process.approvals import ApprovalLock
from guanxi.platform.process.automation_runner import Automation, sweep_cron, sweep_dates
from guanxi.platform.process.notifications import Mailer, Robots, Smtp
from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.process.sla_clocks import SlaClocks, run_sweep
from guanxi.platform.process.sla_escalation import HANDLER as SLA_ESCALATION
from guanxi.platform.process.sla_escalation import escalate
from guanxi.platform.process.timers import TimerHandler, purge_fired
from guanxi.platform.process.webhooks import Webhooks
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteHook


def _sweep_outbox(ctx: Ctx) -> str:
    return f"{outbox.sweep(ctx.conn, ctx.now)} done messages forgotten"


OWNER = "platform"  # how `guanxi jobs list` names the engine beside the modules

# The lock first: a refused write does no other hook's work.
WRITE_HOOKS: tuple[WriteHook, ...] = (ApprovalLock(), Automation(), SlaClocks())

KEEP_FIRED_TIMERS = timedelta(days=30)


def purge_timers(ctx: Ctx) -> dict[str, int]:
    """Fired timers are kept a month for the record, then deleted."""
    return {"purged": purge_fired(ctx.conn, ctx.now - KEEP_FIRED_TIMERS)}


JOBS: tuple[ScheduledJob, ...] = (
    # Due warnings and breaches are found within a minute of coming due.
    ScheduledJob("sla_sweep", run=run_sweep, every=timedelta(minutes=1)),
    # Date-triggered automation rules run within the hour their day begins.
    ScheduledJob("automation_dates", run=sweep_dates, cron="5 * * * *"),
    # Cron-triggered rules run within a minute of their time.
    ScheduledJob("automation_cron", run=sweep_cron, every=timedelta(minutes=1)),
    # Done outbox messages (the delivery log) are kept 30 days.
    ScheduledJob("outbox_sweep", run=_sweep_outbox, cron="17 3 * * *"),
    ScheduledJob("purge_fired_timers", run=purge_timers, cron="23 3 * * *"),
)

# Timer handlers by name (platform.process.timers): SLA escalations, armed when a clock's
# warning or breach is recorded, are carried out by the pump.
TIMER_HANDLERS: Mapping[str, TimerHandler] = {SLA_ESCALATION: escalate}


def relay(
    db: Database,
    now: Callable[[], datetime],
    *,
    allow_private: bool,
    timing: outbox.Timing = outbox.Timing(),
    smtp: Smtp | None = None,
) -> outbox.Relay:
    """The outbox's handlers of an installation: webhooks, notification e-mail (over
    ``smtp``; none configured: such messages fail saying so) and chat robots."""
    handlers: list[outbox.Handler] = [
        Webhooks(db, now=now, allow_private=allow_private),
        Mailer(smtp or Smtp(host=None), now=now),
        Robots(db, now=now, allow_private=allow_private),
    ]
    return outbox.Relay(db, handlers, now, timing=timing)
