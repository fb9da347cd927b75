"""Where auto-number fields get their numbers (ADR 0008).

Two sources, chosen per field and database:

- a **counter row** in ``gx_sequence``, bumped inside the write's transaction: a failed
  write uses no number, but the row stays locked until the write commits, so creates of
  the object take turns. SQLite always uses it (its writers take turns anyway); on
  PostgreSQL a field opts in with ``"gapless": true`` (invoices, contracts).
- a **database sequence** (PostgreSQL, the default there): ``nextval`` takes no lock that
  lasts, so concurrent creates never wait for each other; a number taken by a write that
  then fails is skipped, as Salesforce's and Odoo's standard sequences do.

Every auto-number field on PostgreSQL has both, so switching ``gapless`` carries the last
number issued from one to the other (:func:`switch_source`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from sqlalchemy import (
    Connection,
    Sequence,
    Text,
    bindparam,
    case,
    cast,
    column,
    func,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.schema import CreateSequence
from sqlalchemy.sql.elements import ColumnElement

from guanxi.platform.metadata.model import FieldDef
from guanxi.platform.metadata.tables import gx_sequence, sequence_key

MAX_IDENTIFIER = 63  # PostgreSQL's limit
_PLAIN = re.compile(r"^[a-z0-9_]+\Z")


def uses_sequence(f: FieldDef, dialect: str) -> bool:
    """Whether ``f`` takes its numbers from a database sequence (else the counter row)."""
    return dialect == "postgresql" and not f.opt("gapless", False)


def sequence_name(object_name: str, field_name: str) -> str:
    """``gx_seq_<object>__<field>``, or a digest of it when that is too long an identifier."""
    name = f"gx_seq_{object_name}__{field_name}"
    if len(name) > MAX_IDENTIFIER:
        name = "gx_seq_" + hashlib.sha256(name.encode()).hexdigest()[:32]
    assert _PLAIN.match(name), name  # metadata names are plain identifiers
    return name


def sequence_of(f: FieldDef) -> Sequence:
    return Sequence(sequence_name(f.object_name, f.name))


def next_number_sql(f: FieldDef, width: int) -> ColumnElement[str]:
    """The field's next number as SQL, for a statement that inserts one row on PostgreSQL:
    the text before and after the counter are the bind parameters ``affix_keys(f)`` name,
    the counter is ``nextval`` (called once), zero-padded to ``width`` as ``str.zfill``
    pads (a longer number is kept whole, where ``lpad`` would cut it)."""
    before, after = affix_keys(f)
    digits = select(cast(sequence_of(f).next_value(), Text).label("n")).subquery("gx_next")
    padded = select(
        case(
            (func.length(digits.c.n) >= width, digits.c.n),
            else_=func.lpad(digits.c.n, width, "0"),
        )
    ).scalar_subquery()
    return bindparam(before, type_=Text()) + padded + bindparam(after, type_=Text())


def affix_keys(f: FieldDef) -> tuple[str, str]:
    """Names of the bind parameters of :func:`next_number_sql`: capitals, so that they
    never meet a column's parameter (field names are lower case)."""
    return f"GX_BEFORE_{f.name}", f"GX_AFTER_{f.name}"


def create_counter(conn: Connection, f: FieldDef) -> None:
    """The counter row (every database) and, on PostgreSQL, the sequence of a new field."""
    start = int(f.opt("start", 1))
    key = sequence_key(f.object_name, f.name)
    conn.execute(insert(gx_sequence).values(key=key, value=start - 1))
    if conn.dialect.name == "postgresql":
        seq = Sequence(sequence_name(f.object_name, f.name), start=start, minvalue=0)
        conn.execute(CreateSequence(seq, if_not_exists=True))


def last_issued(conn: Connection, f: FieldDef) -> int:
    """The last number issued to ``f`` (``start - 1`` before the first)."""
    if uses_sequence(f, conn.dialect.name):
        seq = table(sequence_name(f.object_name, f.name), column("last_value"), column("is_called"))
        row = conn.execute(select(seq.c.last_value, seq.c.is_called)).one()
        return int(row.last_value) - (0 if row.is_called else 1)
    return _counter_row_value(conn, f)


def _counter_row_value(conn: Connection, f: FieldDef) -> int:
    value = conn.execute(
        select(gx_sequence.c.value).where(gx_sequence.c.key == sequence_key(f.object_name, f.name))
    ).scalar()
    return int(f.opt("start", 1)) - 1 if value is None else int(value)


def set_last_issued(conn: Connection, f: FieldDef, value: int) -> None:
    """Continue numbering after ``value`` (say, after a load that brought its own numbers)."""
    if uses_sequence(f, conn.dialect.name):
        name = sequence_name(f.object_name, f.name)
        # MINVALUE is 0: "nothing issued yet, start at 0" is setval(0, not called).
        conn.exec_driver_sql(
            f"SELECT setval('{name}', %(value)s, %(called)s)",
            {"value": max(value, 0), "called": value >= 0},
        )
        return
    key = sequence_key(f.object_name, f.name)
    bumped = conn.execute(update(gx_sequence).where(gx_sequence.c.key == key).values(value=value))
    if bumped.rowcount == 0:
        conn.execute(insert(gx_sequence).values(key=key, value=value))


def switch_source(conn: Connection, old: FieldDef, new: FieldDef) -> None:
    """Carry the last number over when a change of ``gapless`` changes the source."""
    dialect = conn.dialect.name
    if uses_sequence(old, dialect) == uses_sequence(new, dialect):
        return
    # Lock the counter row first: a gapless create in flight finishes before it is read.
    conn.execute(
        select(gx_sequence.c.value)
        .where(gx_sequence.c.key == sequence_key(old.object_name, old.name))
        .with_for_update()
    )
    set_last_issued(conn, new, last_issued(conn, old))


def ensure_sequences(conn: Connection, fields: Iterable[FieldDef]) -> None:
    """Give each auto-number field its PostgreSQL sequence, continuing from its counter row.

    For databases made before sequences existed (``guanxi migrate`` runs it); a no-op for
    fields that have one, and on SQLite.
    """
    if conn.dialect.name != "postgresql":
        return
    for f in fields:
        if f.type != "auto_number":
            continue
        following = _counter_row_value(conn, f) + 1
        seq = Sequence(sequence_name(f.object_name, f.name), start=following, minvalue=0)
        conn.execute(CreateSequence(seq, if_not_exists=True))
