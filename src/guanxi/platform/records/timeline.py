"""A record's timeline: what happened to it, newest first, one entry per event (ADR 0023).

Entries come from several sources, each read a page at a time by its own keyset and
merged: the field history (one entry per write, however many fields it changed), and the
record's shares. Later sources (activities, tasks, approvals) join the same way: a rank
that orders them among entries of the same instant, and a key unique within the source.

Every entry has ``id``, ``type``, ``at`` and ``actor``; the rest depends on the type:

- ``created``, ``deleted``, ``restored``, ``purged``;
- ``updated`` with ``changes`` ``[{"field", "old", "new"}]``; a file field's values are
  ``{"id", "name", "content_type", "size"}``. A write whose only changes attach files is
  ``attachment_added`` (and one that only removes them ``attachment_removed``);
- ``attachment_added`` / ``attachment_removed`` also for the record's attachments
  (``platform.records.attachments``, written to the history as ``attach`` / ``detach``),
  with ``attachments`` ``[{"id", "file": {"id", "name", "content_type", "size"}}]`` (a
  file since purged keeps its name, without type and size);
- ``shared`` with ``shared_with`` ``{"type": "user" | "team", "id", "name"}`` and
  ``access`` (``read`` or ``edit``): only for those who may share the record, as only they
  may list its shares. Removing a share leaves no trace yet;
- ``related_created``: a record that looks up to this one was made (an activity logged on
  an account, a contact added, a deal, quote, contract or payment), with ``object``,
  ``field`` (the lookup) and ``record`` ``{"id", "name"}``; only records the user may
  read, through lookups not hidden from them. This makes an account's timeline its 360°
  view; ``related=false`` leaves them out;
- ``approval``: a step of the record's approval requests (``platform.process.approvals``),
  with ``action`` (``submitted``, ``step_skipped``, ``approved``, ``rejected``,
  ``reassigned``, ``delegated``, ``recalled``, ``request_approved``,
  ``request_rejected``), ``approval_id``, ``comment`` and, where they apply, ``step``
  ``{"index", "name"}``, ``original_approver`` (whom the step named; ``actor`` is who
  acted), ``to_user`` (a reassignment's or an absence's delegate), ``to_step`` (a
  rejection back to an earlier step) and ``attachments`` (the comment's files).

The record must be readable by the user (404 otherwise, missing or not); changes of fields
hidden from them are left out by the query, as the history does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, case, exists, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel import cursors
from guanxi.kernel.errors import FieldError, NotFound, ValidationFailed
from guanxi.platform.access.fields import hidden_fields
from guanxi.platform.access.tables import gx_share, gx_team, gx_user
from guanxi.platform.files.tables import gx_file
from guanxi.platform.metadata.model import SYSTEM_FIELDS, ObjectDef
from guanxi.platform.process.approvals import trail_entries
from guanxi.platform.process.tables import gx_approval_action
from guanxi.platform.records.context import Ctx, require
from guanxi.platform.records.tables import gx_history
from guanxi.platform.records.values import plain

MAX_LIMIT = 200
# Entries of the same instant: related records first (made after their parent), then the
# history, then shares (a record is created, then shared).
HISTORY_RANK, SHARE_RANK, RELATED_RANK = 1, 0, 2
# Approval steps come before the writes their actions make in the same instant.
APPROVAL_RANK = -1
ACTION_TYPES = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "restore": "restored",
    "purge": "purged",
    "attach": "attachment_added",
    "detach": "attachment_removed",
}


@dataclass(frozen=True)
class Origin:
    """The record as the timeline and history see it, once the user may read it."""

    created_at: datetime
    created_by: UUID | None
    has_create_entry: bool  # records created before creates were written have none
    may_share: bool


def record_origin(ctx: Ctx, obj: ObjectDef, record_id: UUID) -> Origin:
    """When and by whom the record was made, in one statement with the read check (deleted
    records too: their history stays readable); NotFound when missing or not readable."""
    require(ctx, "read", obj)
    table = ctx.snap.table(obj.name)
    policy = ctx.actor.policy
    created = exists().where(
        gx_history.c.object_name == obj.name,
        gx_history.c.record_id == record_id,
        gx_history.c.action == "create",
    )
    share = policy.predicate("share", obj.name, table) if ctx.actor.can_write else literal(False)
    row = ctx.conn.execute(
        select(
            table.c.created_at,
            table.c.created_by_id,
            case((created, 1), else_=0).label("has_create"),
            case((share, 1), else_=0).label("may_share"),
        ).where(table.c.id == record_id, policy.read_predicate(obj.name, table))
    ).first()
    if row is None:
        raise NotFound(f"no {obj.name} record with id {record_id}")
    return Origin(row.created_at, row.created_by_id, bool(row.has_create), bool(row.may_share))


def visible_changes(ctx: Ctx, obj: ObjectDef) -> ColumnElement[bool]:
    """History rows the user may see: all but changes to fields hidden from them (system
    columns, such as the owner, are never hidden)."""
    hidden = sorted(
        name
        for object_name, name in hidden_fields(ctx.snap, ctx.actor.policy)
        if object_name == obj.name and name not in SYSTEM_FIELDS
    )
    if not hidden:
        return literal(True)
    return or_(gx_history.c.field.is_(None), gx_history.c.field.not_in(hidden))


@dataclass(frozen=True)
class Position:
    """Where a page ends: entries strictly before (older than) it follow."""

    at: datetime
    rank: int
    key: str

    def before(
        self, rank: int, at: ColumnElement[Any], key: ColumnElement[Any], value: Any
    ) -> ColumnElement[bool]:
        """Rows of a source of ``rank`` that come after this position, newest first."""
        if rank < self.rank:
            return at <= self.at
        if rank > self.rank:
            return at < self.at
        return or_(at < self.at, and_(at == self.at, key < value))


@dataclass(frozen=True)
class _Entry:
    at: datetime
    rank: int
    order: Any  # the key within the source, compared within the rank
    key: str
    body: dict[str, Any]
    actor: UUID | None


def _position(cursor: str | None) -> Position | None:
    if not cursor:
        return None
    try:
        at, rank, key = cursors.unpack(cursor)
        position = Position(datetime.fromisoformat(at), int(rank), str(key))
        if position.at.tzinfo is None:
            raise ValueError("naive")
    except (ValueError, TypeError):
        raise ValidationFailed(
            "cursor", errors=[FieldError("cursor", "is not a cursor of this list", "invalid")]
        ) from None
    return position


def _history_entries(
    ctx: Ctx, obj: ObjectDef, record_id: UUID, origin: Origin, after: Position | None, limit: int
) -> list[_Entry]:
    """Up to ``limit`` writes (groups of history rows), newest first, after ``after``."""
    h = gx_history.c
    where = [h.object_name == obj.name, h.record_id == record_id, visible_changes(ctx, obj)]
    first = func.min(h.id)
    groups = select(h.changed_at, h.changed_by, h.action, first.label("first")).where(*where)
    if after is not None:
        groups = groups.where(h.changed_at <= after.at).having(
            after.before(HISTORY_RANK, h.changed_at, first, _int_key(after))
        )
    found = ctx.conn.execute(
        groups.group_by(h.changed_at, h.changed_by, h.action)
        .order_by(h.changed_at.desc(), first.desc())
        .limit(limit)
    ).all()
    entries: list[_Entry] = []
    if found:
        oldest, newest = found[-1].changed_at, found[0].changed_at
        rows = ctx.conn.execute(
            select(gx_history)
            .where(*where, h.changed_at >= oldest, h.changed_at <= newest)
            .order_by(h.id)
        ).all()
        by_group: dict[tuple[Any, ...], list[Row[Any]]] = {}
        for row in rows:
            by_group.setdefault((row.changed_at, row.changed_by, row.action), []).append(row)
        for group in found:
            changes = by_group.get((group.changed_at, group.changed_by, group.action), [])
            entries.append(_write_entry(obj, group, changes))
    # A record created before creates were written to the history: its row stands in.
    legacy = Position(origin.created_at, HISTORY_RANK, "0")
    if not origin.has_create_entry and (after is None or _older(legacy, after)):
        entries.append(
            _Entry(
                origin.created_at,
                HISTORY_RANK,
                0,
                "0",
                {"id": "h0", "type": "created"},
                origin.created_by,
            )
        )
    return entries


def _int_key(position: Position) -> int:
    if position.rank != HISTORY_RANK:
        return 0  # unused: the condition compares the key only within the rank
    try:
        return int(position.key)
    except ValueError:
        raise ValidationFailed(
            "cursor", errors=[FieldError("cursor", "is not a cursor of this list", "invalid")]
        ) from None


def _older(entry: Position, than: Position) -> bool:
    if entry.at != than.at:
        return entry.at < than.at
    if entry.rank != than.rank:
        return entry.rank < than.rank
    return int(entry.key) < _int_key(than)


def _write_entry(obj: ObjectDef, group: Any, rows: Sequence[Row[Any]]) -> _Entry:
    kind = ACTION_TYPES.get(group.action, group.action)
    body: dict[str, Any] = {"id": f"h{group.first}", "type": kind}
    changes = [row for row in rows if row.field is not None]
    if group.action in ("attach", "detach"):
        traces = [row.new if group.action == "attach" else row.old for row in rows]
        body["attachments"] = [
            {"id": t.get("attachment"), "file": {"id": t.get("file"), "name": t.get("name")}}
            for t in traces
            if isinstance(t, dict)
        ]
    elif changes:
        body["changes"] = [{"field": r.field, "old": r.old, "new": r.new} for r in changes]
        if kind == "updated" and all(_is_file(obj, r.field) for r in changes):
            if all(r.new is not None for r in changes):
                body["type"] = "attachment_added"
            elif all(r.new is None for r in changes):
                body["type"] = "attachment_removed"
    return _Entry(
        group.changed_at, HISTORY_RANK, group.first, str(group.first), body, group.changed_by
    )


def _is_file(obj: ObjectDef, name: str) -> bool:
    f = obj.get_field(name, include_archived=True)
    return f is not None and f.type == "file"


def _share_entries(
    ctx: Ctx, obj: ObjectDef, record_id: UUID, after: Position | None, limit: int
) -> list[_Entry]:
    s = gx_share.c
    stmt = (
        select(
            s.id,
            s.created_at,
            s.created_by,
            s.access,
            s.user_id,
            s.team_id,
            gx_user.c.name.label("user_name"),
            gx_team.c.name.label("team_name"),
        )
        .select_from(
            gx_share.outerjoin(gx_user, gx_user.c.id == s.user_id).outerjoin(
                gx_team, gx_team.c.id == s.team_id
            )
        )
        .where(s.object_name == obj.name, s.record_id == record_id)
    )
    if after is not None:
        stmt = stmt.where(after.before(SHARE_RANK, s.created_at, s.id, _uuid_key(after)))
    rows = ctx.conn.execute(stmt.order_by(s.created_at.desc(), s.id.desc()).limit(limit)).all()
    entries = []
    for row in rows:
        with_user = row.user_id is not None
        body = {
            "id": f"s{row.id}",
            "type": "shared",
            "shared_with": {
                "type": "user" if with_user else "team",
                "id": str(row.user_id if with_user else row.team_id),
                "name": row.user_name if with_user else row.team_name,
            },
            "access": row.access,
        }
        entries.append(
            _Entry(row.created_at, SHARE_RANK, row.id, str(row.id), body, row.created_by)
        )
    return entries


def _children(ctx: Ctx, obj: ObjectDef) -> list[tuple[ObjectDef, str]]:
    """Each (object, lookup) by which records the user may read point at ``obj``."""
    policy = ctx.actor.policy
    hidden = set(hidden_fields(ctx.snap, policy))
    found = []
    for child in sorted(ctx.snap.objects.values(), key=lambda o: o.name):
        if child.archived or not policy.can("read", child.name):
            continue
        for f in child.active_fields:
            if (
                f.type == "lookup"
                and f.opt("target") == obj.name
                and (child.name, f.name) not in hidden
            ):
                found.append((child, f.name))
    return found


def _related_entries(
    ctx: Ctx, obj: ObjectDef, record_id: UUID, after: Position | None, limit: int
) -> list[_Entry]:
    """Records made that look up to this one, newest first: one statement per lookup,
    each walking the index every lookup has (lookup, created_at, id)."""
    entries = []
    hidden = set(hidden_fields(ctx.snap, ctx.actor.policy))
    for child, lookup in _children(ctx, obj):
        table = ctx.snap.table(child.name)
        name_field = child.name_field or ""
        name: ColumnElement[Any] = literal(None)
        if name_field in table.c and (child.name, name_field) not in hidden:
            name = table.c[name_field]
        stmt = select(
            table.c.id, table.c.created_at, table.c.created_by_id, name.label("name")
        ).where(
            table.c[lookup] == record_id,
            table.c.deleted_at.is_(None),
            ctx.actor.policy.read_predicate(child.name, table),
        )
        if after is not None:
            stmt = stmt.where(
                after.before(RELATED_RANK, table.c.created_at, table.c.id, _uuid_key(after))
            )
        rows = ctx.conn.execute(
            stmt.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(limit)
        ).all()
        for row in rows:
            body = {
                "id": f"r{row.id}",
                "type": "related_created",
                "object": child.name,
                "field": lookup,
                "record": {"id": str(row.id), "name": None if row.name is None else str(row.name)},
            }
            entries.append(
                _Entry(row.created_at, RELATED_RANK, row.id, str(row.id), body, row.created_by_id)
            )
    return entries


def _approval_entries(
    ctx: Ctx, obj: ObjectDef, record_id: UUID, after: Position | None, limit: int
) -> list[_Entry]:
    """The trail of the record's approval requests, newest first."""
    a = gx_approval_action.c
    stmt = select(gx_approval_action).where(a.object_name == obj.name, a.record_id == record_id)
    if after is not None:
        key = int(after.key) if after.rank == APPROVAL_RANK and after.key.isdigit() else 0
        stmt = stmt.where(after.before(APPROVAL_RANK, a.at, a.id, key))
    rows = list(ctx.conn.execute(stmt.order_by(a.at.desc(), a.id.desc()).limit(limit)).all())
    return [
        _Entry(
            row.at,
            APPROVAL_RANK,
            row.id,
            str(row.id),
            {"id": f"a{row.id}", "type": "approval", **body},
            row.actor_id,
        )
        for row, body in zip(rows, trail_entries(ctx, rows), strict=True)
    ]


