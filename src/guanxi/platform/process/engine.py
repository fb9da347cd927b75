"""What the process engine itself brings to every installation, beside what modules
declare: write hooks on the records service, scheduled jobs (ADR 0014's shapes) and the
outbox's handlers (ADR 0030)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from guanxi.kernel.db import Database
from guanxi.platform.process import outbox
from guanxi.platform.process.notifications import Mailer, Robots, Smtp
from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.process.sla_clocks import SlaClocks, run_sweep
from guanxi.platform.process.webhooks import Webhooks
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteHook


def _sweep_outbox(ctx: Ctx) -> str:
    return f"{outbox.sweep(ctx.conn, ctx.now)} done messages forgotten"


OWNER = "platform"  # how `guanxi jobs list` names the engine beside the modules

WRITE_HOOKS: tuple[WriteHook, ...] = (SlaClocks(),)

JOBS: tuple[ScheduledJob, ...] = (
    # Due warnings and breaches are found within a minute of coming due.
    ScheduledJob("sla_sweep", run=run_sweep, every=timedelta(minutes=1)),
    # Done outbox messages (the delivery log) are kept 30 days.
    ScheduledJob("outbox_sweep", run=_sweep_outbox, cron="17 3 * * *"),
)


def relay(
    db: Database,
    now: Callable[[], datetime],
    *,
    allow_private: bool,
    smtp: Smtp | None = None,
) -> outbox.Relay:
    """The outbox's handlers of an installation: webhooks, notification e-mail (over
    ``smtp``; none configured: such messages fail saying so) and chat robots."""
    return outbox.Relay(
        db,
        [
            Webhooks(db, now=now, allow_private=allow_private),
            Mailer(smtp or Smtp(host=None), now=now),
            Robots(db, now=now, allow_private=allow_private),
        ],
        now,
    )
