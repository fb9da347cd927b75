"""Optimistic locking for the process engine's definitions (rules, policies, webhooks):
a change names the version it was made against, and a stale one is refused; and the
storage of definitions whose versions are published, never edited (:class:`Definitions`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Row

from guanxi.kernel.errors import (
    FieldError,
    NotFound,
    PreconditionRequired,
    ValidationFailed,
    VersionConflict,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.values import plain

MAX_VERSION = 2**31 - 1  # what a version column holds


def check_version(what: str, current: int, sent: int | None) -> None:
    """428 without a version (If-Match or the body's ``version``), 412 when ``sent`` is
    not ``current``; ``what`` names the definition ("the policy")."""
    if sent is None:
        raise PreconditionRequired(
            'send If-Match: "<version>" or a version in the body',
            errors=[FieldError("version", f"is required to change {what}", "required")],
        )
    if sent != current:
        raise stale(what, current, sent)


def stale(what: str, current: int, sent: int) -> VersionConflict:
    return VersionConflict(
        f"{what} is at version {current}, not {sent}",
        errors=[FieldError("version", f"is {current} now", "stale")],
        extra={"current_version": current},
    )


@dataclass(frozen=True)
class Definitions:
    """A kind of versioned definition of one object (automation rules, approval
    processes): a head row (``id``, ``object_name``, ``name``, ``active``, ``position``,
    ``version`` and who changed it when) and immutable published versions, each a JSON
    ``definition`` keyed by the head's id (``key``) and its number."""

    what: str  # "the rule", in messages
    head: Table
    versions: Table
    key: str  # the versions' column naming the head

    def create(
        self,
        ctx: Ctx,
        *,
        object_name: str,
        name: dict[str, str],
        active: bool | None,
        position: int | None,
        definition: dict[str, Any],
    ) -> UUID:
        """A new head at version 1 (last of its object's by default)."""
        head_id = uuid7()
        if position is None:
            position = ctx.conn.execute(
                select(func.count()).where(self.head.c.object_name == object_name)
            ).scalar_one()
        ctx.conn.execute(
            insert(self.head).values(
                id=head_id,
                object_name=object_name,
                name=name,
                active=True if active is None else active,
                position=position,
                version=1,
                created_at=ctx.now,
                created_by_id=ctx.actor.user_id,
                updated_at=ctx.now,
                updated_by_id=ctx.actor.user_id,
            )
        )
        self._publish(ctx, head_id, 1, definition)
        return head_id

    def publish(
        self, ctx: Ctx, row: Row[Any], settings: Mapping[str, Any], definition: dict[str, Any]
    ) -> None:
        """The next version of ``row`` (read at its version), with the head's ``settings``
        sent (name, position, active: None leaves one as it is)."""
        values: dict[str, Any] = {
            "version": row.version + 1,
            "updated_at": ctx.now,
            "updated_by_id": ctx.actor.user_id,
        }
        values.update((k, v) for k, v in settings.items() if v is not None)
        changed = ctx.conn.execute(
            update(self.head)
            .where(self.head.c.id == row.id, self.head.c.version == row.version)
            .values(values)
        ).rowcount
        if changed != 1:
            raise stale(self.what, row.version + 1, row.version)
        self._publish(ctx, row.id, row.version + 1, definition)

    def row(self, ctx: Ctx, head_id: UUID) -> Row[Any]:
        row = ctx.conn.execute(select(self.head).where(self.head.c.id == head_id)).first()
        if row is None:
            raise NotFound(f"{self.what} with id {head_id} does not exist")
        return row

    def definition(self, ctx: Ctx, head_id: UUID, version: int) -> dict[str, Any]:
        v = self.versions.c
        found = ctx.conn.execute(
            select(v.definition).where(v[self.key] == head_id, v.version == version)
        ).scalar()
        if found is None:
            raise NotFound(f"{self.what} has no version {version}")
        definition: dict[str, Any] = found
        return definition

    def shown(
        self, ctx: Ctx, row: Row[Any], definition: dict[str, Any], version: int | None = None
    ) -> dict[str, Any]:
        """The head with a version's definition as the API shows them."""
        return {
            "id": str(row.id),
            "object": row.object_name,
            "name": row.name,
            **definition,
            "active": row.active,
            "position": row.position,
            "version": version or row.version,
            "published_version": row.version,
            "created_at": plain(row.created_at, ctx.zone),
            "created_by_id": plain(row.created_by_id),
            "updated_at": plain(row.updated_at, ctx.zone),
            "updated_by_id": plain(row.updated_by_id),
        }

    def _publish(self, ctx: Ctx, head_id: UUID, version: int, definition: dict[str, Any]) -> None:
        ctx.conn.execute(
            insert(self.versions).values(
                {
                    self.key: head_id,
                    "version": version,
                    "definition": definition,
                    "created_at": ctx.now,
                    "created_by_id": ctx.actor.user_id,
                }
            )
        )


def invalid(errors: list[FieldError]) -> ValidationFailed:
    """A definition's problems, all of them, the first few in the detail."""
    return ValidationFailed("; ".join(f"{e.field}: {e.message}" for e in errors[:5]), errors=errors)