def _uuid_key(position: Position) -> UUID:
    if position.rank not in (SHARE_RANK, RELATED_RANK):
        return UUID(int=0)  # unused: the condition compares the key only within the rank
    try:
        return UUID(position.key)
    except ValueError:
        raise ValidationFailed(
            "cursor", errors=[FieldError("cursor", "is not a cursor of this list", "invalid")]
        ) from None


def _files(ctx: Ctx, entries: Iterable[dict[str, Any]], obj: ObjectDef) -> None:
    """File fields' values as the files they name, and attachments' files in full (one
    query for the page)."""
    entries = list(entries)
    changes = [c for e in entries for c in e.get("changes", ()) if _is_file(obj, c["field"])]
    attached = [a["file"] for e in entries for a in e.get("attachments", ())]
    ids: set[UUID] = set()
    for value in [v for c in changes for v in (c["old"], c["new"])] + [f["id"] for f in attached]:
        if isinstance(value, str):
            try:
                ids.add(UUID(value))
            except ValueError:
                continue
    if not ids:
        return
    rows = ctx.conn.execute(
        select(gx_file.c.id, gx_file.c.name, gx_file.c.content_type, gx_file.c.size).where(
            gx_file.c.id.in_(ids)
        )
    ).all()
    files = {
        str(r.id): {"id": str(r.id), "name": r.name, "content_type": r.content_type, "size": r.size}
        for r in rows
    }
    for change in changes:
        for side in ("old", "new"):
            value = change[side]
            if isinstance(value, str):
                change[side] = files.get(value, {"id": value, "name": None})
    for file in attached:
        file.update(files.get(str(file["id"]), {}))


