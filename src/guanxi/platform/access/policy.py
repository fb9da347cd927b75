"""What one user may do, compiled into SQL predicates.

A user's roles combine **per role**: an operation on a record is allowed when one role
grants that operation *and that same role's* data scope covers the record (or a share
does, where shares apply). Two roles, "read everything" and "edit my own", let a user read
everything and edit their own records, never edit everything.

Field rules bound only what their role grants: a role contributes visibility of a field
only if it grants read, and writability only for the operations (create, update) it
grants. Across roles a field's access is the union of those contributions.

Visibility is never checked after fetching: the predicates below are added to every
query, so pages, counts and cursors stay right.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Connection, Select, and_, false, literal, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.sql.visitors import InternalTraversal

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
# transfer_records: change the owner of any record the user may update, not only records
# they own or whose owner one of their update roles covers.
RIGHTS = (
    "manage_metadata",
    "manage_users",
    "manage_automation",
    "view_audit_log",
    "transfer_records",
)
FIELD_LEVELS = {"hidden": 0, "read_only": 1, "edit": 2}
HIDDEN, READ_ONLY, EDIT = 0, 1, 2
# Which shares extend an operation beyond the roles' scopes. An edit share lets its
# holder edit the record, never delete, restore, purge, share it on or take ownership.
SHARE_ACCESS: dict[str, tuple[str, ...]] = {
    "read": ("read", "edit"),
    "export": ("read", "edit"),
    "update": ("edit",),
}
# Record-level actions that are not operations of their own: what role operation they
# need (sharing hands on edit access, so it needs update).
ACTION_OPERATION = {"share": "update", "restore": "delete", "purge": "delete"}


def covering(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes of a set that are not covered by another one of it (``own`` is inside
    every scope, ``department`` inside ``department_and_children``, all inside ``all``)."""
    given = set(scopes)
    if "all" in given:
        return frozenset({"all"})
    if len(given) > 1:
        given.discard("own")
    if "department_and_children" in given:
        given.discard("department")
    return frozenset(given)


@dataclass(frozen=True)
class ObjectGrant:
    """What a user's roles grant on one object: each operation with the scopes of the
    roles that grant it (not the widest scope of any role)."""

    scopes: Mapping[str, frozenset[str]]

    @property
    def operations(self) -> frozenset[str]:
        return frozenset(self.scopes)

    @property
    def scope(self) -> str:
        """The widest scope of any operation (for display: ``/auth/me``)."""
        return widest(s for scopes in self.scopes.values() for s in scopes)


