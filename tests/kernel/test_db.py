"""Transaction boundaries: a read sees one snapshot from its first statement to its last."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from guanxi.kernel.db import Database, after_commit
from guanxi.kernel.errors import QueryTimeout


def counter(db: Database) -> Table:
    table = Table("t_snapshot", MetaData(), Column("id", Integer, primary_key=True))
    with db.write() as conn:
        table.create(conn)
        conn.execute(insert(table), [{"id": 1}, {"id": 2}])
    return table


def test_a_read_does_not_see_what_commits_while_it_runs(empty_db: Database) -> None:
    table = counter(empty_db)
    count = select(func.count()).select_from(table)
    with empty_db.read() as conn:
        before = conn.execute(count).scalar_one()  # e.g. a page's total …
        with empty_db.write() as other:
            other.execute(insert(table).values(id=3))
        after = conn.execute(count).scalar_one()  # … and its rows agree
    assert before == after == 2
    with empty_db.read() as conn:
        assert conn.execute(count).scalar_one() == 3


def test_a_write_in_a_read_transaction_is_refused_on_postgresql(empty_db: Database) -> None:
    if empty_db.is_sqlite:
        pytest.skip("SQLite has no read-only transactions")
    table = counter(empty_db)
    with pytest.raises(DBAPIError, match="read-only transaction"), empty_db.read() as conn:
        conn.execute(insert(table).values(id=3))


def test_json_columns_read_back_exactly(empty_db: Database) -> None:
    """JSON is decoded with orjson (fast) and falls back to the standard library for what
    orjson refuses, such as integers wider than 64 bits."""
    table = Table(
        "t_json", MetaData(), Column("id", Integer, primary_key=True), Column("doc", JSON)
    )
    docs = [
        {"tags": ["续约", "老客户"], "n": 1.5, "ok": True, "none": None},
        {"wide": 2**70, "neg": -(2**65)},
        ["a", {"b": [1, 2, 3]}],
    ]
    with empty_db.write() as conn:
        table.create(conn)
        conn.execute(insert(table), [{"id": i, "doc": d} for i, d in enumerate(docs)])
    with empty_db.read() as conn:
        assert list(conn.execute(select(table.c.doc).order_by(table.c.id)).scalars()) == docs


# Three million rows from a recursive CTE: seconds of work on either database, far past a
# budget of a twentieth of a second (and still short enough should the limit fail).
SLOW = text(
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3000000)"
    " SELECT count(*) FROM c"
)


@pytest.fixture
def hurried(empty_db: Database) -> Iterator[Database]:
    """The same database with a query time limit of 50 ms."""
    url = empty_db.url.render_as_string(hide_password=False)
    db = Database(url, schema=empty_db.schema, query_timeout=0.05)
    yield db
    db.dispose()


def test_a_statement_past_the_time_limit_is_cut_off_and_its_transaction_rolls_back(
    empty_db: Database, hurried: Database
) -> None:
    table = counter(empty_db)
    with pytest.raises(QueryTimeout) as raised, hurried.write() as conn:
        conn.execute(insert(table).values(id=3))
        conn.execute(SLOW)
    assert raised.value.status == 503
    with hurried.read() as conn:  # the insert before it was rolled back with it
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 2


def test_each_transaction_gets_the_whole_time_limit_again(
    empty_db: Database, hurried: Database
) -> None:
    table = counter(empty_db)
    for _ in range(3):  # the same pooled connection, cut off and reused
        with pytest.raises(QueryTimeout), hurried.read() as conn:
            conn.execute(SLOW)
        with hurried.write() as conn:  # quick work on it is not held to the last deadline
            conn.execute(select(func.count()).select_from(table)).scalar_one()
    with pytest.raises(QueryTimeout), hurried.read() as conn:
        conn.execute(select(func.count()).select_from(table)).scalar_one()
        conn.execute(SLOW)


def test_work_after_commit_sees_the_commit_and_a_rollback_drops_it(empty_db: Database) -> None:
    table = counter(empty_db)
    count = select(func.count()).select_from(table)
    seen: list[int] = []

    def look() -> None:  # on a connection of its own: it sees only committed rows
        with empty_db.read() as other:
            seen.append(other.execute(count).scalar_one())

    with empty_db.write() as conn:
        conn.execute(insert(table).values(id=3))
        assert after_commit(conn, look)
        assert seen == []
    assert seen == [3]
    with pytest.raises(RuntimeError), empty_db.write() as conn:
        after_commit(conn, look)
        raise RuntimeError("rolled back")
    with empty_db.write() as conn:  # the same pooled connection: nothing was left over
        conn.execute(insert(table).values(id=4))
    assert seen == [3]
    with empty_db.engine.begin() as conn:  # not a Database.write transaction
        assert not after_commit(conn, look)
    assert seen == [3]
