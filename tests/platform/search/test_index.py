"""The search index follows every write, on both databases.

Writes queue the records they change in their own transaction; the indexer (a thread in
the server, or a search that finds the queue non-empty) indexes them. ``found`` catches
up first, as the search endpoint does.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, select

from guanxi.bootstrap import migrate
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.kernel.migrate import SCRIPTS
from guanxi.platform.access.actor import Actor
from guanxi.platform.metadata import service as metadata
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, FieldPatch, ObjectIn, ObjectPatch
from guanxi.platform.process.tables import gx_outbox
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.deletion import delete_record, purge_record, restore_record
from guanxi.platform.records.service import create, create_many
from guanxi.platform.records.updates import update_many, update_record
from guanxi.platform.search.index import reindex
from guanxi.platform.search.indexer import Indexer
from guanxi.platform.search.service import search
from guanxi.platform.search.tables import gx_search
from tests.statements import count_queries
from tests.stepping import SteppedTime

ADMIN = Actor(user_id=None, name="王管理员", is_admin=True)


@pytest.fixture
def installed(empty_db: Database, clock: FixedClock) -> Database:
    migrate(empty_db, clock=clock)
    return empty_db


@contextmanager
def unit(db: Database, clock: FixedClock) -> Iterator[Ctx]:
    with db.write() as conn:
        yield Ctx.open(conn, Registry(), ADMIN, clock.now())


def catch_up(db: Database, limit: int | None = None) -> bool:
    return Indexer(db, Registry()).catch_up(limit)


def found(db: Database, q: str, **kwargs: Any) -> dict[str, set[str]]:
    catch_up(db)
    with db.read() as conn:
        body = search(conn, Registry().snapshot(conn), q, **kwargs)
    return {g["object"]: {r["title"] for r in g["records"]} for g in body["results"]}


def make_searchable(
    db: Database, clock: FixedClock, object_name: str, field: str, searchable: bool
) -> None:
    with unit(db, clock) as ctx:
        metadata.update_field(
            ctx.conn,
            Registry(),
            object_name,
            field,
            FieldPatch(searchable=searchable),
            now=clock.now(),
        )


def queued(db: Database) -> list[tuple[str, int]]:
    with db.read() as conn:
        rows = conn.execute(
            select(gx_outbox).where(gx_outbox.c.handler == "search").order_by(gx_outbox.c.id)
        )
        return [(row.object_name, len(row.record_ids)) for row in rows]


def index_rows(db: Database, object_name: str | None = None) -> int:
    with db.read() as conn:
        stmt = select(func.count()).select_from(gx_search)
        if object_name:
            stmt = stmt.where(gx_search.c.object_name == object_name)
        return int(conn.execute(stmt).scalar_one())


def test_a_bulk_create_queues_one_row_and_is_indexed_in_one_batch(
    installed: Database, clock: FixedClock
) -> None:
    rows = [
        {"name": f"杭州星辰科技{i:03d}有限公司", "email": f"info{i}@xingchen.cn"}
        for i in range(300)
    ]
    with count_queries(installed) as seen, unit(installed, clock) as ctx:
        create_many(ctx, "account", rows, return_records=False)
    writes = [
        s.split("(")[0].strip()
        for s in seen
        if s.startswith(("INSERT INTO gx_search", "INSERT INTO gx_outbox"))
    ]
    assert writes == ["INSERT INTO gx_outbox"]
    assert queued(installed) == [("account", 300)]
    assert index_rows(installed) == 0
    with count_queries(installed) as seen:
        assert catch_up(installed)
    writes = [s.split("(")[0].strip() for s in seen if s.startswith("INSERT INTO gx_search")]
    # One executemany on SQLite, between the old rows' full-text entries out and the new
    # ones' in; on PostgreSQL one COPY, which goes to the driver without a statement.
    expected = []
    if installed.is_sqlite:
        expected = [
            "INSERT INTO gx_search_fts",
            "INSERT INTO gx_search",
            "INSERT INTO gx_search_fts",
        ]
    assert writes == expected
    assert queued(installed) == []
    assert index_rows(installed, "account") == 300
    assert found(installed, "星辰科技042", limit=50) == {"account": {"杭州星辰科技042有限公司"}}
    assert len(found(installed, "星辰", limit=50)["account"]) == 50
    assert found(installed, "INFO299@") == {"account": {"杭州星辰科技299有限公司"}}


def test_chinese_names_latin_substrings_emails_and_phones_are_found(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        create(ctx, "contact", {"name": "张伟", "mobile": "13800138000"})
        create(ctx, "contact", {"name": "张伟华", "email": "wei.zhang@huawei.com"})
        create(ctx, "account", {"name": "Globex Logistics", "phone": "021-6288 1234"})
    assert found(installed, "张伟") == {"contact": {"张伟", "张伟华"}}
    assert found(installed, "伟华") == {"contact": {"张伟华"}}
    assert found(installed, "张") == {"contact": {"张伟", "张伟华"}}
    assert found(installed, "gLoBeX") == {"account": {"Globex Logistics"}}
    assert found(installed, "istics") == {"account": {"Globex Logistics"}}
    assert found(installed, "ei.zh") == {"contact": {"张伟华"}}
    assert found(installed, "@huawei") == {"contact": {"张伟华"}}
    for phone in ("138 0013 8000", "138-0013-8000", "+86 138 0013", "8000", "+86 (21) 6288-1234"):
        assert found(installed, phone), phone
    assert found(installed, "+86 138 0013") == {"contact": {"张伟"}}
    assert found(installed, "张伟 Globex") == {}  # all grams exist, never in one record


def test_after_an_update_the_old_name_no_longer_matches_and_the_new_one_does(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        record = create(ctx, "account", {"name": "深圳华为技术有限公司"})
    with unit(installed, clock) as ctx:
        update_record(
            ctx, "account", UUID(record["id"]), {"name": "深圳腾讯科技"}, expected_version=1
        )
    assert found(installed, "华为") == {}
    assert found(installed, "腾讯") == {"account": {"深圳腾讯科技"}}
    assert index_rows(installed, "account") == 1


def test_updating_fields_search_does_not_use_leaves_the_index_alone(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        record = create(ctx, "account", {"name": "华为"})
    with count_queries(installed) as seen, unit(installed, clock) as ctx:
        update_record(ctx, "account", UUID(record["id"]), {"employees": 5}, expected_version=1)
    assert not any("gx_search" in s for s in seen)


def test_deleted_records_are_not_found_and_restored_ones_are(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        account = create(ctx, "account", {"name": "云帆电子商务"})
        create(ctx, "contact", {"name": "李云帆", "account": account["id"]})
    with unit(installed, clock) as ctx:
        delete_record(ctx, "account", UUID(account["id"]))  # cascades to the contact
    assert found(installed, "云帆") == {}
    with unit(installed, clock) as ctx:
        restore_record(ctx, "account", UUID(account["id"]))
    assert found(installed, "云帆") == {"account": {"云帆电子商务"}, "contact": {"李云帆"}}


def test_purging_removes_the_index_rows_of_the_record_and_what_it_cascades_to(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        account = create(ctx, "account", {"name": "云帆电子商务"})
        create(ctx, "contact", {"name": "李云帆", "account": account["id"]})
        create(ctx, "contact", {"name": "王云帆"})
    catch_up(installed)
    with unit(installed, clock) as ctx:
        delete_record(ctx, "account", UUID(account["id"]))
    with unit(installed, clock) as ctx:
        purge_record(ctx, "account", UUID(account["id"]))
    assert index_rows(installed, "account") == 0
    assert index_rows(installed, "contact") == 1
    assert found(installed, "云帆") == {"contact": {"王云帆"}}


def test_a_field_made_searchable_is_found_and_one_made_unsearchable_is_not(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        create(ctx, "contact", {"name": "赵六", "department": "华东大客户部", "wechat": "zl_2026"})
    assert found(installed, "大客户") == {}
    make_searchable(installed, clock, "contact", "department", True)
    assert found(installed, "大客户") == {"contact": {"赵六"}}
    with unit(installed, clock) as ctx:
        metadata.set_field_archived(
            ctx.conn, Registry(), "contact", "department", True, now=clock.now()
        )
    assert found(installed, "大客户") == {}
    with unit(installed, clock) as ctx:
        metadata.set_field_archived(
            ctx.conn, Registry(), "contact", "department", False, now=clock.now()
        )
    assert found(installed, "大客户") == {"contact": {"赵六"}}
    make_searchable(installed, clock, "contact", "department", False)
    assert found(installed, "大客户") == {}
    with unit(installed, clock) as ctx:
        metadata.update_object(
            ctx.conn, Registry(), "contact", ObjectPatch(name_field="wechat"), now=clock.now()
        )
    assert found(installed, "zl_2026") == {"contact": {"zl_2026"}}  # the title is searched


def test_a_new_custom_object_is_indexed_from_its_first_record(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        metadata.create_object(
            ctx.conn, Registry(), ObjectIn(name="po", label="采购订单"), now=clock.now()
        )
        metadata.create_field(
            ctx.conn,
            Registry(),
            "po",
            FieldIn(name="title", type="text", label="标题"),
            now=clock.now(),
        )
    with unit(installed, clock) as ctx:
        create(ctx, "po", {"title": "办公用品采购"})
    assert found(installed, "用品") == {"po": {"办公用品采购"}}
    assert found(installed, "用品", objects=["account"]) == {}


def test_query_syntax_of_the_full_text_engine_is_plain_text(
    installed: Database, clock: FixedClock
) -> None:
    tricky = 'Foo "Bar" AND Baz* NEAR(x y) -q col:1 OR ^z'
    with unit(installed, clock) as ctx:
        create(ctx, "account", {"name": tricky})
        create(ctx, "account", {"name": "Bar Foo"})
    for q in ('"', '""', "*", "AND", "NEAR(", "-", ":", "OR", "^", "'", "%", "_", "\\", '" OR "1'):
        found(installed, q)  # no error
    assert found(installed, '"Bar" AND') == {"account": {tricky}}
    assert found(installed, "Baz* NEAR(") == {"account": {tricky}}
    assert found(installed, "col:1") == {"account": {tricky}}
    assert found(installed, '" OR "bar') == {}
    assert found(installed, "Bar") == {"account": {tricky, "Bar Foo"}}


def test_a_query_without_grams_scans_and_still_finds_matches(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        create(ctx, "account", {"name": "Q 公司"})
    assert found(installed, "q") == {"account": {"Q 公司"}}
    assert found(installed, "x") == {}


def test_reindex_rebuilds_an_index_that_lost_its_rows(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        create_many(ctx, "account", [{"name": f"星辰{i}号"} for i in range(5)])
    catch_up(installed)
    with installed.write() as conn:
        conn.execute(gx_search.delete())
    assert found(installed, "星辰") == {}
    with installed.write() as conn:
        assert reindex(conn, Registry().snapshot(conn), "account") == 5
    assert len(found(installed, "星辰")["account"]) == 5


def test_migrating_a_database_made_before_the_index_indexes_its_records(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        create(ctx, "account", {"name": "旧数据有限公司"})
    with installed.engine.connect() as conn, conn.begin():
        cfg = Config()
        cfg.set_main_option("script_location", str(SCRIPTS))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    migrate(installed, clock=clock)
    assert found(installed, "旧数据") == {"account": {"旧数据有限公司"}}


def test_the_full_text_index_agrees_with_its_table_after_every_kind_of_write(
    installed: Database, clock: FixedClock
) -> None:
    if not installed.is_sqlite:
        pytest.skip("the FTS5 table is SQLite's")
    with unit(installed, clock) as ctx:
        created = create_many(ctx, "account", [{"name": f"星辰{i}号"} for i in range(20)])
        first = UUID(created.records[0]["id"])
        update_record(ctx, "account", first, {"name": "天成"}, expected_version=1)
        delete_record(ctx, "account", first)
        purge_record(ctx, "account", first)
        metadata.update_field(
            ctx.conn, Registry(), "account", "website", FieldPatch(searchable=True), now=clock.now()
        )
        reindex(ctx.conn, Registry().snapshot(ctx.conn), "account")
        # rank 1: compare the index with the text its content view computes from gx_search
        ctx.conn.exec_driver_sql(
            "INSERT INTO gx_search_fts(gx_search_fts, rank) VALUES ('integrity-check', 1)"
        )
    assert len(found(installed, "星辰", limit=50)["account"]) == 19


def test_a_write_that_rolls_back_queues_nothing(installed: Database, clock: FixedClock) -> None:
    with pytest.raises(RuntimeError), unit(installed, clock) as ctx:
        create(ctx, "account", {"name": "回滚科技"})
        raise RuntimeError("the request failed after the create")
    assert queued(installed) == []
    assert found(installed, "回滚") == {}


def test_a_record_written_several_times_before_indexing_is_indexed_as_it_is_now(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        record = create(ctx, "account", {"name": "初稿科技"})
        record_id = UUID(record["id"])
    for version, name in enumerate(["二稿科技", "定稿科技"], start=1):
        with unit(installed, clock) as ctx:
            update_record(ctx, "account", record_id, {"name": name}, expected_version=version)
    with unit(installed, clock) as ctx:
        gone = create(ctx, "account", {"name": "作废科技"})
        delete_record(ctx, "account", UUID(gone["id"]))
        purge_record(ctx, "account", UUID(gone["id"]))
    assert len(queued(installed)) == 4
    assert catch_up(installed)
    assert index_rows(installed, "account") == 1
    assert found(installed, "稿科") == {"account": {"定稿科技"}}
    assert found(installed, "作废") == {}


@contextmanager
def indexer_thread(db: Database, **options: Any) -> Iterator[tuple[Indexer, SteppedTime]]:
    """A running indexer thread whose looks the test calls for (``time.look()``)."""
    time = SteppedTime()
    indexer = Indexer(db, Registry(), monotonic=time, wait=time.wait, **options)
    indexer.start()
    try:
        yield indexer, time
    finally:
        time.stop()
        indexer.stop()


def test_the_indexer_thread_indexes_new_records_without_a_search(
    installed: Database, clock: FixedClock
) -> None:
    with indexer_thread(installed) as (_, time):
        with unit(installed, clock) as ctx:
            create_many(ctx, "contact", [{"name": f"后台{i}"} for i in range(30)])
        time.look()
        assert queued(installed) == []
    assert index_rows(installed, "contact") == 30


def test_indexers_draining_at_once_leave_one_row_per_record(
    installed: Database, clock: FixedClock
) -> None:
    for batch in range(6):
        with unit(installed, clock) as ctx:
            create_many(ctx, "account", [{"name": f"并发{batch}-{i}"} for i in range(40)])
    with ThreadPoolExecutor(3) as pool:
        done = list(pool.map(lambda _: catch_up(installed), range(3)))
    assert done == [True, True, True]
    assert queued(installed) == []
    assert index_rows(installed, "account") == 240
    assert len(found(installed, "并发5-", limit=50)["account"]) == 40


def test_a_bounded_catch_up_says_whether_it_got_to_the_end(
    installed: Database, clock: FixedClock
) -> None:
    for batch in range(3):
        with unit(installed, clock) as ctx:
            create_many(ctx, "account", [{"name": f"导入{batch}-{i}"} for i in range(400)])
    assert not catch_up(installed, limit=500)  # batches of whole calls: 400, then 400 more
    assert queued(installed) == [("account", 400)]
    assert index_rows(installed, "account") == 800
    assert catch_up(installed, limit=500)
    assert index_rows(installed, "account") == 1200


def test_a_change_to_what_is_searchable_queues_the_records_it_concerns(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        rows = [
            {"name": f"联系人{i}", "department": "渠道部" if i % 3 == 0 else None} for i in range(9)
        ]
        create_many(ctx, "contact", rows)
    assert catch_up(installed)
    make_searchable(installed, clock, "contact", "department", True)
    assert queued(installed) == [("contact", 3)]  # only those with a department
    assert found(installed, "渠道") == {"contact": {"联系人0", "联系人3", "联系人6"}}


def test_a_bulk_update_queues_one_row_for_the_records_whose_grams_changed(
    installed: Database, clock: FixedClock
) -> None:
    with unit(installed, clock) as ctx:
        created = create_many(ctx, "account", [{"name": f"旧名{i}"} for i in range(40)]).records
    assert catch_up(installed)
    renamed = [
        {"id": r["id"], "version": 1, "name": f"新名{i}"} for i, r in enumerate(created[:30])
    ]
    untouched = [{"id": r["id"], "version": 1, "employees": 9} for r in created[30:39]]
    stale = [{"id": created[39]["id"], "version": 7, "name": "不会生效"}]
    with unit(installed, clock) as ctx:
        result = update_many(ctx, "account", renamed + untouched + stale, all_or_none=False)
    assert [e.index for e in result.errors] == [39]
    assert queued(installed) == [("account", 30)]
    assert len(found(installed, "新名", limit=50)["account"]) == 30
    assert len(found(installed, "旧名", limit=50)["account"]) == 10


def test_the_background_indexer_leaves_what_came_in_meanwhile_for_its_next_look(
    installed: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a steady stream of creates, one batch per interval, not a transaction per
    record; a search still catches up with everything."""
    from guanxi.platform.search import indexer as indexer_module
    from guanxi.platform.search.index import drain, enqueue

    with unit(installed, clock) as ctx:
        create_many(ctx, "account", [{"name": f"先到{i}"} for i in range(3)])
    with unit(installed, clock) as ctx:
        late = create(ctx, "account", {"name": "后到"})
    with installed.write() as conn:  # "后到" is queued again while the first batch runs
        conn.execute(gx_outbox.delete().where(gx_outbox.c.id == max_queue_id(conn)))
    batches: list[int] = []

    def drain_while_a_create_arrives(conn: Any, snap: Any, budget: int) -> Any:
        done = drain(conn, snap, budget)
        batches.append(done.records)
        if len(batches) == 1:
            enqueue(conn, snap.object("account"), [UUID(late["id"])])
        return done

    monkeypatch.setattr(indexer_module, "drain", drain_while_a_create_arrives)
    with indexer_thread(installed) as (_, time):
        time.look()
        assert batches == [3] and queued(installed) == [("account", 1)]
    assert catch_up(installed)  # a search's way: to the end
    assert batches == [3, 1] and queued(installed) == []


def max_queue_id(conn: Any) -> int:
    return int(conn.execute(select(func.max(gx_outbox.c.id))).scalar_one())


def test_the_background_indexer_stops_after_a_batch_when_a_write_is_waiting(
    installed: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forced look under a stream of writes indexes one batch, then lets the writes
    have the database (ADR 0010); a quiet look drains the whole backlog."""
    from guanxi.platform.search import indexer as indexer_module

    monkeypatch.setattr(indexer_module, "DRAIN", 2)
    for i in range(6):  # six queue rows of one record: three batches of two
        with unit(installed, clock) as ctx:
            create(ctx, "account", {"name": f"排队{i}"})
    with indexer_thread(installed, interval=0.5, max_lag=1.0) as (indexer, time):
        with indexer.writing():
            time.look(2)  # puts indexing off …
            assert len(queued(installed)) == 6
            time.look()  # … until max_lag has passed: one batch, then the write's turn
            assert len(queued(installed)) == 4
        time.look()  # an interval without writes
        assert queued(installed) == []
