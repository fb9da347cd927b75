"""Customer registration (客户报备): a rep who enters an account first keeps it for a while.

**One customer, one registration (撞单).** Creating an account whose normalised name
(``name_key``: legal forms, regions and widths folded, so 字节跳动（北京） is 北京字节跳动科技
有限公司) is already held by a live account is refused — whoever's it is, readable by the
user or not, because a rep cannot see a colleague's customers and would otherwise register
them again. The 409 ``already_registered`` names the field ``name`` and says who has it
(or that it is in the pool, to be claimed there); the id is given only to a user who may
read that account. Renaming an account onto a registered name is refused the same way.
Writes of the system (demo data, jobs) are not checked; ``GUANXI_REGISTRATION_DUPLICATES=
off`` turns the check off for an installation that wants duplicates found and merged later.

**Protection.** Creating an account grants it a protection period, ``protected_until =
now + N days``, during which the reclaim rules of the customer pools leave it with its
owner. N is ``GUANXI_REGISTRATION_PROTECTION_DAYS`` (default 90; 0 grants none), read
when the account is created. An account created with its own ``protected_until``, or
straight into a pool, keeps what it was given.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select

from guanxi.kernel.errors import FieldError
from guanxi.modules.customers.hooks import name_key
from guanxi.modules.sales.errors import AlreadyRegistered, say
from guanxi.platform.access.tables import gx_user
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteEvent

ENV = "GUANXI_REGISTRATION_PROTECTION_DAYS"
DUPLICATES_ENV = "GUANXI_REGISTRATION_DUPLICATES"
DEFAULT_DAYS = 90


def protection_days() -> int:
    """The protection a new account gets, in days (a bad value: the default)."""
    raw = os.environ.get(ENV, "").strip()
    try:
        days = int(raw) if raw else DEFAULT_DAYS
    except ValueError:
        return DEFAULT_DAYS
    return max(0, min(days, 3650))


def refuses_duplicates() -> bool:
    return os.environ.get(DUPLICATES_ENV, "").strip().lower() != "off"


def registered(ctx: Ctx, name: object, *, other_than: UUID | None = None) -> dict[str, Any] | None:
    """The live account holding ``name``'s key, if any: its name, owner and pool state,
    and its id when the acting user may read it."""
    key = name_key(name)
    if not key:
        return None
    accounts = ctx.snap.table("account")
    condition = [accounts.c.name_key == key, accounts.c.deleted_at.is_(None)]
    if other_than is not None:
        condition.append(accounts.c.id != other_than)
    row = ctx.conn.execute(
        select(accounts.c.id, accounts.c.name, accounts.c.pool_state, gx_user.c.name.label("owner"))
        .select_from(accounts.outerjoin(gx_user, gx_user.c.id == accounts.c.owner_id))
        .where(*condition)
        .order_by(accounts.c.created_at, accounts.c.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    readable = ctx.conn.execute(
        select(accounts.c.id).where(
            accounts.c.id == row.id, ctx.actor.policy.read_predicate("account", accounts)
        )
    ).first()
    return {
        "id": str(row.id) if readable else None,
        "name": row.name,
        "owner": row.owner,
        "in_pool": row.pool_state == "in_pool" or row.owner is None,
    }


class RegistrationGrantsProtection:
    """A new account is refused when its customer is registered already, and otherwise
    protected from reclaiming for ``protection_days()``."""

    objects = ("account",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action in ("create", "update") and "name" in event.values:
            self._refuse_duplicate(ctx, event)
        if event.action != "create" or event.values.get("protected_until") is not None:
            return
        if event.values.get("pool_state") == "in_pool":
            return
        days = protection_days()
        if days:
            event.values["protected_until"] = ctx.now + timedelta(days=days)

    @staticmethod
    def _refuse_duplicate(ctx: Ctx, event: WriteEvent) -> None:
        if ctx.actor.user_id is None or not refuses_duplicates():
            return
        found = registered(ctx, event.values["name"], other_than=event.record_id)
        if found is None:
            return
        locale = ctx.actor.locale
        if found["in_pool"]:
            message = say(locale, "registered_in_pool", name=found["name"])
        else:
            message = say(locale, "already_registered", name=found["name"], owner=found["owner"])
        raise AlreadyRegistered(
            f"name: {found['name']} is registered already",
            errors=[FieldError("name", message, AlreadyRegistered.code, event.index)],
            extra={"registered": found},
        )

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None
