"""The sales module's settings: small JSON documents by key, versioned like records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from guanxi.kernel.errors import FieldError, VersionConflict
from guanxi.modules.sales.tables import gx_sales_setting
from guanxi.platform.records.context import Ctx


def read(ctx: Ctx, key: str) -> Any | None:
    """The stored value, or None when the default applies."""
    return ctx.conn.execute(
        select(gx_sales_setting.c.value).where(gx_sales_setting.c.key == key)
    ).scalar()


def version(ctx: Ctx, key: str) -> int:
    found = ctx.conn.execute(
        select(gx_sales_setting.c.version).where(gx_sales_setting.c.key == key)
    ).scalar()
    return int(found or 0)


def write(ctx: Ctx, key: str, value: Any, *, expected_version: int | None) -> dict[str, Any]:
    """Store ``value``; with ``expected_version`` (0: never stored) a stale one is 412."""
    now = version(ctx, key)
    if expected_version is not None and expected_version != now:
        raise VersionConflict(
            f"the setting is at version {now}, not {expected_version}",
            errors=[FieldError("version", f"is {now} now", "stale")],
            extra={"current_version": now},
        )
    row = {
        "value": value,
        "version": now + 1,
        "updated_at": ctx.now,
        "updated_by_id": ctx.actor.user_id,
    }
    if now == 0:
        ctx.conn.execute(insert(gx_sales_setting).values(key=key, **row))
    else:
        ctx.conn.execute(
            update(gx_sales_setting).where(gx_sales_setting.c.key == key).values(**row)
        )
    return {"value": value, "version": now + 1}
