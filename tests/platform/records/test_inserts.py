"""Bulk inserts through the driver (executemany, COPY) store what SQLAlchemy's insert() stores."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, MetaData, Table, event, insert, select
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.db import Database
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.tables import gx_user
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata.fieldtypes import ADDRESS_PARTS, field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import build_table
from guanxi.platform.records import inserts
from guanxi.platform.records.inserts import FieldColumns, insert_rows

OPTIONS = [{"value": "a", "label": {"en": "A"}}, {"value": "b", "label": {"en": "B"}}]
NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
USER = UUID("01890000-0000-7000-8000-00000000000a")

FIELDS: list[tuple[str, str, dict[str, Any]]] = [
    ("name", "text", {}),
    ("code", "text", {}),
    ("notes", "long_text", {}),
    ("body", "rich_text", {}),
    ("count", "integer", {}),
    ("price", "decimal", {"precision": 12, "scale": 3}),
    ("share", "percent", {}),
    ("budget", "currency", {"currency": "USD"}),
    ("active", "boolean", {}),
    ("due", "date", {}),
    ("seen_at", "datetime", {}),
    ("stage", "picklist", {"options": OPTIONS}),
    ("flags", "multi_picklist", {"options": OPTIONS}),
    ("email", "email", {}),
    ("phone", "phone", {}),
    ("site", "url", {}),
    ("parent", "lookup", {"target": "thing"}),
    ("manager", "user", {}),
    ("attachment", "file", {}),
    ("address", "address", {}),
    ("number", "auto_number", {"format": "T-{0000}"}),
    ("double", "formula", {"expression": "count * 2"}),
    ("labels", "tags", {}),
]


def make_object(name: str) -> ObjectDef:
    fields = []
    for field_name, type_, config in FIELDS:
        checked = field_type(type_).check_config(config, {"thing": object(), name: object()})
        fields.append(
            FieldDef(
                name,
                field_name,
                type_,
                {"en": field_name},
                config=checked,
                unique=field_name == "code",
            )
        )
    # An archived field keeps its column; new rows leave it NULL.
    fields.append(FieldDef(name, "gone", "text", {"en": "gone"}, archived=True))
    return ObjectDef(name=name, table_name=f"o_{name}", label={"en": name}, fields=tuple(fields))


THING = make_object("thing")  # written by insert_rows
TWIN = make_object("twin")  # the same rows through insert(table), as create_many did


@pytest.fixture(autouse=True)
def driver_path_for_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small batches here take the driver path too (the API normally leaves them to insert())."""
    monkeypatch.setattr(inserts, "FEW_ROWS", 1)


@pytest.fixture
def tables(db: Database) -> tuple[Database, Table, Table]:
    metadata = MetaData()
    gx_user.to_metadata(metadata)  # user fields have a foreign key to it
    thing = build_table(THING, metadata, db.dialect)
    twin = build_table(TWIN, metadata, db.dialect)
    with db.write() as conn:
        thing.create(conn)
        twin.create(conn)
        # User fields point at a real user (a foreign key to gx_user).
        user_id = create_user(conn, email="u@example.com", name="U", password=None, now=NOW)
        conn.execute(gx_user.update().where(gx_user.c.id == user_id).values(id=USER))
    return db, thing, twin


