"""What the process engine itself brings to every installation, beside what modules
declare: write hooks on the records service, scheduled jobs (ADR 0014's shapes) and the
outbox's handlers (ADR 0030)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from guanxi.kernel.db import Database
from guanxi.platform.process import outbox
from guanxi.platform.process.approvals import ApprovalLock
from guanxi.platform.process.automation_runner import Automation, sweep_dates
from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.process.sla_clocks import SlaClocks, run_sweep
from guanxi.platform.process.webhooks import Webhooks
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteHook


def _sweep_outbox(ctx: Ctx) -> str:
    return f"{outbox.sweep(ctx.conn, ctx.now)} done messages forgotten"


OWNER = "platform"  # how `guanxi jobs list` names the engine beside the modules

# The lock first: a refused write does no other hook's work.
WRITE_HOOKS: tuple[WriteHook, ...] = (ApprovalLock(), Automation(), SlaClocks())

JOBS: tuple[ScheduledJob, ...] = (
    # Due warnings and breaches are found within a minute of coming due.
    ScheduledJob("sla_sweep", run=run_sweep, every=timedelta(minutes=1)),
    # Date-triggered automation rules run within the hour their day begins.
    ScheduledJob("automation_dates", run=sweep_dates, cron="5 * * * *"),
    # Done outbox messages (the delivery log) are kept 30 days.
    ScheduledJob("outbox_sweep", run=_sweep_outbox, cron="17 3 * * *"),
)


def relay(db: Database, now: Callable[[], datetime], *, allow_private: bool) -> outbox.Relay:
    """The outbox's handlers of an installation: webhooks."""
    return outbox.Relay(db, [Webhooks(db, now=now, allow_private=allow_private)], now)