@dataclass(frozen=True)
class Policy:
    """The compiled permissions of one user (``superuser`` bypasses every check).

    ``field_levels`` holds read levels (hidden or read_only; absent = visible), and
    ``write_levels`` the fields each writing operation (create, update) may not write.
    """

    user_id: UUID | None
    superuser: bool = False
    grants: dict[str, ObjectGrant] = field(default_factory=dict)
    field_levels: dict[tuple[str, str], int] = field(default_factory=dict)  # absent = edit
    write_levels: dict[tuple[str, str, str], int] = field(default_factory=dict)
    rights: frozenset[str] = frozenset()
    require_2fa: bool = False
    # Built predicates by (action, object, id(table)), with the table kept alive beside them:
    # the policy is cached per user (``POLICIES``) and the tables per metadata snapshot, so a
    # user's next page reuses the expression instead of building the scope's subqueries again.
    _predicates: dict[tuple[str, str, int], tuple[FromClause, ColumnElement[bool]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    # -- operations -------------------------------------------------------------------
    def can(self, operation: str, object_name: str) -> bool:
        if self.superuser:
            return True
        grant = self.grants.get(object_name)
        return grant is not None and operation in grant.scopes

    def has_right(self, right: str) -> bool:
        return self.superuser or right in self.rights

    # -- fields -----------------------------------------------------------------------
    def field_level(self, object_name: str, field_name: str, operation: str = "update") -> int:
        """Hidden, read-only or edit: what the user may do with a field when reading and
        ``operation`` (create or update) is the write they make."""
        if self.superuser:
            return EDIT
        read = self.field_levels.get((object_name, field_name), EDIT)
        write = self.write_levels.get((operation, object_name, field_name), EDIT)
        if write == EDIT and self.can(operation, object_name):
            return EDIT
        # Not writable: read-only where a read role shows it, else it does not exist.
        return READ_ONLY if read > HIDDEN else HIDDEN

    def field_visible(self, object_name: str, field_name: str) -> bool:
        """Whether reads show the field (a read role may see it)."""
        return self.superuser or self.field_levels.get((object_name, field_name), EDIT) > HIDDEN

    def field_writable(self, object_name: str, field_name: str, operation: str = "update") -> bool:
        return self.field_level(object_name, field_name, operation) == EDIT

    @cached_property
    def hidden_fields(self) -> frozenset[tuple[str, str]]:
        """The (object, field) pairs hidden from this user: besides ``superuser``, all that
        decides which fields a read shows, so reads may share work by it."""
        return frozenset(key for key, level in self.field_levels.items() if level == HIDDEN)

    # -- rows -------------------------------------------------------------------------
    def read_predicate(self, object_name: str, table: FromClause) -> ColumnElement[bool]:
        """Rows of ``table`` the user may see: their data scope plus records shared with them."""
        return self.predicate("read", object_name, table)

    def edit_predicate(self, object_name: str, table: FromClause) -> ColumnElement[bool]:
        """Rows the user may change: an update role's scope plus records shared with edit."""
        return self.predicate("update", object_name, table)

    def predicate(self, action: str, object_name: str, table: FromClause) -> ColumnElement[bool]:
        """Rows of ``table`` on which the user may take ``action`` (an operation, or
        ``share``, ``restore``, ``purge``): the scope of any role granting the operation
        the action needs, plus the shares that extend that operation."""
        if self.superuser:
            return true()
        key = (action, object_name, id(table))
        cached = self._predicates.get(key)
        if cached is not None and cached[0] is table:
            return cached[1]
        built = self._build_predicate(action, object_name, table)
        if len(self._predicates) >= PREDICATES_KEPT:  # snapshots come and go; stay small
            self._predicates.clear()
        self._predicates[key] = (table, built)
        return built

    def _build_predicate(
        self, action: str, object_name: str, table: FromClause
    ) -> ColumnElement[bool]:
        operation = ACTION_OPERATION.get(action, action)
        scopes = self._scopes(operation, object_name)
        if not scopes:  # shares open records to operations a role grants, never add one
            return false()
        if "all" in scopes:
            return true()
        # Named by the action, not the operation: a record's update and share columns
        # (``_access``) put both predicates in one statement.
        terms = self._owned(scopes, table, action)
        share_access = () if action != operation else SHARE_ACCESS.get(operation, ())
        if share_access:
            teams = select(gx_team_member.c.team_id).where(gx_team_member.c.user_id == self.user_id)
            shared = select(gx_share.c.record_id).where(
                gx_share.c.object_name == object_name,
                gx_share.c.access.in_(list(share_access)),
                or_(gx_share.c.user_id == self.user_id, gx_share.c.team_id.in_(teams)),
            )
            terms.append(InSubquery(table.c.id, shared))
        return or_(*terms)

    def transfer_predicate(self, object_name: str, table: FromClause) -> ColumnElement[bool]:
        """Rows whose owner the user may change: their own, those an update role's scope
        covers (an edit share is not enough), or any they may edit with the
        ``transfer_records`` right."""
        if self.superuser or self.has_right("transfer_records"):
            return self.edit_predicate(object_name, table)
        scopes = self._scopes("update", object_name)
        if "all" in scopes:
            return true()
        return or_(table.c.owner_id == self.user_id, *self._owned(scopes, table, "transfer"))

    def _scopes(self, operation: str, object_name: str) -> frozenset[str]:
        """The scopes of the roles that grant ``operation`` on the object."""
        grant = self.grants.get(object_name)
        return grant.scopes.get(operation, frozenset()) if grant is not None else frozenset()

    def _owned(
        self, scopes: Iterable[str], table: FromClause, purpose: str
    ) -> list[ColumnElement[bool]]:
        """``owner_id IN (<scope>)`` for each scope. CTE names carry ``purpose``: they must
        differ within a statement, where a read and an export predicate may meet."""
        label = f"{getattr(table, 'name', 't')}_{purpose}"
        return [
            InSubquery(table.c.owner_id, owner_ids_in_scope(self.user_id, scope, label=label))
            for scope in sorted(scopes)
        ]


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


PREDICATES_KEPT = 64  # per policy


class InSubquery(ColumnElement[bool]):
    """``column IN (subquery)``, written for PostgreSQL as ``column = ANY(ARRAY(subquery))``.

    PostgreSQL runs an ``IN`` subquery that is OR-ed with another (scope OR shares) as a
    hashed filter over every row of the table; the ``ARRAY(…)`` form is computed once and
    its result compared through the column's index, so a rep's page or count reads the
    rep's records, not the table (bench/notes.md). SQLite already evaluates the list once.
    """

    __visit_name__ = "in_subquery"
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's own class attribute
        ("column", InternalTraversal.dp_clauseelement),
        ("query", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()

    def __init__(self, column: ColumnElement[Any], query: Select[Any]) -> None:
        self.column = column
        self.query = query


@compiles(InSubquery)
def _in_subquery(element: InSubquery, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"({column} IN ({compiler.process(element.query, **kw)}))"


@compiles(InSubquery, "postgresql")
def _any_of_array(element: InSubquery, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"({column} = ANY(ARRAY({compiler.process(element.query, **kw)})))"


SUPERUSER = Policy(user_id=None, superuser=True)


def widest(scopes: Iterable[str]) -> str:
    return max(scopes, key=SCOPES.index, default="own")


def compile_roles(user_id: UUID, roles: Iterable[Any]) -> Policy:
    """Combine role rows (objects, fields, rights JSON) per role (see the module's text)."""
    scopes: dict[str, dict[str, set[str]]] = {}
    # Per (object, field): the best read level of the roles that read the object, and per
    # (operation, object, field) the best level of the roles that create or update it.
    read_levels: dict[tuple[str, str], list[int]] = {}
    write_levels: dict[tuple[str, str, str], list[int]] = {}
    readers: dict[str, int] = {}  # object -> how many roles read it
    writers: dict[tuple[str, str], int] = {}  # (operation, object) -> how many roles
    rights: set[str] = set()
    require_2fa = False
    for role in roles:
        rights.update(role.rights or [])
        require_2fa = require_2fa or bool(role.require_2fa)
        rules = role.fields or {}
        for object_name, grant in (role.objects or {}).items():
            allowed = [op for op in OPERATIONS if grant.get(op)]
            for op in allowed:
                scopes.setdefault(object_name, {}).setdefault(op, set()).add(
                    grant.get("scope", "own")
                )
            prefix = object_name + "."
            own_rules = {
                key[len(prefix) :]: FIELD_LEVELS[level]
                for key, level in rules.items()
                if key.startswith(prefix) and level in FIELD_LEVELS
            }
            if "read" in allowed:
                readers[object_name] = readers.get(object_name, 0) + 1
                for name, level in own_rules.items():
                    read_levels.setdefault((object_name, name), []).append(level)
            for op in ("create", "update"):
                if op in allowed:
                    writers[(op, object_name)] = writers.get((op, object_name), 0) + 1
                    for name, level in own_rules.items():
                        write_levels.setdefault((op, object_name, name), []).append(level)
    # A level stands only when every role concerned sets one (a role without a rule for
    # the field gives it full access); the union is then the most permissive of them.
    levels = {
        key: max(found)
        for key, found in read_levels.items()
        if len(found) == readers[key[0]] and max(found) < EDIT
    }
    writes = {
        key: max(found)
        for key, found in write_levels.items()
        if len(found) == writers[(key[0], key[1])] and max(found) < EDIT
    }
    grants = {
        name: ObjectGrant({op: covering(found) for op, found in by_op.items()})
        for name, by_op in scopes.items()
        if by_op
    }
    return Policy(
        user_id=user_id,
        grants=grants,
        field_levels=levels,
        write_levels=writes,
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
