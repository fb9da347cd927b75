"""The measurements: list-view pages, single creates, bulk inserts and global search.

Each API measurement has a raw-database counterpart run through the driver itself
(``sqlite3`` / ``psycopg``) with the same rows, columns and SQL semantics, so the report can
show what the application adds on top of the database.
"""

from __future__ import annotations

import math
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
import psycopg
from sqlalchemy import event

from bench.cpu import CpuMeter
from bench.generate import (
    Dataset,
    RowBuilder,
    Target,
    account_payload,
    bind_processors,
    copy_sql,
    insert_sql,
    to_params,
)
from bench.server import Reply, Server
from bench.timing import Timing, concurrently, repeat
from guanxi.kernel.ids import uuid7
from guanxi.modules.customers import fake
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.records import reader
from guanxi.platform.search.index import pending
from guanxi.platform.search.indexer import Indexer

PAGE = 50
JSON = {"content-type": "application/json"}
ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Budget:
    """Bounded request counts (``--quick`` uses smaller ones)."""

    page_requests: int = 300
    search_requests: int = 40
    creates: int = 2000
    create_threads: int = 4
    bulk_batches: int = 20
    bulk_size: int = 1000
    max_seconds: float = 60.0  # per timed loop; slow cases stop early (at least 5 samples)

    @classmethod
    def quick(cls) -> Budget:
        return cls(
            page_requests=100,
            search_requests=15,
            creates=400,
            create_threads=4,
            bulk_batches=5,
            bulk_size=1000,
            max_seconds=20.0,
        )


# -- raw driver access ------------------------------------------------------------------------


