"""Exact decimals, UTC date-times and ids as text read identically on both databases."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, Uuid, func, insert, select

from guanxi.kernel.db import Database
from guanxi.kernel.ids import uuid7
from guanxi.kernel.sqltypes import ExactDecimal, UtcDateTime, uuid_text


def test_decimals_are_exact_and_summable(empty_db: Database) -> None:
    table = Table(
        "t_money",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("amount", ExactDecimal(18, 2)),
    )
    values = [Decimal("0.10"), Decimal("0.20"), Decimal("12345678901234.56"), Decimal("-3.33")]
    with empty_db.write() as conn:
        table.create(conn)
        conn.execute(insert(table), [{"amount": v} for v in values])
        stored = list(conn.execute(select(table.c.amount).order_by(table.c.id)).scalars())
        total = conn.execute(select(func.sum(table.c.amount))).scalar()
        above = list(
            conn.execute(select(table.c.amount).where(table.c.amount > Decimal("0.15"))).scalars()
        )
    assert stored == values
    assert total == sum(values)
    assert sorted(above) == [Decimal("0.20"), Decimal("12345678901234.56")]


def test_datetimes_come_back_aware_in_utc(empty_db: Database) -> None:
    table = Table(
        "t_time", MetaData(), Column("id", Integer, primary_key=True), Column("at", UtcDateTime)
    )
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 11, 23, 18, 30, 15, 123000, tzinfo=shanghai)
    with empty_db.write() as conn:
        table.create(conn)
        conn.execute(insert(table).values(at=moment))
        back = conn.execute(select(table.c.at)).scalar_one()
    assert back == moment
    assert back.tzinfo is not None and back.utcoffset() == timedelta(0)
    assert back == datetime(2026, 11, 23, 10, 30, 15, 123000, tzinfo=UTC)


def test_uuid_text_reads_ids_as_their_canonical_text(empty_db: Database) -> None:
    table = Table("t_ids", MetaData(), Column("id", Uuid(), primary_key=True), Column("n", Integer))
    ids = [uuid7() for _ in range(3)]
    with empty_db.write() as conn:
        table.create(conn)
        conn.execute(insert(table), [{"id": i, "n": n} for n, i in enumerate(ids)])
        text = select(uuid_text(table.c.id, empty_db.dialect).label("id")).order_by(table.c.n)
        read = list(conn.execute(text).scalars())
    assert read == [str(i) for i in ids]
    assert all(type(value) is str for value in read)


def test_sqlite_datetime_text_in_any_stored_form_reads_as_aware_utc(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'times.db'}")
    process = UtcDateTime().result_processor(db.engine.dialect, None)
    shanghai = timezone(timedelta(hours=8))
    expected = datetime(2026, 11, 23, 10, 30, 15, tzinfo=UTC)
    for stored in (
        "2026-11-23 10:30:15",
        "2026-11-23 10:30:15.000000",
        "2026-11-23T10:30:15Z",
        "2026-11-23 18:30:15+08:00",
        "2026-11-23 05:30:15-05:00",
    ):
        moment = process(stored)
        assert moment == expected and moment.utcoffset() == timedelta(0), stored
    assert process(None) is None
    assert process(datetime(2026, 11, 23, 18, 30, 15, tzinfo=shanghai)) == expected