@dataclass(frozen=True)
class TimelinePage:
    entries: list[dict[str, Any]]
    next_cursor: str | None


def timeline(
    ctx: Ctx,
    object_name: str,
    record_id: UUID,
    *,
    limit: int = 50,
    cursor: str | None = None,
    related: bool = True,
) -> TimelinePage:
    """A page of what happened to a record the user may read, newest first (see the
    module's text for the entries)."""
    if isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            "limit", errors=[FieldError("limit", f"must be between 1 and {MAX_LIMIT}", "invalid")]
        )
    obj = ctx.snap.object(object_name)
    after = _position(cursor)
    origin = record_origin(ctx, obj, record_id)
    # Each source gives one more than a page: the merge then knows whether more follow.
    found = _history_entries(ctx, obj, record_id, origin, after, limit + 1)
    if origin.may_share:
        found += _share_entries(ctx, obj, record_id, after, limit + 1)
    if related:
        found += _related_entries(ctx, obj, record_id, after, limit + 1)
    found += _approval_entries(ctx, obj, record_id, after, limit + 1)
    found.sort(key=lambda e: (e.at, e.rank, e.order), reverse=True)
    page = found[:limit]
    next_cursor = None
    if len(found) > limit:
        last = page[-1]
        next_cursor = cursors.pack([last.at.isoformat(), last.rank, last.key])
    names = _names(ctx, {e.actor for e in page if e.actor is not None})
    entries = []
    for e in page:
        actor = None if e.actor is None else {"id": str(e.actor), "name": names.get(e.actor)}
        entries.append({**e.body, "at": plain(e.at, ctx.zone), "actor": actor})
    _files(ctx, entries, obj)
    return TimelinePage(entries, next_cursor)


def _names(ctx: Ctx, ids: set[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    rows = ctx.conn.execute(select(gx_user.c.id, gx_user.c.name).where(gx_user.c.id.in_(ids)))
    return {r.id: r.name for r in rows}
