"""What one user may do, compiled into SQL predicates.

A user's roles are a union of grants: an operation is allowed when any role allows it,
the widest data scope wins, and a field is hidden (or read-only) only when every role that
grants access to its object says so. Visibility is never checked after fetching: the
predicates below are added to every query, so pages, counts and cursors stay right.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, false, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from guanxi.platform.access.tables import (
    gx_department,
    gx_role,
    gx_share,
    gx_team_member,
    gx_user,
    gx_user_role,
)

SCOPES = ("own", "own_and_subordinates", "department", "department_and_children", "all")
OPERATIONS = ("create", "read", "update", "delete", "import", "export")
RIGHTS = ("manage_metadata", "manage_users", "manage_automation", "view_audit_log")
FIELD_LEVELS = {"hidden": 0, "read_only": 1, "edit": 2}


@dataclass(frozen=True)
class ObjectGrant:
    operations: frozenset[str]
    scope: str


@dataclass(frozen=True)
class Policy:
    """The compiled permissions of one user (``superuser`` bypasses every check)."""

    user_id: UUID | None
    superuser: bool = False
    grants: dict[str, ObjectGrant] = field(default_factory=dict)
    field_levels: dict[tuple[str, str], int] = field(default_factory=dict)  # absent = edit
    rights: frozenset[str] = frozenset()
    require_2fa: bool = False

    # -- operations -------------------------------------------------------------------
    def can(self, operation: str, object_name: str) -> bool:
        if self.superuser:
            return True
        grant = self.grants.get(object_name)
        return grant is not None and operation in grant.operations

    def has_right(self, right: str) -> bool:
        return self.superuser or right in self.rights

    # -- fields -----------------------------------------------------------------------
    def field_level(self, object_name: str, field_name: str) -> int:
        if self.superuser:
            return FIELD_LEVELS["edit"]
        return self.field_levels.get((object_name, field_name), FIELD_LEVELS["edit"])

    def field_visible(self, object_name: str, field_name: str) -> bool:
        return self.field_level(object_name, field_name) > FIELD_LEVELS["hidden"]

    def field_writable(self, object_name: str, field_name: str) -> bool:
        return self.field_level(object_name, field_name) >= FIELD_LEVELS["edit"]

    @cached_property
    def hidden_fields(self) -> frozenset[tuple[str, str]]:
        """The (object, field) pairs hidden from this user: besides ``superuser``, all that
        decides which fields a read shows, so reads may share work by it."""
        hidden = FIELD_LEVELS["hidden"]
        return frozenset(key for key, level in self.field_levels.items() if level == hidden)

    # -- rows -------------------------------------------------------------------------
    def read_predicate(self, object_name: str, table: FromClause) -> ColumnElement[bool]:
        """Rows of ``table`` the user may see: their data scope plus records shared with them."""
        if self.superuser:
            return true()
        grant = self.grants.get(object_name)
        if grant is None or "read" not in grant.operations:
            return false()
        return self._scoped(object_name, table, grant.scope, ("read", "edit"))

    def edit_predicate(self, object_name: str, table: FromClause) -> ColumnElement[bool]:
        """Rows the user may change: their data scope plus records shared with edit access."""
        if self.superuser:
            return true()
        grant = self.grants.get(object_name)
        if grant is None:
            return false()
        return self._scoped(object_name, table, grant.scope, ("edit",))

    def _scoped(
        self, object_name: str, table: FromClause, scope: str, share_access: Iterable[str]
    ) -> ColumnElement[bool]:
        if scope == "all":
            return true()
        owners = owner_ids_in_scope(self.user_id, scope, label=str(getattr(table, "name", "t")))
        teams = select(gx_team_member.c.team_id).where(gx_team_member.c.user_id == self.user_id)
        shared = select(gx_share.c.record_id).where(
            gx_share.c.object_name == object_name,
            gx_share.c.access.in_(list(share_access)),
            or_(gx_share.c.user_id == self.user_id, gx_share.c.team_id.in_(teams)),
        )
        return or_(table.c.owner_id.in_(owners), table.c.id.in_(shared))


def owner_ids_in_scope(user_id: UUID | None, scope: str, label: str = "t") -> Any:
    """A subquery of the user ids whose records a scope covers (evaluated by the database).

    ``label`` names the recursive CTE after the table it filters, so one statement may
    hold several (the base table and joined lookups).
    """
    if scope == "own":
        return select(literal(user_id, gx_user.c.id.type))
    if scope == "own_and_subordinates":
        # The manager chain, transitively (下属的下属也可见).
        chain = (
            select(gx_user.c.id)
            .where(gx_user.c.id == user_id)
            .cte(f"chain_{label}", recursive=True)
        )
        chain = chain.union(select(gx_user.c.id).where(gx_user.c.manager_id == chain.c.id))
        return select(chain.c.id)
    mine = select(gx_user.c.department_id).where(gx_user.c.id == user_id).scalar_subquery()
    if scope == "department":
        return select(gx_user.c.id).where(
            or_(
                gx_user.c.id == user_id,
                and_(gx_user.c.department_id.is_not(None), gx_user.c.department_id == mine),
            )
        )
    # department_and_children: every department whose path starts with the user's one.
    own_path = select(gx_department.c.path).where(gx_department.c.id == mine).scalar_subquery()
    departments = select(gx_department.c.id).where(
        gx_department.c.path.startswith(own_path, autoescape=False)
    )
    return select(gx_user.c.id).where(
        or_(gx_user.c.id == user_id, gx_user.c.department_id.in_(departments))
    )


SUPERUSER = Policy(user_id=None, superuser=True)


def widest(scopes: Iterable[str]) -> str:
    return max(scopes, key=SCOPES.index, default="own")


def compile_roles(user_id: UUID, roles: Iterable[Any]) -> Policy:
    """Merge role rows (objects, fields, rights JSON) into one policy (union of grants)."""
    operations: dict[str, set[str]] = {}
    scopes: dict[str, list[str]] = {}
    levels: dict[tuple[str, str], int] = {}
    readers: set[str] = set()
    rights: set[str] = set()
    require_2fa = False
    roles = list(roles)
    for role in roles:
        rights.update(role.rights or [])
        require_2fa = require_2fa or bool(role.require_2fa)
        for object_name, grant in (role.objects or {}).items():
            allowed = {op for op in OPERATIONS if grant.get(op)}
            operations.setdefault(object_name, set()).update(allowed)
            if allowed:
                scopes.setdefault(object_name, []).append(grant.get("scope", "own"))
            if "read" in allowed:
                readers.add(object_name)
    # A field's level is the most permissive among the roles that can read its object.
    for object_name in readers:
        reading = [r for r in roles if (r.objects or {}).get(object_name, {}).get("read")]
        prefix = object_name + "."
        names = {
            key[len(prefix) :]
            for r in reading
            for key in (r.fields or {})
            if key.startswith(prefix)
        }
        for name in names:
            level = max(FIELD_LEVELS[(r.fields or {}).get(prefix + name, "edit")] for r in reading)
            if level < FIELD_LEVELS["edit"]:
                levels[(object_name, name)] = level
    grants = {
        name: ObjectGrant(frozenset(ops), widest(scopes.get(name, [])))
        for name, ops in operations.items()
        if ops
    }
    return Policy(
        user_id=user_id,
        grants=grants,
        field_levels=levels,
        rights=frozenset(rights),
        require_2fa=require_2fa,
    )


class PolicyCache:
    """Compiled policies by (user, access version): a role change replaces the version
    token (``bump_version(conn, ACCESS_STATE)``), so a cached policy is never stale."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: dict[tuple[UUID, str], Policy] = {}
        self._lock = threading.Lock()

    def get(self, user_id: UUID, version: str) -> Policy | None:
        return self._items.get((user_id, version))

    def put(self, user_id: UUID, version: str, policy: Policy) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()  # versions move on; stale keys are never asked for again
            self._items[(user_id, version)] = policy


POLICIES = PolicyCache()


def load_policy(
    conn: Connection, user_id: UUID, *, superuser: bool, version: str | None = None
) -> Policy:
    """The policy of a user from their roles (one query, or none when ``version`` — the
    access version read in this transaction — finds it in the cache)."""
    if superuser:
        return Policy(user_id=user_id, superuser=True)
    if version:
        cached = POLICIES.get(user_id, version)
        if cached is not None:
            return cached
    roles = conn.execute(
        select(gx_role.c.objects, gx_role.c.fields, gx_role.c.rights, gx_role.c.require_2fa)
        .join(gx_user_role, gx_user_role.c.role_id == gx_role.c.id)
        .where(gx_user_role.c.user_id == user_id)
    ).all()
    policy = compile_roles(user_id, roles)
    if version:
        POLICIES.put(user_id, version, policy)
    return policy
