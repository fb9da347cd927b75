"""Reads render driver values directly (driver_values); writes render the Python values they
hold. A record must read back exactly as its create returned it, for every field type."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.sql.sqltypes import NullType

from guanxi.kernel.clock import local_text
from guanxi.kernel.db import Database
from guanxi.kernel.sqltypes import ExactDecimal, UtcDateTime, UuidText
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.query.check import check_formula
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.records import driver_values, reader, reads, service
from guanxi.platform.records.context import Ctx

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
OPTIONS = [{"value": "a", "label": {"en": "A"}}, {"value": "b", "label": {"en": "B"}}]
FIELDS: list[dict[str, Any]] = [
    {"name": "title", "type": "text"},
    {"name": "notes", "type": "long_text"},
    {"name": "body", "type": "rich_text"},
    {"name": "count", "type": "integer"},
    {"name": "price", "type": "decimal", "precision": 12, "scale": 3},
    {"name": "tiny", "type": "decimal", "precision": 18, "scale": 10},
    {"name": "whole", "type": "decimal", "precision": 10, "scale": 0},
    {"name": "share", "type": "percent"},
    {"name": "budget", "type": "currency", "currency": "CNY"},
    {"name": "active", "type": "boolean"},
    {"name": "due", "type": "date"},
    {"name": "seen_at", "type": "datetime"},
    {"name": "stage", "type": "picklist", "options": OPTIONS},
    {"name": "flags", "type": "multi_picklist", "options": OPTIONS},
    {"name": "email", "type": "email"},
    {"name": "phone", "type": "phone"},
    {"name": "site", "type": "url"},
    {"name": "manager", "type": "user"},
    {"name": "address", "type": "address"},
    {"name": "number", "type": "auto_number", "format": "T-{0000}"},
    {"name": "labels", "type": "tags"},
]
ZONES = ["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata"]


def decimal_text(precision: int, scale: int) -> st.SearchStrategy[str]:
    limit = Decimal(10) ** (precision - scale) - Decimal(1).scaleb(-scale)
    return st.decimals(min_value=-limit, max_value=limit, places=scale).map(str)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
record = st.fixed_dictionaries(
    {"title": text},
    optional={
        "notes": maybe(text),
        "body": maybe(st.sampled_from(["<p>你好</p>", "<b>x</b> & y"])),
        "count": maybe(st.integers(-(2**63), 2**63 - 1)),
        "price": maybe(decimal_text(12, 3)),
        "tiny": maybe(
            st.one_of(decimal_text(18, 10), st.sampled_from(["0", "1E-10", "-0.0000001"]))
        ),
        "whole": maybe(decimal_text(10, 0)),
        "share": maybe(decimal_text(18, 2)),
        "budget": maybe(st.fixed_dictionaries({"amount": decimal_text(18, 2)})),
        "active": maybe(st.booleans()),
        "due": maybe(st.dates().map(str)),
        "seen_at": maybe(
            st.datetimes(
                min_value=datetime(1900, 1, 2),
                max_value=datetime(2200, 1, 1),
                timezones=st.sampled_from([UTC, ZoneInfo("Asia/Shanghai")]),
            ).map(datetime.isoformat)
        ),
        "stage": maybe(st.sampled_from(["a", "b"])),
        "flags": maybe(st.lists(st.sampled_from(["a", "b"]), unique=True)),
        "email": maybe(st.sampled_from(["a@example.com", "王@例子.中国"])),
        "phone": maybe(st.sampled_from(["13800138000", "+16502530000"])),
        "site": maybe(st.sampled_from(["https://example.cn/x?y=1", "example.com"])),
        "address": maybe(
            st.fixed_dictionaries(
                {}, optional={"city": text, "province": text, "country": st.just("CN")}
            )
        ),
        "labels": maybe(st.lists(st.sampled_from(["VIP", "续约", "a b"]), max_size=3)),
        "manager": st.booleans(),  # True: the test's user
    },
)


@pytest.fixture
def equipment(db: Database) -> tuple[Database, Registry, UUID]:
    registry = Registry()
    with db.write() as conn:
        create_object(
            conn, registry, ObjectIn(name="equipment", label={"en": "Equipment"}), now=NOW
        )
        for spec in FIELDS:
            create_field(
                conn,
                registry,
                "equipment",
                FieldIn(label={"en": spec["name"]}, **spec),
                now=NOW,
                formula_check=check_formula,
            )
        user_id = create_user(conn, email="u@example.com", name="U", password=None, now=NOW)
    return db, registry, user_id


def test_a_record_reads_back_exactly_as_its_create_returned_it(
    equipment: tuple[Database, Registry, UUID],
) -> None:
    db, registry, user_id = equipment

    @given(st.lists(record, min_size=1, max_size=5), st.sampled_from(ZONES))
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def same(records: list[dict[str, Any]], zone: str) -> None:
        actor = Actor(user_id=None, time_zone=zone)
        with db.engine.connect() as conn, conn.begin() as transaction:
            ctx = Ctx.open(conn, registry, actor, NOW)
            for r in records:
                r["manager"] = str(user_id) if r.get("manager") else None
            created = service.create_many(ctx, "equipment", records).records
            for written in created:
                assert reads.get_record(ctx, "equipment", UUID(written["id"])) == written
            page = reads.list_records(ctx, "equipment", sort=["id"], limit=10)
            assert page.records == sorted(created, key=lambda r: r["id"])
            transaction.rollback()

    same()


def test_decimals_read_as_plain_text_at_every_scale() -> None:
    class SQLite:
        name = "sqlite"

    for scale in range(0, 13):
        convert = driver_values.converter(ExactDecimal(18, scale), "sqlite", ZoneInfo("UTC"))
        assert convert is not None
        for stored in [0, 1, -1, 7, -7, 10**scale, -(10**scale), 123456789, -(10**17), 10**17]:
            typed = ExactDecimal(18, scale).process_result_value(stored, SQLite())  # type: ignore[arg-type]
            assert convert(stored) == format(typed, "f"), (scale, stored)


def test_reads_select_stored_columns_without_sqlalchemy_types(
    equipment: tuple[Database, Registry, UUID],
) -> None:
    db, registry, _ = equipment
    with db.read() as conn:
        snap = registry.snapshot(conn)
        scope = QueryScope(snap, snap.object("equipment"), conn.dialect.name)
        columns = reader.make_selection(scope, None).columns()
    untyped = {c.key for c in columns if isinstance(c.type, NullType)}
    assert {"id", "created_at", "price", "seen_at", "labels", "address__city"} <= untyped


@given(
    st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2200, 1, 1)),
    st.sampled_from(
        [
            "Asia/Shanghai",  # +08:05:43 before 1901, DST 1986-1991
            "America/New_York",
            "Australia/Lord_Howe",  # half-hour DST
            "Asia/Kolkata",
            "Europe/London",
            "UTC",
            "America/St_Johns",
        ]
    ),
)
@settings(max_examples=2000, deadline=None)
def test_local_times_show_what_the_exact_path_shows(moment: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    local = driver_values.LocalTimes(zone)
    exact = local_text(moment.replace(tzinfo=UTC), zone)
    stored = moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLite keeps it
    assert local.from_text(stored) == exact
    assert local.from_text(stored) == exact  # the remembered hour gives the same
    assert local.from_datetime(moment.replace(tzinfo=UTC)) == exact
    shanghai = moment.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.from_datetime(shanghai) == exact  # a session in another zone


def test_local_times_near_a_change_of_offset_take_the_exact_path() -> None:
    zone = ZoneInfo("America/New_York")
    local = driver_values.LocalTimes(zone)
    for minute in range(0, 60, 7):  # 2026-03-08 07:00 UTC: 02:00 EST becomes 03:00 EDT
        for hour in (6, 7):
            moment = datetime(2026, 3, 8, hour, minute, 30, 5)
            exact = local_text(moment.replace(tzinfo=UTC), zone)
            assert local.from_text(moment.strftime("%Y-%m-%d %H:%M:%S.%f")) == exact


@pytest.mark.parametrize("zone_name", ZONES)
def test_a_column_of_sqlite_values_converts_as_each_value_does(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    stored = {
        UtcDateTime(): [
            "2026-11-23 02:30:00.000000",
            "2026-11-23 02:30:00.123450",
            "2026-11-23 02:30:00",
            "2026-11-23T02:30:00.5+00:00",
            "2026-11-23 10:30:00.000001+08:00",
            "2026-11-23 02:30:00Z",
            None,
        ],
        UuidText(): [
            "0190a1b2c3d47e8f9a0b1c2d3e4f5a6b",
            "0190a1b2-c3d4-7e8f-9a0b-1c2d3e4f5a6b",
            None,
        ],
        ExactDecimal(18, 2): [1234, -5, 0, None],
    }
    for sql_type, values in stored.items():
        one = driver_values.converter(sql_type, "sqlite", zone)
        column = driver_values.column_converter(sql_type, "sqlite", zone)
        assert one is not None and column is not None
        assert column(values) == [None if v is None else one(v) for v in values]


@pytest.mark.parametrize("zone_name", ZONES)
def test_a_column_of_psycopg_date_times_converts_as_each_value_does(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    values = [
        datetime(2026, 11, 23, 2, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 2, 30, 0, 120, tzinfo=UTC),
        datetime(1900, 1, 1, 0, 0, 1, tzinfo=ZoneInfo("Etc/UTC")),
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # New York's change of offset
        datetime(2026, 11, 23, 10, 30, 5, tzinfo=ZoneInfo("Asia/Shanghai")),
        None,
    ]
    one = driver_values.converter(UtcDateTime(), "postgresql", zone)
    column = driver_values.column_converter(UtcDateTime(), "postgresql", zone)
    assert one is not None and column is not None
    exact = [None if v is None else local_text(v, zone) for v in values]
    assert column(values) == [None if v is None else one(v) for v in values] == exact