# Text that COPY's text format must escape: tabs, newlines, backslashes, \N, \. and friends.
tricky_text = st.one_of(
    st.sampled_from(["\\N", "\\.", "NULL", "null", "\\", "\\\\N", "\t", "\n", "\r\n", "''", '"']),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=30,
    ),
)
zones = st.sampled_from([UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")])


def decimals(precision: int, scale: int) -> st.SearchStrategy[Decimal]:
    limit = Decimal(10) ** (precision - scale) - Decimal(1).scaleb(-scale)
    return st.decimals(min_value=-limit, max_value=limit, places=scale).map(
        lambda d: d.quantize(Decimal(1).scaleb(-scale))
    )


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


# Within the columns' sizes, as validation guarantees.
address = st.fixed_dictionaries(
    {
        part: maybe(st.sampled_from(["CN", "US"]) if part == "country" else tricky_text)
        for part in ADDRESS_PARTS
    }
).map(lambda a: {**a, "postcode": a["postcode"] and a["postcode"][:16]})
cleaned_record = st.fixed_dictionaries(
    {},
    optional={
        "name": maybe(tricky_text),
        "code": maybe(tricky_text),
        "notes": maybe(tricky_text),
        "body": maybe(tricky_text),
        "count": maybe(st.integers(-(2**63), 2**63 - 1)),
        "price": maybe(decimals(12, 3)),
        "share": maybe(decimals(18, 2)),
        "budget": maybe(
            st.fixed_dictionaries(
                {"amount": decimals(18, 2), "currency": st.sampled_from(["USD", "CNY"])}
            )
        ),
        "active": maybe(st.booleans()),
        "due": maybe(st.dates()),
        "seen_at": maybe(
            st.datetimes(
                min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1), timezones=zones
            )
        ),
        "stage": maybe(st.sampled_from(["a", "b"])),
        "flags": maybe(st.lists(st.sampled_from(["a", "b"]), min_size=1, unique=True)),
        "email": maybe(tricky_text),
        "phone": maybe(st.sampled_from(["+8613800138000", "+16502530000"])),
        "site": maybe(tricky_text),
        "manager": maybe(st.just(USER)),
        "attachment": maybe(st.uuids()),
        "address": maybe(address),
        "number": maybe(tricky_text),
        "labels": maybe(st.lists(tricky_text, min_size=1, max_size=4)),
    },
)


def old_path_rows(obj: ObjectDef, records: list[tuple[UUID, dict[str, Any]]]) -> list[Any]:
    """Rows as create_many built them for conn.execute(insert(table), rows)."""
    stored = [f for f in obj.active_fields if field_type(f.type).stored]
    rows = []
    for record_id, values in records:
        row: dict[str, Any] = {
            "id": record_id,
            "version": 1,
            "created_at": NOW,
            "created_by_id": USER,
            "updated_at": NOW,
            "updated_by_id": USER,
            "owner_id": values.get("owner_id", USER),
            "deleted_at": None,
        }
        for f in stored:
            row.update(field_type(f.type).to_columns(f, values.get(f.name)))
        rows.append(row)
    return rows


def new_path(conn: Connection, table: Table, records: list[tuple[UUID, dict[str, Any]]]) -> None:
    fields = FieldColumns(THING)
    shared = {
        "version": 1,
        "created_at": NOW,
        "created_by_id": USER,
        "updated_at": NOW,
        "updated_by_id": USER,
        "deleted_at": None,
    }
    rows = [fields.values(values, [record_id, USER]) for record_id, values in records]
    insert_rows(conn, table, ["id", "owner_id", *fields.names], rows, shared=shared)


def stored(conn: Connection, table: Table) -> list[tuple[Any, ...]]:
    """The rows as the driver returns them (no SQLAlchemy type processing) and as read."""
    raw = conn.exec_driver_sql(f'SELECT * FROM "{table.name}" ORDER BY id').all()
    read = conn.execute(select(table).order_by(table.c.id)).all()
    return [tuple(r) for r in raw] + [tuple(r) for r in read]


def test_driver_path_stores_exactly_what_insert_stored(
    tables: tuple[Database, Table, Table],
) -> None:
    db, thing, twin = tables

    @given(st.lists(cleaned_record, min_size=1, max_size=8))
    @settings(max_examples=40, deadline=None)
    def same_rows(records: list[dict[str, Any]]) -> None:
        for n, values in enumerate(records):
            values["code"] = f"{values.get('code')}-{n}"  # unique within the call
        batch = [(uuid7(), values) for values in records]
        with db.engine.connect() as conn, conn.begin() as transaction:
            # The first row is the parent of the others: lookups inside one batch work.
            parent = batch[0][0]
            for _, values in batch[1:]:
                values["parent"] = parent
            new_path(conn, thing, batch)
            conn.execute(insert(twin), old_path_rows(TWIN, batch))
            assert stored(conn, thing) == stored(conn, twin)
            transaction.rollback()

    same_rows()


def test_a_unique_violation_inside_the_batch_is_the_error_insert_raised(
    tables: tuple[Database, Table, Table],
) -> None:
    db, thing, twin = tables
    batch = [(uuid7(), {"code": "same", "name": "a\tb"}), (uuid7(), {"code": "same"})]
    messages = []
    for table, write in [
        (thing, lambda conn: new_path(conn, thing, batch)),
        (twin, lambda conn: conn.execute(insert(twin), old_path_rows(TWIN, batch))),
    ]:
        with pytest.raises(IntegrityError) as caught, db.write() as conn:
            write(conn)
        messages.append(str(caught.value.orig).splitlines()[0].replace(table.name, "o_x"))
        with db.read() as conn:  # the transaction rolled back: nothing of the batch is left
            assert conn.execute(select(table.c.id)).all() == []
    assert messages[0] == messages[1]
    assert "unique" in messages[0].lower()


def test_nothing_to_insert_sends_nothing(tables: tuple[Database, Table, Table]) -> None:
    db, thing, _ = tables
    with db.write() as conn:
        insert_rows(conn, thing, ["id"], [])
        assert conn.execute(select(thing.c.id)).all() == []


def test_other_drivers_get_sqlalchemys_own_insert(
    tables: tuple[Database, Table, Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, thing, twin = tables
    # pysqlite also takes named parameters; psycopg is told it is some other driver.
    if db.dialect == "sqlite":
        monkeypatch.setattr(db.engine.dialect, "paramstyle", "named")
        monkeypatch.setattr(db.engine.dialect, "positional", False)
    else:
        monkeypatch.setattr(db.engine.dialect, "driver", "other")
    batch = [
        (uuid7(), {"code": "a\tb", "budget": {"amount": Decimal("1.50"), "currency": "USD"}}),
        (uuid7(), {"code": "\\N", "labels": ["x"], "address": {"city": "杭州市"}}),
    ]
    with db.write() as conn:
        new_path(conn, thing, batch)
        conn.execute(insert(twin), old_path_rows(TWIN, batch))
        assert stored(conn, thing) == stored(conn, twin)


def test_a_few_rows_go_through_insert_and_store_the_same(
    tables: tuple[Database, Table, Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, thing, twin = tables
    monkeypatch.setattr(inserts, "FEW_ROWS", 10)
    batch = [(uuid7(), {"code": f"c{n}", "name": "a\tb", "labels": ["\\N"]}) for n in range(9)]
    statements: list[str] = []
    with db.write() as conn:
        event.listen(conn, "before_cursor_execute", lambda *a: statements.append(a[2]))
        new_path(conn, thing, batch)
        conn.execute(insert(twin), old_path_rows(TWIN, batch))
        assert stored(conn, thing) == stored(conn, twin)
    assert statements[0].startswith("INSERT INTO o_thing")