class Raw:
    """A plain driver connection to the benchmark database (autocommit; explicit BEGIN)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.sqlite: sqlite3.Connection | None = None
        self.pg: psycopg.Connection[Any] | None = None
        if target.kind == "sqlite":
            self.sqlite = target.connect_sqlite()
            # The same settings the app gives its connections (guanxi.kernel.db).
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                "foreign_keys=ON",
                "busy_timeout=10000",
                "cache_size=-65536",
                "temp_store=MEMORY",
            ):
                self.sqlite.execute(f"PRAGMA {pragma}")
        else:
            self.pg = target.connect_pg()
            self.pg.autocommit = True

    @property
    def mark(self) -> str:
        return "?" if self.sqlite else "%s"

    def fetch(self, sql: str, params: Any) -> list[Any]:
        if self.sqlite:
            return self.sqlite.execute(sql, params).fetchall()
        assert self.pg
        return self.pg.execute(sql, params).fetchall()

    def explain(self, sql: str, params: Any) -> str:
        if self.sqlite:
            rows = self.sqlite.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            return "\n".join(str(r[3]) for r in rows)
        assert self.pg
        rows = self.pg.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params).fetchall()
        return "\n".join(str(r[0]) for r in rows)

    def close(self) -> None:
        if self.sqlite:
            self.sqlite.close()
        if self.pg:
            self.pg.close()


def _check(response: Reply, status: int) -> Reply:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.method} {response.url} → {response.status_code}: {response.text[:500]}"
        )
    return response


def _ids(rows: list[Any]) -> list[str]:
    """Record ids of raw rows (first column), as the API renders them."""
    return [str(r[0] if isinstance(r[0], UUID) else UUID(hex=r[0])) for r in rows]


# -- (a) filtered, sorted list pages --------------------------------------------------------


@dataclass(frozen=True)
class PageQuery:
    key: str
    title: str
    object_name: str
    body: dict[str, Any]
    raw_sql: Callable[[Raw, list[str]], tuple[str, list[Any]]]  # (raw, column names) → SQL


def _accounts_sql(raw: Raw, columns: list[str]) -> tuple[str, list[Any]]:
    m = raw.mark
    cols = ", ".join(columns)
    sql = (
        f"SELECT {cols} FROM o_account"
        f" WHERE deleted_at IS NULL AND industry = {m} AND level = {m}"
        f" ORDER BY created_at DESC, id DESC LIMIT {PAGE}"
    )
    return sql, ["it", "key"]


def _contacts_sql(raw: Raw, columns: list[str]) -> tuple[str, list[Any]]:
    m = raw.mark
    cols = ", ".join(f"c.{c}" for c in columns)
    # The app's order: NULLs first (ADR 0004), SQLite's native order; PostgreSQL must say so.
    nulls = " NULLS FIRST" if raw.pg else ""
    # A semi-join, as a careful engineer writes it: with a plain JOIN SQLite starts from the
    # account side and sorts every match (333 ms on 1M accounts, 2026-11-23).
    sql = (
        f"SELECT {cols} FROM o_contact c"
        f" WHERE c.deleted_at IS NULL AND EXISTS (SELECT 1 FROM o_account a"
        f" WHERE a.id = c.account AND a.industry = {m})"
        f" ORDER BY c.name{nulls}, c.id LIMIT {PAGE}"
    )
    return sql, ["healthcare"]


PAGE_QUERIES = [
    PageQuery(
        key="accounts",
        title="Accounts: industry = it AND level = key, newest first",
        object_name="account",
        body={
            "filter": {
                "and": [
                    {"field": "industry", "op": "eq", "value": "it"},
                    {"field": "level", "op": "eq", "value": "key"},
                ]
            },
            "sort": [{"field": "created_at", "direction": "desc"}],
            "limit": PAGE,
        },
        raw_sql=_accounts_sql,
    ),
    PageQuery(
        key="contacts",
        title="Contacts whose account.industry = healthcare, by name",
        object_name="contact",
        body={
            "filter": {"field": "account.industry", "op": "eq", "value": "healthcare"},
            "sort": [{"field": "name", "direction": "asc"}],
            "limit": PAGE,
        },
        raw_sql=_contacts_sql,
    ),
]


@dataclass
class PageResult:
    query: PageQuery
    raw_sql: str
    app_sql: str
    raw: Timing
    app_sql_driver: Timing
    service: Timing
    api: Timing
    same_records: bool
    plans: dict[str, str] = field(default_factory=dict)


class InProcess:
    """The records service called directly (no HTTP), on the app's own engine."""

    def __init__(self, target: Target) -> None:
        self.db = target.database()
        self.registry = Registry()
        self.statements: list[tuple[str, Any]] = []
        self.capturing = False
        event.listen(self.db.engine, "before_cursor_execute", self._capture)

    def _capture(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        if self.capturing:
            self.statements.append((statement, parameters))

    def query(self, q: PageQuery) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            snap = self.registry.snapshot(conn)
            page = reader.query(
                conn,
                snap,
                snap.object(q.object_name),
                ZONE,
                datetime.now(UTC),
                filter=q.body["filter"],
                sort=q.body["sort"],
                limit=q.body["limit"],
            )
        return page.records

    def app_sql(self, q: PageQuery, table_name: str) -> tuple[str, Any]:
        """The SQL the records service runs for the page (captured from the engine)."""
        self.statements.clear()
        self.capturing = True
        try:
            self.query(q)
        finally:
            self.capturing = False
        found = [(s, p) for s, p in self.statements if table_name in s and "LIMIT" in s]
        assert len(found) == 1, f"expected one page statement, got {self.statements}"
        return found[0]

    def close(self) -> None:
        self.db.dispose()


def measure_pages(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> list[PageResult]:
    results = []
    raw = Raw(dataset.target)
    local = InProcess(dataset.target)
    try:
        with server.client() as client:
            for q in PAGE_QUERIES:
                log(f"  page: {q.key}")
                with local.db.read() as conn:
                    table = local.registry.snapshot(conn).table(q.object_name)
                columns = [c.name for c in table.columns if c.name != "deleted_at"]
                sql, params = q.raw_sql(raw, columns)
                app_sql, app_params = local.app_sql(q, table.name)
                payload = orjson.dumps(q.body)
                url = f"/api/v1/records/{q.object_name}/query"

                def api_call(_: int, url: str = url, payload: bytes = payload) -> Any:
                    return _check(client.post(url, content=payload, headers=JSON), 200)

                api_ids = [r["id"] for r in api_call(0).json()["records"]]
                raw_ids = _ids(raw.fetch(sql, params))
                service_ids = [r["id"] for r in local.query(q)]
                same = api_ids == raw_ids == service_ids and len(raw_ids) == PAGE

                def raw_call(_: int, sql: str = sql, params: Any = params) -> Any:
                    return raw.fetch(sql, params)

                def app_sql_call(_: int, sql: str = app_sql, params: Any = app_params) -> Any:
                    return raw.fetch(sql, params)

                def service_call(_: int, q: PageQuery = q) -> Any:
                    return local.query(q)

                n, limit = budget.page_requests, budget.max_seconds
                results.append(
                    PageResult(
                        query=q,
                        raw_sql=sql,
                        app_sql=app_sql,
                        raw=repeat(raw_call, n, warmup=10, max_seconds=limit),
                        app_sql_driver=repeat(app_sql_call, n, warmup=10, max_seconds=limit),
                        service=repeat(service_call, n, warmup=10, max_seconds=limit),
                        api=repeat(api_call, n, warmup=10, max_seconds=limit),
                        same_records=same,
                        plans={
                            "raw": raw.explain(sql, params),
                            "app": raw.explain(app_sql, app_params),
                        },
                    )
                )
    finally:
        local.close()
        raw.close()
    return results


# -- (d) global search ------------------------------------------------------------------------


@dataclass
class SearchResult:
    label: str
    q: str
    timing: Timing
    hits: int


def search_terms(raw: Raw, spec_accounts: int) -> list[tuple[str, str]]:
    """Five realistic searches, taken from records in the middle of the data set."""
    offset = spec_accounts // 2
    m = raw.mark
    names = [
        str(r[0])
        for r in raw.fetch(
            f"SELECT name FROM o_account ORDER BY created_at LIMIT 200 OFFSET {m}", [offset]
        )
    ]
    chinese = next(n for n in names if not n[0].isascii())
    brand = next(b for b in fake.BRANDS if b in chinese)
    english = next(n for n in names if n[0].isascii())
    contact = raw.fetch(
        f"SELECT email, mobile FROM o_contact ORDER BY created_at LIMIT 1 OFFSET {m}",
        [offset * 2],
    )[0]
    handle = str(contact[0]).split("@")[0]
    digits = str(contact[1])[-8:]
    person = next(
        str(r[0])
        for r in raw.fetch(
            f"SELECT name FROM o_contact ORDER BY created_at LIMIT 200 OFFSET {m}", [offset * 2]
        )
        if len(str(r[0])) == 2 and not str(r[0]).isascii()
    )
    return [
        (f"Chinese: 2 characters of a company name ({chinese})", brand),
        ("Chinese: a contact's 2-character name", person),
        (f"English: a company name word, lower case ({english})", english.split()[0].lower()),
        ("E-mail fragment: a contact's mailbox name", handle),
        ("Phone fragment: the last 8 digits of a mobile", digits),
    ]


def measure_search(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> list[SearchResult]:
    raw = Raw(dataset.target)
    try:
        terms = search_terms(raw, dataset.spec.accounts)
    finally:
        raw.close()
    results = []
    with server.client() as client:
        for label, q in terms:
            log(f"  search: {q}")
            url = f"/api/v1/search?q={quote(q)}"

            def call(_: int, url: str = url) -> Any:
                return _check(client.get(url), 200)

            body = call(0).json()
            hits = sum(len(group["records"]) for group in body["results"])
            timing = repeat(call, budget.search_requests, warmup=2, max_seconds=budget.max_seconds)
            results.append(SearchResult(label, q, timing, hits))
    return results


# -- (b) single creates and (c) bulk inserts -------------------------------------------------


def new_accounts(count: int, seed: int, first_serial: int) -> list[dict[str, Any]]:
    """Fresh account payloads, as a client would send them (demo-like, new serials)."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    out = []
    for serial in range(first_serial, first_serial + count):
        payload, _ = account_payload(rng, serial, now)
        out.append(payload)
    return out


@dataclass
class CreateResult:
    sequential: Timing
    concurrent: Timing
    threads: int
    scaled: Timing | None = None  # the same clients against ``workers`` server processes
    workers: int = 1
    # CPU ms per create (server processes, PostgreSQL's processes) under ``concurrent``
    # and ``scaled``: who spent the two cores' time.
    concurrent_cpu: CpuPerCreate | None = None
    scaled_cpu: CpuPerCreate | None = None


@dataclass(frozen=True)
class CpuPerCreate:
    server_ms: float
    database_ms: float


def measure_creates(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> CreateResult:
    n = budget.creates
    threads = budget.create_threads
    bodies = [
        orjson.dumps(p)
        for p in new_accounts(2 * n + 50, dataset.spec.seed + 1, 10 * dataset.spec.accounts)
    ]
    log(f"  creates: {n} sequential")
    with server.client() as client:

        def create(i: int) -> Any:
            return _check(
                client.post("/api/v1/records/account", content=bodies[i], headers=JSON), 201
            )

        sequential = repeat(create, n, warmup=20)
    log(f"  creates: {n} over {threads} threads")
    concurrent, cpu = _concurrent_creates(server, bodies, n + 20, n, threads)
    return CreateResult(sequential, concurrent, threads, concurrent_cpu=cpu)


def measure_scaled_creates(
    server: Server, dataset: Dataset, budget: Budget, workers: int, log: Callable[[str], None]
) -> tuple[Timing, CpuPerCreate]:
    """Concurrent creates against a server started with several workers (processes), as
    production runs it: one per core. Like every scenario it starts with the search index
    caught up: the bulk calls measured before it with the indexer off left their rows
    queued, and indexing 20,000 of them is not part of creating accounts."""
    _index_now(dataset)
    n, threads = budget.creates, budget.create_threads
    bodies = [
        orjson.dumps(p)
        for p in new_accounts(n + 50, dataset.spec.seed + 2, 20 * dataset.spec.accounts)
    ]
    log(f"  creates: {n} over {threads} threads, {workers} server workers")
    with server.client() as client:
        for body in bodies[n:]:  # warm every worker's caches
            _check(client.post("/api/v1/records/account", content=body, headers=JSON), 201)
    return _concurrent_creates(server, bodies, 0, n, threads)


def _concurrent_creates(
    server: Server, bodies: list[bytes], offset: int, n: int, threads: int
) -> tuple[Timing, CpuPerCreate]:
    clients = [server.client() for _ in range(threads)]
    meter = CpuMeter(server.pid)
    try:

        def make_worker(t: int) -> Callable[[int], object]:
            client = clients[t]

            def create_one(i: int) -> Any:
                response = client.post(
                    "/api/v1/records/account", content=bodies[offset + i], headers=JSON
                )
                return _check(response, 201)

            return create_one

        meter.start()
        timing = concurrently(make_worker, threads, n // threads)
        meter.stop()
        return timing, CpuPerCreate(
            1000 * meter.server / timing.n, 1000 * meter.database / timing.n
        )
    finally:
        for c in clients:
            c.close()


@dataclass
class BulkResult:
    api: Timing  # one sample per call of ``size`` records
    raw: Timing  # one sample per driver bulk load of the same ``size`` rows
    size: int
    # From the first call until the search index queue was empty again (the app indexes
    # in the background, ADR 0007): the rate at which records become searchable too.
    indexed_wall: float = math.nan
    # The same calls against a server whose indexer is off: the insert path alone, as the
    # database's own load (which builds no search index) does it.
    alone: Timing | None = None

    @property
    def indexed_rows_per_s(self) -> float:
        return self.api.n * self.size / self.indexed_wall

    @property
    def alone_rows_per_s(self) -> float:
        return math.nan if self.alone is None else self.alone.per_second * self.size

    @property
    def api_rows_per_s(self) -> float:
        return self.api.per_second * self.size

    @property
    def raw_rows_per_s(self) -> float:
        return self.raw.per_second * self.size


def measure_bulk(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> BulkResult:
    size, batches = budget.bulk_size, budget.bulk_batches
    payloads = new_accounts(size * batches, dataset.spec.seed + 2, 20 * dataset.spec.accounts)
    chunks = [payloads[i * size : (i + 1) * size] for i in range(batches)]
    log(f"  bulk: {batches} API calls of {size}")
    started = time.perf_counter()
    api = _bulk_calls(server, dataset, chunks)
    _wait_for_index(dataset)
    indexed_wall = time.perf_counter() - started
    log(f"  bulk: {batches} raw loads of {size}")
    raw = _raw_bulk(dataset, chunks)
    return BulkResult(api, raw, size, indexed_wall)


def measure_bulk_alone(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> Timing:
    """The bulk calls against a server started with its indexer off."""
    size, batches = budget.bulk_size, budget.bulk_batches
    payloads = new_accounts(size * batches, dataset.spec.seed + 3, 30 * dataset.spec.accounts)
    log(f"  bulk: {batches} API calls of {size}, indexer off")
    return _bulk_calls(
        server, dataset, [payloads[i * size : (i + 1) * size] for i in range(batches)]
    )


def _bulk_calls(server: Server, dataset: Dataset, chunks: list[list[dict[str, Any]]]) -> Timing:
    """One timed bulk call per chunk, after a 10-record warm-up (indexed before the clock)."""
    bodies = [orjson.dumps({"records": c, "return_records": False}) for c in chunks]
    url = "/api/v1/records/account/bulk"
    with server.client(timeout=600) as client:
        warm_up = orjson.dumps({"records": chunks[0][:10], "return_records": False})
        _check(client.post(url, content=warm_up, headers=JSON), 201)
        _index_now(dataset)
        return repeat(
            lambda i: _check(client.post(url, content=bodies[i], headers=JSON), 201), len(chunks)
        )


def _index_now(dataset: Dataset) -> None:
    """Index what is queued from here (taking turns with the server's indexer, if on)."""
    db = dataset.target.database()
    try:
        Indexer(db, Registry()).catch_up()
    finally:
        db.dispose()


def _wait_for_index(dataset: Dataset, timeout: float = 600) -> None:
    """Until the server's indexer has emptied the search index queue."""
    db = dataset.target.database()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with db.read() as conn:
                if not pending(conn):
                    return
            time.sleep(0.01)
        raise RuntimeError("the search index queue did not empty")
    finally:
        db.dispose()


def _raw_bulk(dataset: Dataset, chunks: list[list[dict[str, Any]]]) -> Timing:
    """The same rows through the database's own bulk path, one transaction per chunk.

    Rows are converted to column values and driver parameters before the clock starts
    (ids are new, created_at is now, so ``reset`` removes them); the timing is the load.
    """
    target = dataset.target
    db = target.database()
    try:
        with db.read() as conn:
            snap = Registry().snapshot(conn)
        builder = RowBuilder(snap, "account")
        dialect = db.engine.dialect
    finally:
        db.dispose()
    processors = bind_processors(builder.table, dialect)
    now = datetime.now(UTC)
    prepared = []
    serial = 0
    for chunk in chunks:
        rows = []
        for payload in chunk:
            serial += 1
            values = builder.values(payload)
            rows.append(
                builder.row(
                    values,
                    record_id=uuid7(),
                    created_at=now,
                    owner_id=dataset.admin_id,
                    serial=dataset.spec.accounts * 3 + serial,
                )
            )
        prepared.append(to_params(rows, builder.columns, processors))
    raw = Raw(target)
    try:
        if raw.sqlite:
            conn_s = raw.sqlite
            sql = insert_sql(builder.table)

            def load_sqlite(i: int) -> None:
                conn_s.execute("BEGIN IMMEDIATE")
                conn_s.executemany(sql, prepared[i])
                conn_s.execute("COMMIT")

            return repeat(load_sqlite, len(prepared))
        assert raw.pg
        conn_p = raw.pg
        copy = copy_sql(builder.table)

        def load_pg(i: int) -> None:
            with conn_p.transaction(), conn_p.cursor() as cur, cur.copy(copy) as c:
                for row in prepared[i]:
                    c.write_row(row)

        return repeat(load_pg, len(prepared))
    finally:
        raw.close()


def measure_health(server: Server, budget: Budget) -> Timing:
    with server.client() as client:
        return repeat(
            lambda _: _check(client.get("/api/v1/health"), 200), budget.page_requests, warmup=10
        )
