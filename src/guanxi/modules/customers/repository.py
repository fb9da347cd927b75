"""SQL the generic engine cannot say: duplicate candidates found through indexed columns.

Every read takes the caller's ``readable`` predicate (``policy.read_predicate``), so a
candidate the user may not read is never even fetched. Each lookup is its own small
statement driven by one index (equality, an ``IN`` list or a prefix range), with a cap on
the rows it returns: on a million accounts none of them scans the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Table, and_, bindparam, select, update

# Above any character: ``key <= k < key + TOP`` is every key starting with ``key`` (byte
# order on SQLite and under PostgreSQL's C collation; the LIKE beside it keeps any other
# collation's answer right, if not complete).
TOP = "\U0010ffff"


def _fetch(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    readable: ColumnElement[bool],
    condition: ColumnElement[bool],
    cap: int,
) -> list[Row[Any]]:
    statement = (
        select(*(table.c[name] for name in ("id", *columns)))
        .where(table.c.deleted_at.is_(None), condition, readable)
        .limit(cap)
    )
    return list(conn.execute(statement))


def account_candidates(
    conn: Connection,
    accounts: Table,
    readable: ColumnElement[bool],
    *,
    key: str | None = None,
    shorter_keys: Sequence[str] = (),
    starting_with: str | None = None,
    names: Sequence[str] = (),
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    cap: int = 200,
) -> list[Row[Any]]:
    """Live readable accounts whose ``name_key`` is ``key``, one of ``shorter_keys`` or
    starts with ``starting_with`` (each its own statement, so a crowd under a short key
    cannot push the exact ones out), whose name is one of ``names`` (accounts still without a key), or
    whose phone or e-mail is one of those given; each row once (id, name, phone, email)."""
    columns = ("name", "phone", "email")
    c = accounts.c
    conditions: list[ColumnElement[bool]] = []
    if names:
        conditions.append(c.name.in_(list(names)))
    if key:
        conditions.append(c.name_key == key)
    if shorter_keys:
        conditions.append(c.name_key.in_(list(shorter_keys)))
    if starting_with:
        conditions.append(
            and_(
                c.name_key > starting_with,
                c.name_key < starting_with + TOP,
                c.name_key.startswith(starting_with, autoescape=True),
            )
        )
    if phones:
        conditions.append(c.phone.in_(list(phones)))
    if emails:
        conditions.append(c.email.in_(list(emails)))
    return _unique(_fetch(conn, accounts, columns, readable, cond, cap) for cond in conditions)


def contact_candidates(
    conn: Connection,
    contacts: Table,
    readable: ColumnElement[bool],
    *,
    names: Sequence[str] = (),
    phone_columns: Sequence[str] = (),
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    cap: int = 200,
) -> list[Row[Any]]:
    """Live readable contacts named one of ``names``, with one of ``phones`` in any of
    ``phone_columns`` (mobile, phone) or one of ``emails``; each row once."""
    columns = ("name", "mobile", "phone", "email")
    c = contacts.c
    conditions: list[ColumnElement[bool]] = []
    if names:
        conditions.append(c.name.in_(list(names)))
    for column in phone_columns if phones else ():
        conditions.append(c[column].in_(list(phones)))
    if emails:
        conditions.append(c.email.in_(list(emails)))
    return _unique(_fetch(conn, contacts, columns, readable, cond, cap) for cond in conditions)


def _unique(batches: Any) -> list[Row[Any]]:
    seen: dict[Any, Row[Any]] = {}
    for rows in batches:
        for row in rows:
            seen.setdefault(row.id, row)
    return list(seen.values())


def accounts_without_name_key(
    conn: Connection, accounts: Table, readable: ColumnElement[bool], *, limit: int
) -> list[Row[Any]]:
    """Up to ``limit`` accounts (deleted ones too: a restore brings them back) that have a
    name but no matching key yet, oldest id first."""
    return list(
        conn.execute(
            select(accounts.c.id, accounts.c.name)
            .where(accounts.c.name_key.is_(None), accounts.c.name.is_not(None), readable)
            .order_by(accounts.c.id)
            .limit(limit)
        )
    )


def set_name_keys(conn: Connection, accounts: Table, keys: Sequence[tuple[Any, str]]) -> None:
    """Write derived matching keys by id. Like an index build, this changes neither the
    record's version nor its history: the key follows the name, which did not change."""
    if keys:
        statement = (
            update(accounts)
            .where(accounts.c.id == bindparam("record_id"))
            .values(name_key=bindparam("key"))
        )
        conn.execute(statement, [{"record_id": i, "key": k} for i, k in keys])
