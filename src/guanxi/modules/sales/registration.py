"""Customer registration (客户报备): a rep who enters an account first keeps it for a while.

Creating an account grants it a protection period, ``protected_until = now + N days``,
during which the reclaim rules of the customer pools leave it with its owner. N is
``GUANXI_REGISTRATION_PROTECTION_DAYS`` (default 90; 0 grants none), read when the
account is created. An account created with its own ``protected_until``, or straight into
a pool, keeps what it was given.

The duplicate check that registration also runs (``modules/customers/duplicates.py``)
belongs before this in the same hook point: a ``before`` hook on account creates.
"""

from __future__ import annotations

import os
from datetime import timedelta

from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteEvent

ENV = "GUANXI_REGISTRATION_PROTECTION_DAYS"
DEFAULT_DAYS = 90


def protection_days() -> int:
    """The protection a new account gets, in days (a bad value: the default)."""
    raw = os.environ.get(ENV, "").strip()
    try:
        days = int(raw) if raw else DEFAULT_DAYS
    except ValueError:
        return DEFAULT_DAYS
    return max(0, min(days, 3650))


class RegistrationGrantsProtection:
    """A new account is protected from reclaiming for ``protection_days()``."""

    objects = ("account",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action != "create" or event.values.get("protected_until") is not None:
            return
        if event.values.get("pool_state") == "in_pool":
            return
        days = protection_days()
        if days:
            event.values["protected_until"] = ctx.now + timedelta(days=days)

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None
